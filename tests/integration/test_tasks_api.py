"""The staff inbox over HTTP: visibility, claim/unclaim/assign/complete rights, filters."""
from __future__ import annotations

import pytest

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


@pytest.fixture
def started(server, tokens):  # type: ignore[no-untyped-def]
    """Three instances of three_steps (priorities low, high, urgent); returns their ids."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    ids = []
    for n, priority in enumerate(["low", "high", "urgent"]):
        response = server.post("/api/v1/instances", tokens["agent"], json={
            "process_key": "three_steps", "business_key": f"C-{n}",
            "variables": {"priority": priority}})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def first_task(server, token, instance_id):  # type: ignore[no-untyped-def]
    items = server.get(f"/api/v1/tasks?instance_id={instance_id}", token).json()["items"]
    assert len(items) == 1
    return items[0]


def test_inbox_lists_group_tasks_sorted_by_priority(server, tokens, started) -> None:
    page = server.get("/api/v1/tasks", tokens["agent"]).json()
    assert page["total"] == 3
    assert [t["business_key"] for t in page["items"]] == ["C-2", "C-1", "C-0"]
    assert [t["priority"] for t in page["items"]] == [100, 75, 25]
    assert all(t["candidate_group"] == "Agent" and t["state"] == "open" for t in page["items"])
    assert server.get("/api/v1/tasks", tokens["outsider"]).json()["total"] == 0
    paged = server.get("/api/v1/tasks?per_page=2&page=2&sort=created_at", tokens["agent"]).json()
    assert paged["total"] == 3 and [t["business_key"] for t in paged["items"]] == ["C-2"]
    beyond = server.get("/api/v1/tasks?per_page=2&page=9", tokens["agent"]).json()
    assert beyond["total"] == 3 and beyond["items"] == []
    assert server.get("/api/v1/tasks?priority_min=70", tokens["agent"]).json()["total"] == 2
    assert server.get("/api/v1/tasks?business_key=C-1", tokens["agent"]).json()["total"] == 1
    assert server.get("/api/v1/tasks?candidate_group=Supervisor",
                      tokens["admin"]).json()["total"] == 0
    assert server.get("/api/v1/tasks?process_key=three_steps&due_before=2030-01-01T00:00:00Z",
                      tokens["agent"]).json()["total"] == 0


def test_bad_query_parameters_are_422(server, tokens, started) -> None:
    for query in ("sort=colour", "state=lost", "priority_min=x", "per_page=0",
                  "due_before=yesterday"):
        response = server.get(f"/api/v1/tasks?{query}", tokens["agent"])
        assert response.status_code == 422, query
        assert response.json()["errors"], query


def test_claim_unclaim_and_assignee_filters(server, tokens, started) -> None:
    task = first_task(server, tokens["agent"], started[0])
    claimed = server.post(f"/api/v1/tasks/{task['id']}/claim", tokens["agent"])
    assert claimed.status_code == 200 and claimed.json()["assignee"] == "agent"
    assert server.post(f"/api/v1/tasks/{task['id']}/claim", tokens["agent2"]).status_code == 409
    assert server.post(f"/api/v1/tasks/{task['id']}/claim", tokens["outsider"]).status_code == 403
    mine = server.get("/api/v1/tasks?assignee=me", tokens["agent"]).json()
    assert [t["id"] for t in mine["items"]] == [task["id"]]
    unassigned = server.get("/api/v1/tasks?unassigned=true", tokens["agent"]).json()
    assert task["id"] not in [t["id"] for t in unassigned["items"]] and unassigned["total"] == 2
    assert server.post(f"/api/v1/tasks/{task['id']}/unclaim", tokens["agent2"]).status_code == 403
    released = server.post(f"/api/v1/tasks/{task['id']}/unclaim", tokens["agent"])
    assert released.status_code == 200 and released.json()["state"] == "open"
    assert server.post(f"/api/v1/tasks/{task['id']}/unclaim", tokens["agent"]).status_code == 409


def test_assign_needs_a_supervisor_and_a_real_user(server, tokens, started) -> None:
    task = first_task(server, tokens["agent"], started[1])
    url = f"/api/v1/tasks/{task['id']}/assign"
    assert server.post(url, tokens["agent"], json={"user": "agent2"}).status_code == 403
    assert server.post(url, tokens["supervisor"], json={"user": "ghost"}).status_code == 422
    assert server.post(url, tokens["supervisor"], json={}).status_code == 422
    done = server.post(url, tokens["supervisor"], json={"user": "agent2"})
    assert done.status_code == 200 and done.json()["assignee"] == "agent2"
    complete = f"/api/v1/tasks/{task['id']}/complete"
    assert server.post(complete, tokens["agent"], json={"data": {"note": "x"}}).status_code == 403
    assert server.post(complete, tokens["agent2"], json={"data": {"note": "x"}}).status_code == 200


def test_complete_validates_forms_and_advances(server, tokens, started) -> None:
    task = first_task(server, tokens["agent"], started[0])
    url = f"/api/v1/tasks/{task['id']}/complete"
    bad = server.post(url, tokens["agent"], json={"data": {"count": "many"}})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"note", "count"}
    assert server.post(url, tokens["agent"], json={"data": "text"}).status_code == 422
    assert server.post(url, tokens["outsider"], json={"data": {"note": "x"}}).status_code == 403
    ok = server.post(url, tokens["agent"], json={"data": {"note": "called back", "count": 1}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["instance_status"] == "running" and len(ok.json()["next_task_ids"]) == 1
    assert server.post(url, tokens["agent"], json={"data": {"note": "x"}}).status_code == 409
    detail = server.get(f"/api/v1/tasks/{task['id']}", tokens["agent"]).json()
    assert detail["state"] == "completed" and detail["completed_by"] == "agent"
    assert detail["data"] == {"note": "called back", "count": 1}
    nxt = server.get(f"/api/v1/tasks/{ok.json()['next_task_ids'][0]}", tokens["agent"]).json()
    assert nxt["bpmn_id"] == "step_two" and nxt["data"]["note"] == "called back"
    assert server.get("/api/v1/tasks/4242", tokens["agent"]).status_code == 404
    assert server.get(f"/api/v1/tasks/{task['id']}", tokens["outsider"]).status_code == 403


def test_task_detail_has_form_and_documentation(server, tokens, started) -> None:
    task = first_task(server, tokens["agent"], started[2])
    detail = server.get(f"/api/v1/tasks/{task['id']}", tokens["agent"]).json()
    assert detail["form_schema"]["required"] == ["note"]
    assert detail["documentation"] == "First step."
    assert {k: v for k, v in detail["data"].items() if k not in ("case_no", "initiator")} \
        == {"priority": "urgent"}
