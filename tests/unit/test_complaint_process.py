"""The shipped complaint-handling process, every path, straight through and with save/restore."""
from __future__ import annotations

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.errors import FormInvalid
from engine.forms import validate_form
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from tests.complaint_paths import PATHS, REJECTED
from tests.conftest import PROCESSES, bundle


@pytest.fixture(scope="module")
def complaint() -> ParsedDefinition:
    return parse_bundle(bundle(PROCESSES / "complaint-handling"))


def run_path(definition: ParsedDefinition, steps: list, save_restore: bool) -> tuple:
    runtime = Runtime()
    wf, result = runtime.start(definition, {})
    seen = []
    for bpmn_id, lane, data in steps:
        if save_restore:
            wf = runtime.loads(definition, runtime.dumps(wf))
        assert [t.bpmn_id for t in result.open_tasks] == [bpmn_id]
        task = result.open_tasks[0]
        seen.append((task.bpmn_id, task.lane, task.candidate_groups))
        result = runtime.complete_task(definition, wf, task.guid, data)
    ends = [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id and t.task_spec.bpmn_id.startswith("end_")]
    return result.status, ends, result.variables, seen


def test_the_model_has_the_three_lanes_and_a_form_per_user_task(complaint) -> None:
    assert complaint.key == "complaint_handling"
    lanes = {info.lane for info in complaint.user_tasks.values()}
    assert lanes == {"Agent", "Supervisor", "ComplaintGroup"}
    assert all(info.form_name for info in complaint.user_tasks.values())


@pytest.mark.parametrize("letter", sorted(PATHS))
@pytest.mark.parametrize("save_restore", [False, True], ids=["straight", "save-restore"])
def test_every_path(complaint, letter: str, save_restore: bool) -> None:
    path = PATHS[letter]
    status, ends, variables, seen = run_path(complaint, path["steps"], save_restore)
    assert status == "completed"
    assert ends == [path["end"]]
    assert variables.get("priority") == path["priority"]
    assert variables["case_status"] == path["case_status"]
    assert [(b, lane) for b, lane, _ in seen] == [(s[0], s[1]) for s in path["steps"]]
    assert all(groups == [lane] for _, lane, groups in seen)


@pytest.mark.parametrize("severity, category, channel, expected", [
    ("severe", "product_quality", "hotline", "urgent"),
    ("severe", "service_attitude", "email", "high"),
    ("moderate", "billing", "store", "high"),
    ("moderate", "shipping_delay", "hotline", "medium"),
    ("minor", "transport_damage", "sms", "medium"),
    ("minor", "other", "online_chat", "low"),
    ("minor", "other", "regulator", "urgent"),
])
def test_priority_decision(complaint, severity, category, channel, expected) -> None:
    steps = PATHS["B"]["steps"][:2]
    register = dict(steps[0][2], severity=severity, category=category, channel=channel)
    runtime = Runtime()
    wf, result = runtime.start(complaint, {})
    result = runtime.complete_task(complaint, wf, result.open_tasks[0].guid, register)
    result = runtime.complete_task(complaint, wf, result.open_tasks[0].guid, steps[1][2])
    assert result.open_tasks[0].bpmn_id == "handle_complaint"
    assert result.variables["priority"] == expected


@pytest.mark.parametrize("bpmn_id, payload, why", REJECTED, ids=[r[2] for r in REJECTED])
def test_forms_reject_bad_payloads(complaint, bpmn_id: str, payload: dict, why: str) -> None:
    with pytest.raises(FormInvalid):
        validate_form(complaint.user_tasks[bpmn_id].form_schema, payload)
