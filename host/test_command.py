"""``flowdesk test``: run scenario files and print one line per scenario, a diff for each
failure, optionally JUnit XML and coverage; the exit status says whether all passed."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import click

from store.throwaway import ThrowawayStores
from services.scenarios.coverage import by_process
from services.scenarios.runner import Result, Runner
from services.scenarios.spec import discover
from services.settings import Settings


def _settings(url: str) -> Settings:
    # Nothing leaves a scenario's store: no mail server, and the notification outbox and the
    # connectors' calls are only worked by the ticker and workers, which never run here.
    return Settings(database_url=url, smtp_url="")


def failure_text(result: Result) -> str:
    """The diff of a failed scenario: at which step, what was expected and what was got."""
    where = (f"step {result.step.number} ({result.step.describe()})" if result.step
             else "the start")
    lines = [f"    at {where}:"]
    if result.error:
        lines.append(f"      {result.error}")
    for m in result.mismatches:
        lines.append(f"      {m.what}:")
        lines.append(f"        expected: {_plain(m.expected)}")
        lines.append(f"        got:      {_plain(m.got)}")
        if m.where:
            lines.append(f"        where:    {m.where}")
    if result.path:
        lines.append(f"      path so far: {' > '.join(result.path)}")
    return "\n".join(lines)


def _plain(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def junit_xml(results: list[Result]) -> bytes:
    suite = ET.Element("testsuite", name="flowdesk scenarios", tests=str(len(results)),
                       failures=str(sum(not r.ok for r in results)),
                       time=f"{sum(r.seconds for r in results):.3f}")
    for r in results:
        case = ET.SubElement(suite, "testcase", classname=r.process, name=r.name,
                             file=str(r.file), time=f"{r.seconds:.3f}")
        if not r.ok:
            message = r.error or "; ".join(m.what for m in r.mismatches)
            ET.SubElement(case, "failure", message=message).text = failure_text(r)
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)


def coverage_text(report: dict[str, Any]) -> list[str]:
    lines = []
    for key, cov in report.items():
        el, fl = cov["elements"], cov["flows"]
        lines.append(f"coverage {key}: flows {fl['percent']}% "
                     f"({len(fl['visited'])}/{fl['total']}), elements {el['percent']}% "
                     f"({len(el['visited'])}/{el['total']})")
        if fl["never_reached"]:
            lines.append(f"  flows never taken: {', '.join(fl['never_reached'])}")
        if el["never_reached"]:
            lines.append(f"  elements never reached: {', '.join(el['never_reached'])}")
    return lines


def run(paths: list[Path], junit: Path | None, show_coverage: bool,
        coverage_json: Path | None) -> int:
    files = discover(paths or [Path("processes")])
    if not files:
        click.echo("no scenario files found", err=True)
        return 2
    stores = ThrowawayStores()
    runner = Runner(stores, _settings)
    results: list[Result] = []
    try:
        for result in runner.run(files):
            results.append(result)
            click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.process}: {result.name} "
                       f"({result.seconds * 1000:.0f} ms)")
            if not result.ok:
                click.echo(failure_text(result))
    finally:
        stores.close()
    failed = sum(not r.ok for r in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if junit:
        junit.write_bytes(junit_xml(results))
    if show_coverage or coverage_json:
        graphs = {b.key: b.graph for b in runner.bundles.values() if not b.problem}
        report = by_process(graphs, results)
        if show_coverage:
            for line in coverage_text(report):
                click.echo(line)
        if coverage_json:
            coverage_json.write_text(json.dumps(report, indent=2, ensure_ascii=False),
                                     encoding="utf-8")
    return 1 if failed else 0
