"""``flowdesk test``: scenario files run on throwaway stores with a virtual clock.

The broken models (tests/resources/scenarios) fail naming the element at fault; the shipped
complaint-handling scenarios cover every flow; stock_check's exercise external-task mocks, SLA
clocks, incidents and a parallel join; JUnit XML has one testcase per scenario; the exit
status says whether everything passed. The shipped scenarios follow the path tables of
tests/*_paths.py step for step (scripts/test.sh runs them all). (The scenario stores are
throwaway SQLite by design, so these run on SQLite only.)
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

from click.testing import CliRunner

from host.cli import main
import pytest

from services.scenarios.spec import ScenarioFileError, load
from tests import after_sales_paths, approvals_paths, service_notification_paths
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
    # the failure itself names the element that dropped them, by id and name
    assert ("where:    no element sets `ratings`: the multi-instance rate_each (Rate the item) "
            "collects no output") in out
    assert "the case ended at end_rated" in out


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
    broken = list(BROKEN.glob("*/tests/*.yaml"))  # two fail, stock_check's pass
    assert len(cases) == len(files) + len(broken) and suite.get("tests") == str(len(cases))
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


def test_mocks_sla_incidents_and_a_parallel_join(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    code, out = flowdesk_test(str(BROKEN / "stock_check"), "--coverage-json", str(report))
    assert code == 0, out
    coverage = json.loads(report.read_text())["stock_check"]
    # both branches into the join count, though the engine goes on in one of them
    assert {"f_packed", "f_weighed"} <= set(coverage["flows"]["visited"])
    assert coverage["flows"]["percent"] == 100.0 and coverage["elements"]["percent"] == 100.0


def test_a_wrong_sla_or_incident_expectation_fails(tmp_path: Path) -> None:
    folder = tmp_path / "stock_check"
    shutil.copytree(BROKEN / "stock_check", folder)
    shipped = folder / "tests" / "shipped.yaml"
    shipped.write_text(shipped.read_text(encoding="utf-8").replace("state: breached",
                                                                   "state: ok"), encoding="utf-8")
    no_boxes = folder / "tests" / "no_boxes.yaml"
    no_boxes.write_text(no_boxes.read_text(encoding="utf-8").replace("element: per_box",
                                                                     "element: pack"),
                        encoding="utf-8")
    code, out = flowdesk_test(str(folder))
    assert code == 1
    assert "SLA clocks:" in out and '"state": "breached"' in out
    assert "incident:" in out and '"element": "per_box"' in out


def test_a_scheduled_start_follows_the_case_the_timer_starts() -> None:
    code, out = flowdesk_test(str(PROCESSES / "shift-handover"), "--coverage")
    assert code == 0, out
    assert "coverage shift_handover: flows 100.0% (17/17)" in out


def test_a_steps_kind_is_its_first_key(tmp_path: Path) -> None:
    scenario = tmp_path / "tests" / "s.yaml"
    scenario.parent.mkdir()
    scenario.write_text("steps:\n  - external: check\n    message: no stock\n"
                        "  - data: {}\n    complete: x\n", encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="step 2 starts with one of"):
        load(scenario)
    scenario.write_text("steps:\n  - external: check\n    message: no stock\n",
                        encoding="utf-8")
    assert load(scenario).steps[0].kind == "external"


def _completions(folder: Path) -> dict[str, list[tuple[str, dict]]]:
    """Each scenario's completed tasks and data, by the name's key (``A: …`` -> ``A``)."""
    out = {}
    for file in sorted((folder / "tests").glob("*.yaml")):
        scenario = load(file)
        out[scenario.name.split(":")[0]] = [
            (s.args["complete"], s.args.get("data") or {}) for s in scenario.steps
            if s.kind == "complete" and "rejected" not in s.args]
    return out


@pytest.mark.parametrize("folder, paths", [
    ("after-sales", after_sales_paths.PATHS), ("approvals", approvals_paths.PATHS),
    ("service-notification", service_notification_paths.PATHS)])
def test_the_scenarios_follow_the_path_tables(folder: str, paths: dict) -> None:
    scenarios = _completions(PROCESSES / folder)
    for key, path in paths.items():
        steps = [(s[0], s[-1]) for s in path["steps"] if s[-1] is not None]
        assert scenarios[key] == steps, key
