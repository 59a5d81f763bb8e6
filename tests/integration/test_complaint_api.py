"""Complaint handling end to end over the REST API: every branch, with the right people."""
from __future__ import annotations

import pytest

from tests.complaint_paths import PATHS
from tests.conftest import PROCESSES, bundle
from tests.integration.conftest import deploy

WHO = {"Agent": "agent", "Supervisor": "supervisor", "ComplaintGroup": "supervisor"}
PRIORITY = {"low": 25, "medium": 50, "high": 75, "urgent": 100}


@pytest.mark.parametrize("letter", sorted(PATHS))
def test_complaint_path(server, tokens, letter: str) -> None:
    path = PATHS[letter]
    assert deploy(server, tokens["admin"], bundle(PROCESSES / "complaint-handling")).ok
    started = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "complaint_handling", "business_key": f"CMP-{letter}"})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]
    for bpmn_id, lane, data in path["steps"]:
        open_tasks = server.get(f"/api/v1/tasks?instance_id={instance_id}",
                                tokens["admin"]).json()["items"]
        assert [(t["bpmn_id"], t["candidate_group"]) for t in open_tasks] == [(bpmn_id, lane)]
        task = open_tasks[0]
        if bpmn_id == "handle_complaint":
            assert task["priority"] == PRIORITY[path["priority"]]
        if lane == "Supervisor":
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
    assert detail["variables"]["case_status"] == path["case_status"]
    assert detail["variables"].get("priority") == path["priority"]
    completions = [a for a in detail["audit"] if a["action"] == "task.completed"]
    assert len(completions) == len(path["steps"])
