"""Instances over HTTP: start, list with filters, detail with audit trail, cancel, versions."""
from __future__ import annotations

import re

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy


def _start(server, token, **body):  # type: ignore[no-untyped-def]
    return server.post("/api/v1/instances", token, json={"process_key": "three_steps", **body})


def test_start_runs_to_the_first_wait(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    response = _start(server, tokens["agent"], business_key="ORD-7", variables={"x": {"y": 1}})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "running" and body["business_key"] == "ORD-7"
    assert body["variables"] == {"x": {"y": 1}, "case_no": body["case_no"], "initiator": "agent"}
    assert re.fullmatch(r"TS\d{8}0001", body["case_no"])  # three_steps: initials, day, 1st
    assert body["serializer_version"] == "1.5" and body["spiff_version"] == "3.2.0"
    assert [t["bpmn_id"] for t in body["open_tasks"]] == ["step_one"]
    assert [a["action"] for a in body["audit"]] == ["instance.started"]


def test_start_errors(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    assert _start(server, None).status_code == 401
    missing = server.post("/api/v1/instances", tokens["agent"], json={"process_key": "nope"})
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    assert _start(server, tokens["agent"], version=9).status_code == 404
    bad = _start(server, tokens["agent"], variables=[1, 2])
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "variables"
    garbage = server.post("/api/v1/instances", tokens["agent"], data="{not json",
                          headers={"Content-Type": "application/json"})
    assert garbage.status_code in (400, 422) and garbage.json()["status"] == garbage.status_code
    assert server.get("/api/v1/instances", tokens["agent"]).json()["total"] == 0


def test_list_filters_and_pagination(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    for n in range(5):
        _start(server, tokens["agent"], business_key=f"B-{n % 2}")
    page = server.get("/api/v1/instances?per_page=2", tokens["agent"]).json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["items"][0]["id"] == 5
    assert server.get("/api/v1/instances?business_key=B-1", tokens["agent"]).json()["total"] == 2
    assert server.get("/api/v1/instances?status=completed", tokens["agent"]).json()["total"] == 0
    assert server.get("/api/v1/instances?status=running&process_key=three_steps",
                      tokens["agent"]).json()["total"] == 5
    started = server.get("/api/v1/instances?started_after=2000-01-01T00:00:00Z"
                         "&started_before=2000-01-02T00:00:00Z", tokens["agent"]).json()
    assert started["total"] == 0
    assert server.get("/api/v1/instances?status=sleeping", tokens["agent"]).status_code == 422
    assert server.get("/api/v1/instances/99", tokens["agent"]).status_code == 404


def test_cancel_is_admin_only_and_cancels_tasks(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    instance = _start(server, tokens["agent"]).json()
    url = f"/api/v1/instances/{instance['id']}/cancel"
    assert server.post(url, tokens["agent"], json={}).status_code == 403
    done = server.post(url, tokens["admin"], json={"reason": "duplicate"})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    assert done.json()["open_tasks"] == [] and done.json()["ended_at"]
    assert done.json()["audit"][-1]["after"] == {"status": "cancelled", "reason": "duplicate"}
    assert server.post(url, tokens["admin"], json={}).status_code == 409
    task_id = instance["open_tasks"][0]["id"]
    task = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"]).json()
    assert task["state"] == "cancelled"
    complete = server.post(f"/api/v1/tasks/{task_id}/complete", tokens["agent"],
                           json={"data": {"note": "late"}})
    assert complete.status_code == 409


def test_old_instances_finish_on_their_own_version(server, tokens) -> None:
    files = bundle(RESOURCES / "three_steps")
    deploy(server, tokens["admin"], files)
    old = _start(server, tokens["agent"]).json()
    v2 = files["three_steps.bpmn"].replace(b'name="Step two"', b'name="Step two (v2)"')
    assert deploy(server, tokens["admin"], dict(files, **{"three_steps.bpmn": v2})).json()[
        "version"] == 2
    new = _start(server, tokens["agent"]).json()
    assert new["definition_id"] != old["definition_id"]
    for instance, expected in ((old, "Step two"), (new, "Step two (v2)")):
        task_id = instance["open_tasks"][0]["id"]
        nxt = server.post(f"/api/v1/tasks/{task_id}/complete", tokens["agent"],
                          json={"data": {"note": "n"}}).json()["next_task_ids"][0]
        assert server.get(f"/api/v1/tasks/{nxt}", tokens["agent"]).json()["name"] == expected
    pinned = _start(server, tokens["agent"], version=1).json()
    assert pinned["definition_id"] == old["definition_id"]


def test_audit_trail_records_every_change(server, tokens) -> None:
    deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps"))
    instance = _start(server, tokens["agent"]).json()
    task_id = instance["open_tasks"][0]["id"]
    server.post(f"/api/v1/tasks/{task_id}/claim", tokens["agent"])
    server.post(f"/api/v1/tasks/{task_id}/complete", tokens["agent"], json={"data": {"note": "a"}})
    detail = server.get(f"/api/v1/instances/{instance['id']}", tokens["agent"]).json()
    trail = [(a["action"], a["actor"]) for a in detail["audit"]]
    assert trail == [("instance.started", "agent"), ("task.opened", "engine"),
                     ("task.claimed", "agent"), ("task.completed", "agent"),
                     ("task.opened", "engine")]  # each cause, then the tasks it opened
    assert detail["audit"][1]["after"] == {"group": "Agent", "assignee": None, "by": "agent"}
    assert detail["audit"][-1]["after"]["by"] == "agent"  # whose completion opened it
    completed = detail["audit"][-2]
    assert completed["before"]["state"] == "claimed" and completed["after"]["data"] == {"note": "a"}
    assert detail["variables"]["note"] == "a"
