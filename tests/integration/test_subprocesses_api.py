"""An embedded subprocess and a call activity through the API, with the server's cache of live
workflows dropped before every step: each call rebuilds the instance from its saved state, as
after a restart or on a second node, and the diagram (always read from the saved state) answers
at every step."""
from __future__ import annotations

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import claim_and_complete, deploy


def test_nested_work_runs_from_saved_state_at_every_step(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "subprocesses")).status_code == 201
    started = server.post("/api/v1/instances", agent, json={"process_key": "nested"})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]
    seen = []
    for bpmn_id, data in (("inner_review", {"approved": True}), ("called_step", {}),
                          ("after", {})):
        fd.workflows.evict(instance_id)  # as if the server had restarted
        diagram = server.get(f"/api/v1/instances/{instance_id}/diagram", agent)
        assert diagram.status_code == 200, diagram.text
        assert bpmn_id in diagram.json()["active"]
        [task] = server.get(f"/api/v1/tasks?instance_id={instance_id}", agent).json()["items"]
        assert task["bpmn_id"] == bpmn_id and task["candidate_group"] == "Agent"
        fd.workflows.evict(instance_id)
        claim_and_complete(server, agent, task["id"], data)
        seen.append(bpmn_id)
    detail = server.get(f"/api/v1/instances/{instance_id}", agent).json()
    assert seen == ["inner_review", "called_step", "after"]
    assert detail["status"] == "completed" and detail["variables"]["score"] == 20
    assert detail["incidents"] == []
    final = server.get(f"/api/v1/instances/{instance_id}/diagram", agent).json()
    assert {"inner_review", "called_step", "after"} <= set(final["completed"])
