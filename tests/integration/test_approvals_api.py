"""Approvals (请假/换班/加班/售后资金清单) end to end over the REST API: every branch, the right people."""
from __future__ import annotations

import pytest
from lxml import etree

from engine.lint import NS
from services.identity import create_token, ensure_user
from tests.approvals_paths import ASSIGNED, PATHS, REJECTED
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import Client, deploy

FOLDER = PROCESSES / "approvals"
AGENTS = ("agent", "agent2", "agent3")
# Paths that between them reach every user task, for the form checks.
FORM_PATHS = ("LV-D", "SW-B", "OT-A", "MN-B")
# The script before each end event leaves this (request_type, request_status) behind.
ENDS = {
    "end_leave_granted": ("leave", "granted"), "end_leave_rejected": ("leave", "rejected"),
    "end_leave_invalid": ("leave", "invalid"), "end_leave_no_substitute": ("leave", "no_substitute"),
    "end_swap_approved": ("shift_swap", "approved"), "end_swap_rejected": ("shift_swap", "rejected"),
    "end_overtime_approved": ("overtime", "approved"),
    "end_overtime_rejected": ("overtime", "rejected"),
    "end_money_received": ("money_list", "received"), "end_money_rejected": ("money_list", "rejected"),
}


@pytest.fixture
def people(fd, tokens) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The fixture's users plus a third agent and 国雪 of Finance ("暂由国雪代理")."""
    ensure_user(fd, "agent3", ["staff"], ["Agent"])
    ensure_user(fd, "guoxue", ["staff"], ["Finance"])
    return {**tokens, "agent3": create_token(fd, "agent3"), "guoxue": create_token(fd, "guoxue")}


def refused(lane: str, assigned: bool, actor: str) -> list[str]:
    """Who must get 403 on this task: outsiders always; agents on approvals (an agent cannot
    approve); agents and the supervisor on Finance's task; everyone but the assignee on an
    assigned task (the supervisor included: it is claimed by someone else)."""
    if assigned:
        return ["outsider", "supervisor", *[a for a in AGENTS if a != actor]]
    return {"Agent": ["outsider"], "Supervisor": ["outsider", "agent", "agent2"],
            "Finance": ["outsider", "agent", "supervisor"]}[lane]


def open_tasks(server: Client, people: dict, instance_id: int) -> list[dict]:
    return server.get(f"/api/v1/tasks?instance_id={instance_id}", people["admin"]).json()["items"]


def walk(server: Client, people: dict, letter: str, bad: dict[str, list] | None = None) -> dict:
    """Run one path through the API; with ``bad``, submit each refused payload first (422)."""
    assert deploy(server, people["admin"], bundle(FOLDER)).ok
    started = server.post("/api/v1/instances", people["agent"], json={
        "process_key": "approvals", "business_key": f"SP-{letter}"})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]
    for bpmn_id, lane, actor, data in PATHS[letter]["steps"]:
        tasks = open_tasks(server, people, instance_id)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in tasks] == [(bpmn_id, lane)]
        task = tasks[0]
        assigned = bpmn_id in ASSIGNED
        assert task["assignee"] == (actor if assigned else None)
        assert task["state"] == ("claimed" if assigned else "open")
        url = f"/api/v1/tasks/{task['id']}"
        for intruder in refused(lane, assigned, actor):
            denied = server.post(f"{url}/complete", people[intruder], json={"data": data})
            assert denied.status_code == 403, (intruder, bpmn_id, denied.text)
        if not assigned and lane != "Agent":
            assert server.post(f"{url}/claim", people["agent"]).status_code == 403
        for payload, field, why in (bad or {}).pop(bpmn_id, []):
            refused_form = server.post(f"{url}/complete", people[actor], json={"data": payload})
            assert refused_form.status_code == 422, (bpmn_id, why, refused_form.text)
            assert field in [e["field"] for e in refused_form.json()["errors"]], (why,
                                                                                 refused_form.text)
        if not assigned:
            assert server.post(f"{url}/claim", people[actor]).status_code == 200
        done = server.post(f"{url}/complete", people[actor], json={"data": data})
        assert done.status_code == 200, done.text
        assert done.json()["incident"] is None
    return server.get(f"/api/v1/instances/{instance_id}", people["agent"]).json()


@pytest.mark.parametrize("letter", sorted(PATHS))
def test_approval_path(server, people, letter: str) -> None:
    path = PATHS[letter]
    detail = walk(server, people, letter)
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    assert detail["incidents"] == []
    variables = detail["variables"]
    assert (variables["request_type"], variables["request_status"]) == ENDS[path["end"]]
    for name, value in path["expect"].items():
        assert variables.get(name) == value, name

    # The audit trail: who started it, who claimed and completed which task, with what data.
    audit = detail["audit"]
    assert (audit[0]["action"], audit[0]["actor"]) == ("instance.started", "agent")
    done = [a for a in audit if a["action"] == "task.completed"]
    steps = path["steps"]
    assert [a["actor"] for a in done] == [actor for _, _, actor, _ in steps]
    assert [a["after"]["data"] for a in done] == [data for _, _, _, data in steps]
    assert done[-1]["after"]["instance_status"] == "completed"
    claims = [a["actor"] for a in audit if a["action"] == "task.claimed"]
    assert claims == [actor for bpmn_id, _, actor, _ in steps if bpmn_id not in ASSIGNED]
    history = {t["id"]: t["bpmn_id"] for t in server.get(
        f"/api/v1/tasks?instance_id={detail['id']}&state=all", people["admin"]).json()["items"]}
    assert [history[a["task_id"]] for a in done] == [bpmn_id for bpmn_id, *_ in steps]


@pytest.mark.parametrize("letter", FORM_PATHS)
def test_forms_refuse_bad_data(server, people, letter: str) -> None:
    """Each refused payload gets 422 naming the field; the task stays open and the path then
    finishes as usual (nothing was merged)."""
    bad: dict[str, list] = {}
    for bpmn_id, payload, field, why in REJECTED:
        bad.setdefault(bpmn_id, []).append((payload, field, why))
    mine = {b for b, *_ in PATHS[letter]["steps"]}
    bad = {b: cases for b, cases in bad.items() if b in mine}
    detail = walk(server, people, letter, bad)
    assert bad == {}, "every refused payload of this path's tasks was tried"
    assert detail["status"] == "completed"
    for name, value in PATHS[letter]["expect"].items():
        assert detail["variables"].get(name) == value, name


def test_tables_cover_the_model() -> None:
    """The path table reaches every user task and end event, and every form has refusals."""
    root = etree.fromstring((FOLDER / "approvals.bpmn").read_bytes())
    user_tasks = {t.get("id") for t in root.iterfind(".//bpmn:userTask", NS)}
    ends = {e.get("id") for e in root.iterfind(".//bpmn:endEvent", NS)}
    walked = {b for path in PATHS.values() for b, *_ in path["steps"]}
    assert walked == user_tasks
    assert {path["end"] for path in PATHS.values()} == ends == set(ENDS)
    assert {b for b, *_ in REJECTED} == user_tasks
    covered = {b for letter in FORM_PATHS for b, *_ in PATHS[letter]["steps"]}
    assert covered == user_tasks
    props = {t.get("id"): {p.get("name"): p.get("value") for p in t.iterfind(".//spiff:property", NS)}
             for t in root.iterfind(".//bpmn:userTask", NS)}
    assert {t: p["assigneeVariable"] for t, p in props.items() if "assigneeVariable" in p} == ASSIGNED


def test_unknown_substitute_is_released_to_the_lane(server, people) -> None:
    """A mistyped substitute gets the take-over task nobody can open; a supervisor releases it to
    the Agent lane and another agent takes it (until the engine checks assigneeVariable users)."""
    steps = PATHS["LV-A"]["steps"]
    assert deploy(server, people["admin"], bundle(FOLDER)).ok
    instance_id = server.post("/api/v1/instances", people["agent"], json={
        "process_key": "approvals"}).json()["id"]
    approve = {"approved": True, "substitute": "agnet2"}
    for bpmn_id, _lane, actor, data in [*steps[:2], ("approve_leave", "Supervisor", "supervisor",
                                                     approve), steps[3]]:
        task = open_tasks(server, people, instance_id)[0]
        assert task["bpmn_id"] == bpmn_id
        if task["assignee"] is None:
            assert server.post(f"/api/v1/tasks/{task['id']}/claim", people[actor]).ok
        assert server.post(f"/api/v1/tasks/{task['id']}/complete", people[actor],
                           json={"data": data}).ok
    task = open_tasks(server, people, instance_id)[0]
    assert (task["bpmn_id"], task["candidate_group"]) == ("confirm_takeover", "Agent")
    url = f"/api/v1/tasks/{task['id']}"
    if task["assignee"] is not None:
        assert task["assignee"] == "agnet2"
        assert server.post(f"{url}/complete", people["agent2"],
                           json={"data": {"takes_over": True}}).status_code == 403
        assert server.post(f"{url}/unclaim", people["supervisor"]).status_code == 200
    assert server.post(f"{url}/claim", people["agent2"]).status_code == 200
    assert server.post(f"{url}/complete", people["agent2"],
                       json={"data": {"takes_over": True}}).status_code == 200
    detail = server.get(f"/api/v1/instances/{instance_id}", people["agent"]).json()
    assert detail["status"] == "completed"
    assert detail["variables"]["leave_status"] == "granted"
    # covered_by is whom the supervisor named; only the audit knows who really took over.
    assert detail["variables"]["covered_by"] == "agnet2"
    assert [a["actor"] for a in detail["audit"] if a["action"] == "task.completed"][-1] == "agent2"
