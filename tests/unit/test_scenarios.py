"""``flowdesk test``: scenario files run on throwaway stores with a virtual clock.

The broken models (tests/resources/scenarios) fail naming the element at fault; the shipped
complaint-handling scenarios cover every flow; JUnit XML has one testcase per scenario; the
exit status says whether everything passed. (The scenario stores are throwaway SQLite by
design, so these run on SQLite only.)
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

from click.testing import CliRunner

from host.cli import main
from tests.conftest import PROCESSES, RESOURCES

BROKEN = RESOURCES / "scenarios"


def flowdesk_test(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["test", *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_a_multi_instance_task_without_output_fails_naming_it() -> None:
    code, out = flowdesk_test(str(BROKEN / "broken_mi"))
    assert code == 1
    assert "FAIL broken_mi: every item's rating is collected" in out
    assert "variables.ratings" in out and '"(missing)"' in out
    assert "at step 3 (expect" in out
    assert "path so far: start > rate_each > " in out  # the element that dropped them


def test_an_unreachable_end_event_fails_naming_it_and_coverage_lists_it(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    code, out = flowdesk_test(str(BROKEN / "unreachable_end"), "--coverage",
                              "--coverage-json", str(report))
    assert code == 1
    assert 'expected: ["end_refunded"]' in out and 'got:      ["end_kept"]' in out
    coverage = json.loads(report.read_text())["unreachable_end"]
    assert coverage["elements"]["never_reached"] == ["end_refunded"]
    assert coverage["flows"]["never_reached"] == ["f_yes"]
    assert coverage["flows"]["percent"] == 75.0


def test_complaint_handling_scenarios_pass_and_cover_every_flow(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    code, out = flowdesk_test(str(PROCESSES / "complaint-handling"), "--coverage-json",
                              str(report))
    assert code == 0, out
    coverage = json.loads(report.read_text())["complaint_handling"]
    assert coverage["flows"]["percent"] == 100.0 and coverage["flows"]["never_reached"] == []
    assert coverage["elements"]["never_reached"] == []
    assert coverage["flows"]["total"] == 32


def test_junit_has_one_testcase_per_scenario(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    files = sorted((PROCESSES / "complaint-handling" / "tests").glob("*.yaml"))
    code, _ = flowdesk_test(str(PROCESSES / "complaint-handling"), str(BROKEN),
                            "--junit", str(junit))
    assert code == 1
    suite = ET.parse(junit).getroot()
    cases = suite.findall("testcase")
    assert len(cases) == len(files) + 2 and suite.get("tests") == str(len(cases))
    failed = [c.get("classname") for c in cases if c.find("failure") is not None]
    assert sorted(failed) == ["broken_mi", "unreachable_end"] and suite.get("failures") == "2"


def test_a_step_that_cannot_be_done_fails_with_the_services_words(tmp_path: Path) -> None:
    folder = tmp_path / "complaint-handling"
    shutil.copytree(PROCESSES / "complaint-handling", folder,
                    ignore=shutil.ignore_patterns("tests"))
    scenario = folder / "tests" / "wrong.yaml"
    scenario.parent.mkdir()
    scenario.write_text("name: wrong data\nsteps:\n"
                        "  - complete: register_complaint\n    data: {channel: fax}\n"
                        "  - complete: no_such_task\n", encoding="utf-8")
    code, out = flowdesk_test(str(scenario))
    assert code == 1
    assert "at step 1 (complete register_complaint)" in out and "channel" in out


def test_no_scenario_files_is_an_error(tmp_path: Path) -> None:
    code, out = flowdesk_test(str(tmp_path))
    assert code == 2 and "no scenario files found" in out
