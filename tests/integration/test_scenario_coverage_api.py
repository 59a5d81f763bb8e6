"""/api/v1/scenario-coverage: a designer's draft's scenarios run on throwaway stores, their
coverage answered as ``flowdesk test --coverage-json`` writes it: complaint-handling's own
scenarios (sent with the draft, or found in the deployed bundle's folder) reach every flow and
element; a broken model's end event nobody can reach is listed; the work is bounded and says
what it left out; the real database never gets an instance or a definition."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.routes.dry_runs import install
from services.definitions import bundle_files
from services.scenarios import draft_coverage
from store.tables import ProcessDefinition, ProcessInstance
from store.throwaway import ThrowawayStores
from tests.conftest import PROCESSES, RESOURCES
from tests.unit.test_scenarios import flowdesk_test

COMPLAINTS = PROCESSES / "complaint-handling"
UNREACHABLE = RESOURCES / "scenarios" / "unreachable_end"


@pytest.fixture
def stores(app) -> Iterator[ThrowawayStores]:  # type: ignore[no-untyped-def]
    made = ThrowawayStores()
    offered = install(app, made)
    yield made
    offered.close()
    made.close()


def draft(folder: Path, with_tests: bool = True) -> dict[str, str]:
    """The designer's draft: the model's files, and the scenarios as tests/<name>."""
    files = {name: data.decode("utf-8") for name, data in bundle_files(folder).items()}
    if with_tests:
        files |= {f"tests/{f.name}": f.read_text(encoding="utf-8")
                  for f in sorted((folder / "tests").glob("*.yaml"))}
    return files


def real_counts(fd) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return (uow.scalar(select(func.count()).select_from(ProcessInstance)),
                uow.scalar(select(func.count()).select_from(ProcessDefinition)))


@pytest.mark.app_config(processes_dir=str(PROCESSES))
def test_complaint_handling_scenarios_cover_every_flow(
        server, tokens, fd, stores, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sent = server.post("/api/v1/scenario-coverage", tokens["designer"],
                       json={"files": draft(COMPLAINTS)})
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert answer["source"] == "draft" and answer["process_key"] == "complaint_handling"
    assert answer["skipped"] == [] and answer["limits"]["scenarios"] == 50
    assert all(s["ok"] for s in answer["scenarios"]), answer["scenarios"]
    assert len(answer["scenarios"]) == len(list((COMPLAINTS / "tests").glob("*.yaml")))
    coverage = answer["coverage"]["complaint_handling"]
    assert coverage["flows"]["percent"] == 100.0 and coverage["flows"]["never_reached"] == []
    assert coverage["elements"]["percent"] == 100.0
    # the same numbers as the command line writes
    report = tmp_path / "coverage.json"
    assert flowdesk_test(str(COMPLAINTS), "--coverage-json", str(report))[0] == 0
    assert json.loads(report.read_text())["complaint_handling"] == coverage

    # a draft without scenarios: the deployed bundle's folder has them
    found = server.post("/api/v1/scenario-coverage", tokens["designer"],
                        json={"files": draft(COMPLAINTS, with_tests=False)})
    assert found.status_code == 200, found.text
    assert found.json()["source"] == "deployed"
    assert found.json()["coverage"]["complaint_handling"] == coverage
    assert real_counts(fd) == (0, 0)


def test_a_broken_models_unreachable_end_is_listed(server, tokens, fd, stores) -> None:  # type: ignore[no-untyped-def]
    sent = server.post("/api/v1/scenario-coverage", tokens["designer"],
                       json={"files": draft(UNREACHABLE)}, headers={"Accept-Language": "en"})
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    [scenario] = answer["scenarios"]
    assert scenario["ok"] is False and scenario["mismatches"]
    coverage = answer["coverage"]["unreachable_end"]
    assert coverage["elements"]["never_reached"] == ["end_refunded"]
    assert coverage["flows"]["never_reached"] == ["f_yes"]
    assert coverage["flows"]["percent"] == 75.0
    assert real_counts(fd) == (0, 0)


def test_refusals_and_bounds(server, tokens, stores, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/scenario-coverage"
    assert server.post(url, tokens["agent"], json={"files": draft(COMPLAINTS)}).status_code == 403
    broken = server.post(url, tokens["designer"], json={"files": {"x.bpmn": "<definitions"}})
    assert broken.status_code == 422
    monkeypatch.setattr(draft_coverage, "MAX_SCENARIOS", 1)
    bounded = server.post(url, tokens["designer"], json={"files": draft(COMPLAINTS)})
    assert bounded.status_code == 200, bounded.text
    answer = bounded.json()
    assert len(answer["scenarios"]) == 1 and answer["limits"]["scenarios"] == 1
    assert {s["reason"] for s in answer["skipped"]} == {"too_many_scenarios"}
    assert len(answer["skipped"]) == len(list((COMPLAINTS / "tests").glob("*.yaml"))) - 1
    assert answer["coverage"]["complaint_handling"]["flows"]["percent"] < 100.0
