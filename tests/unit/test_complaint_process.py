"""The shipped complaint-handling process, every path, straight through and with save/restore."""
from __future__ import annotations

import json
import re

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.errors import FormInvalid
from engine.forms import validate_form
from engine.parsing import ParsedDefinition, parse_bundle
from engine.runtime import Runtime
from tests.complaint_paths import ACCEPT_ALL, PATHS, REGISTER_OK, REJECTED
from tests.conftest import PROCESSES, bundle

PRODUCT = ["function", "safety", "quality", "transaction", "delivery", "culture"]
SERVICE = ["ability", "attitude", "quality", "etiquette"]
CJK = re.compile(r"[\u4e00-\u9fff]")


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


def test_lanes_forms_and_chinese_names(complaint) -> None:
    assert complaint.key == "complaint_handling" and complaint.case_prefix == "TS"
    assert CJK.search(complaint.name), complaint.name
    lanes = {info.bpmn_id: info.lane for info in complaint.user_tasks.values()}
    assert set(lanes.values()) == {"Agent", "Supervisor", "ComplaintGroup"}
    assert lanes["register_complaint"] == "Agent"              # the front office registers
    assert lanes["group_handle_complaint"] == "ComplaintGroup"  # the back office's complaint group
    for info in complaint.user_tasks.values():
        assert info.form_name == f"{info.bpmn_id}.json"
        assert CJK.search(info.name), info.bpmn_id
        assert CJK.search(info.form_schema["title"]), info.form_name
        for name, field in info.form_schema["properties"].items():
            assert CJK.search(field["title"]), (info.form_name, name)


@pytest.mark.parametrize("letter", sorted(PATHS))
@pytest.mark.parametrize("save_restore", [False, True], ids=["straight", "save-restore"])
def test_every_path(complaint, letter: str, save_restore: bool) -> None:
    path = PATHS[letter]
    status, ends, variables, seen = run_path(complaint, path["steps"], save_restore)
    assert status == "completed"
    assert ends == [path["end"]]
    assert variables.get("priority") == path["priority"]
    assert variables.get("handling_route") == path["route"]
    assert variables["case_status"] == path["case_status"]
    assert [(b, lane) for b, lane, _ in seen] == [(s[0], s[1]) for s in path["steps"]]
    assert all(groups == [lane] for _, lane, groups in seen)


def test_the_paths_cover_every_route_remedy_and_branch() -> None:
    visited = {s[0] for p in PATHS.values() for s in p["steps"]}
    assert {"reply_not_accepted", "handle_complaint", "group_handle_complaint", "supervisor_review",
            "reopen_review", "issue_refund", "arrange_exchange", "pay_compensation"} <= visited
    assert {p["route"] for p in PATHS.values()} == {None, "front_office", "complaint_group"}
    escalated_by = {s[0] for p in PATHS.values() for i, s in enumerate(p["steps"])
                    if s[0].endswith("handle_complaint") and s[2]["escalate"]}
    assert escalated_by == {"handle_complaint", "group_handle_complaint"}


def test_the_readme_mirrors_the_paths_and_rejected_payloads() -> None:
    readme = (PROCESSES / "complaint-handling" / "README.md").read_text()
    for letter, path in PATHS.items():
        assert f"### Path {letter}: {path['title']}" in readme
        for i, (bpmn_id, lane, data) in enumerate(path["steps"], 1):
            row = f"| {i} | `{bpmn_id}` | {lane} | `{json.dumps(data, ensure_ascii=False)}` |"
            assert row in readme, (letter, i)
    for bpmn_id, data, why in REJECTED:
        assert f"| `{bpmn_id}` | `{json.dumps(data, ensure_ascii=False)}` | {why} |" in readme


def accept(complaint: ParsedDefinition, **register) -> dict:
    """Register (B's data with ``register`` changes) and accept: the variables after the DMNs."""
    runtime = Runtime()
    wf, result = runtime.start(complaint, {})
    result = runtime.complete_task(complaint, wf, result.open_tasks[0].guid,
                                   dict(REGISTER_OK, **register))
    result = runtime.complete_task(complaint, wf, result.open_tasks[0].guid, ACCEPT_ALL)
    return {"task": result.open_tasks[0].bpmn_id, **result.variables}


@pytest.mark.parametrize("severity, cls, sub, channel, expected", [
    ("minor", "service", "attitude", "regulator", "urgent"),
    ("minor", "product", "safety", "hotline", "urgent"),
    ("severe", "product", "quality", "online_chat", "urgent"),
    ("severe", "product", "transaction", "email", "urgent"),
    ("moderate", "product", "function", "store", "high"),
    ("minor", "product", "quality", "sms", "medium"),
    ("severe", "product", "delivery", "hotline", "high"),
    ("moderate", "product", "culture", "letter", "medium"),
    ("minor", "product", "delivery", "self_service", "low"),
    ("severe", "service", "etiquette", "store", "high"),
    ("moderate", "service", "ability", "hotline", "medium"),
    ("minor", "service", "quality", "complaint_hotline", "low"),
])
def test_priority_decision(complaint, severity, cls, sub, channel, expected) -> None:
    extra = {"staff_involved": "小周"} if cls == "service" else {}
    if channel == "regulator":
        extra["forwarded_by"] = "market_regulator"
    variables = accept(complaint, severity=severity, complaint_class=cls, complaint_subclass=sub,
                       channel=channel, **extra)
    assert variables["priority"] == expected


@pytest.mark.parametrize("cls, sub, channel", [(c, s, ch) for c, subs in
                                               (("product", PRODUCT), ("service", SERVICE))
                                               for s in subs for ch in ("hotline", "regulator")])
def test_routing_by_classification(complaint, cls: str, sub: str, channel: str) -> None:
    extra = {"staff_involved": "小周"} if cls == "service" else {}
    if channel == "regulator":
        extra["forwarded_by"] = "consumer_association"
    variables = accept(complaint, complaint_class=cls, complaint_subclass=sub, channel=channel,
                       **extra)
    to_group = channel == "regulator" or cls == "service" or sub == "safety"
    assert variables["handling_route"] == ("complaint_group" if to_group else "front_office")
    assert variables["task"] == ("group_handle_complaint" if to_group else "handle_complaint")


def test_exactly_one_rule_of_each_decision_matches_every_case() -> None:
    """UNIQUE in Spiff returns the first match, so overlaps would go unnoticed: run the tables
    as COLLECT, which returns every match, over all classifications, severities and both kinds
    of channel."""
    files = bundle(PROCESSES / "complaint-handling")
    for name in [n for n in files if n.endswith(".dmn")]:
        assert files[name].count(b'hitPolicy="UNIQUE"') == 1
        files[name] = files[name].replace(b'hitPolicy="UNIQUE"', b'hitPolicy="COLLECT"')
    collect = parse_bundle(files)
    for cls, subs in (("product", PRODUCT), ("service", SERVICE)):
        for sub in subs:
            for severity in ("minor", "moderate", "severe"):
                for channel in ("hotline", "regulator"):
                    runtime = Runtime()
                    wf, result = runtime.start(collect, {})
                    data = dict(REGISTER_OK, complaint_class=cls, complaint_subclass=sub,
                                severity=severity, channel=channel, staff_involved="小周",
                                forwarded_by="other")
                    result = runtime.complete_task(collect, wf, result.open_tasks[0].guid, data)
                    result = runtime.complete_task(collect, wf, result.open_tasks[0].guid,
                                                   ACCEPT_ALL)
                    case = (cls, sub, severity, channel)
                    assert len(result.variables["priority"]) == 1, case
                    assert len(result.variables["handling_route"]) == 1, case


@pytest.mark.parametrize("cls, subs", [("product", PRODUCT), ("service", SERVICE)])
def test_the_register_form_accepts_each_subclass_of_its_class(complaint, cls, subs) -> None:
    schema = complaint.user_tasks["register_complaint"].form_schema
    for sub in subs:
        validate_form(schema, dict(REGISTER_OK, complaint_class=cls, complaint_subclass=sub,
                                   staff_involved="小周"))
    other = SERVICE if cls == "product" else PRODUCT
    for sub in set(other) - set(subs):
        with pytest.raises(FormInvalid):
            validate_form(schema, dict(REGISTER_OK, complaint_class=cls, complaint_subclass=sub,
                                       staff_involved="小周"))


@pytest.mark.parametrize("bpmn_id, payload, why", REJECTED, ids=[r[2] for r in REJECTED])
def test_forms_reject_bad_payloads(complaint, bpmn_id: str, payload: dict, why: str) -> None:
    with pytest.raises(FormInvalid):
        validate_form(complaint.user_tasks[bpmn_id].form_schema, payload)
