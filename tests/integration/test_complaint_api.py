"""Complaint handling end to end over the REST API: every branch, with the right people.

The front office (group Agent) registers; the DMN routes by the two-level classification either
back to the front office or to the back office's complaint group (group ComplaintGroup).
"""
from __future__ import annotations

import pytest

from tests.complaint_paths import ACCEPT_ALL, PATHS
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy

WHO = {"Agent": "agent", "Supervisor": "supervisor", "ComplaintGroup": "supervisor"}
PRIORITY = {"low": 25, "medium": 50, "high": 75, "urgent": 100}


def open_tasks(server, tokens, instance_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/tasks?instance_id={instance_id}", tokens["admin"]).json()["items"]


def start(server, tokens, business_key: str) -> int:  # type: ignore[no-untyped-def]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    started = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling", "business_key": business_key})
    assert started.status_code == 201, started.text
    return started.json()["id"]


@pytest.mark.parametrize("letter", sorted(PATHS))
def test_complaint_path(server, tokens, letter: str) -> None:
    path = PATHS[letter]
    instance_id = start(server, tokens, f"CMP-{letter}")
    for bpmn_id, lane, data in path["steps"]:
        tasks = open_tasks(server, tokens, instance_id)
        assert [(t["bpmn_id"], t["candidate_group"]) for t in tasks] == [(bpmn_id, lane)]
        task = tasks[0]
        if bpmn_id.endswith("handle_complaint"):
            assert task["priority"] == PRIORITY[path["priority"]]
        if lane != "Agent":  # the front-office agent is neither supervisor nor in the group
            refused = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                                  json={"data": data})
            assert refused.status_code == 403
        user = WHO[lane]
        assert server.post(f"/api/v1/tasks/{task['id']}/claim", tokens[user]).status_code == 200
        done = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens[user],
                           json={"data": data})
        assert done.status_code == 200, done.text
    detail = server.get(f"/api/v1/instances/{instance_id}", tokens["agent"]).json()
    assert detail["status"] == "completed" and detail["open_tasks"] == []
    variables = detail["variables"]
    assert variables["case_status"] == path["case_status"]
    assert variables.get("priority") == path["priority"]
    assert variables.get("handling_route") == path["route"]
    assert variables["case_no"].startswith("TS")
    assert variables["complaint_class"] == path["steps"][0][2]["complaint_class"]
    completions = [a for a in detail["audit"] if a["action"] == "task.completed"]
    assert len(completions) == len(path["steps"])
    assert [a["actor"] for a in completions] == [WHO[lane] for _, lane, _ in path["steps"]]
    assert all(a["task_name"] for a in completions)  # the history names each task


def test_the_front_office_hands_a_service_complaint_to_the_complaint_group(server, tokens) -> None:
    """The group's task is in the ComplaintGroup inbox, not in the front office's."""
    instance_id = start(server, tokens, "CMP-handoff")
    register, check = (step[2] for step in PATHS["D"]["steps"][:2])
    for data in (register, check):
        task = open_tasks(server, tokens, instance_id)[0]
        assert server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                           json={"data": data}).ok
    [task] = open_tasks(server, tokens, instance_id)
    assert (task["bpmn_id"], task["name"], task["candidate_group"]) == (
        "group_handle_complaint", "投诉小组调查处理", "ComplaintGroup")
    agent_inbox = server.get(f"/api/v1/tasks?instance_id={instance_id}", tokens["agent"]).json()
    assert agent_inbox["items"] == []
    group_inbox = server.get("/api/v1/tasks?candidate_group=ComplaintGroup&unassigned=true",
                             tokens["supervisor"]).json()["items"]
    assert [t["id"] for t in group_inbox] == [task["id"]]
    assert server.post(f"/api/v1/tasks/{task['id']}/claim", tokens["agent"]).status_code == 403


def test_forms_reject_bad_data_with_field_errors(server, tokens) -> None:
    instance_id = start(server, tokens, "CMP-422")
    register = dict(PATHS["B"]["steps"][0][2], complaint_subclass="etiquette")
    task = open_tasks(server, tokens, instance_id)[0]
    refused = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                          json={"data": register})
    assert refused.status_code == 422
    assert "complaint_subclass" in {e["field"] for e in refused.json()["errors"]}
    service = dict(register, complaint_class="service")   # etiquette names the staff member
    refused = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                          json={"data": service})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"staff_involved"}
    assert server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                       json={"data": dict(service, staff_involved="小周")}).ok
    task = open_tasks(server, tokens, instance_id)[0]
    assert server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["agent"],
                       json={"data": ACCEPT_ALL}).ok
    [task] = open_tasks(server, tokens, instance_id)
    assert task["bpmn_id"] == "group_handle_complaint"
    refused = server.post(f"/api/v1/tasks/{task['id']}/complete", tokens["supervisor"], json={
        "data": {"findings": "x", "escalate": False, "remedy": "refund", "amount": 0,
                 "customer_agreed": True}})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} >= {"amount", "reply_to_customer"}
    detail = server.get(f"/api/v1/instances/{instance_id}", tokens["agent"]).json()
    assert detail["status"] == "running"
    assert [a["action"] for a in detail["audit"]].count("task.completed") == 2
    assert detail["variables"]["handling_route"] == "complaint_group"
    assert detail["variables"]["priority"] == "high"  # severe service complaint
