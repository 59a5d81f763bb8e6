"""The conformance matrix through the API, on SQLite and PostgreSQL: every case the API can
drive, with the server's caches (parsed models, live workflows) dropped before every step
(each call parses the model again and rebuilds the instance from its saved state, as after a
restart), gives the engine's own straight run:
the same open tasks (user tasks, and external tasks a worker fetches and answers) after each
step, the same variables, path and end. Messages and signals come through ``POST /messages``
(to the instance by id) and ``POST /signals``. The diagram, which is always read from the saved
state, answers at every step with the open tasks active."""
from __future__ import annotations

import pytest

from engine.parsing import parse_bundle
from engine.sla import parse_duration
from services.due_runner import run_due
from tests.conformance import CASES, Case, run
from tests.conftest import bundle
from tests.integration.conftest import claim_and_complete, deploy

@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_api_follows_the_engine_from_saved_state(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                     case: Case) -> None:
    agent = tokens["agent"]
    files = bundle(case.folder)
    expected = run(case, reload_each_step=False)
    assert deploy(server, tokens["admin"], files).status_code == 201
    key = parse_bundle(files).key
    started = server.post("/api/v1/instances", agent,
                          json={"process_key": key, "variables": case.variables})
    assert started.status_code == 201, started.text
    instance_id = started.json()["id"]

    def open_tasks() -> list[dict]:
        fd.drop_caches()  # as if the server had restarted
        items = server.get(f"/api/v1/tasks?instance_id={instance_id}&sort=id",
                           agent).json()["items"]
        assert {t["candidate_group"] for t in items} <= {"Agent"}  # every model's lane
        assert {t["bpmn_id"] for t in items} <= set(diagram()["active"])
        return items

    def open_external() -> list[dict]:
        """The instance's external tasks waiting for a worker, as an admin lists them."""
        fd.drop_caches()
        items = server.get(f"/api/v1/external-tasks?instance_id={instance_id}&state=open",
                           tokens["admin"]).json()["items"]
        assert {t["bpmn_id"] for t in items} <= set(diagram()["active"])
        return items

    def worker_answers(action: str, target: str, data: dict) -> None:
        """A worker fetches the task by its topic and completes it or throws the error."""
        topic = next(t["topic"] for t in open_external() if t["bpmn_id"] == target)
        fetched = server.post("/api/v1/external-tasks/fetch-and-lock", tokens["worker"], json={
            "worker_id": "conformance", "max_tasks": 10,
            "topics": [{"name": topic, "lock_duration": 60_000}]}).json()
        task = next(t for t in fetched if (t["instance_id"], t["bpmn_id"]) ==
                    (instance_id, target))
        fd.drop_caches()
        body = ({"worker_id": "conformance", "variables": data} if action == "external" else
                {"worker_id": "conformance", "error_code": data["code"],
                 "variables": data["variables"]})
        path = "complete" if action == "external" else "bpmn-error"
        answer = server.post(f"/api/v1/external-tasks/{task['id']}/{path}", tokens["worker"],
                             json=body)
        assert answer.status_code == 200, answer.text

    def diagram() -> dict:
        answer = server.get(f"/api/v1/instances/{instance_id}/diagram", agent)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert sorted(t["bpmn_id"] for t in open_tasks()) == expected[0][1]
    assert sorted(t["bpmn_id"] for t in open_external()) == expected[0][3]
    for n, (action, target, data) in enumerate(case.steps, start=1):
        if action == "advance":  # the clock moves on; the ticker's work fires the due timers
            clock.advance(seconds=parse_duration(target).total_seconds())
            fd.drop_caches()
            run_due(fd)
        elif action == "message":
            sent = server.post("/api/v1/messages", tokens["shop"], json={
                "name": target, "instance_id": instance_id, "variables": data})
            assert sent.status_code == 200, sent.text
        elif action == "signal":
            sent = server.post("/api/v1/signals", tokens["shop"],
                               json={"name": target, "variables": data})
            assert sent.status_code == 200 and sent.json()["count"] == 1, sent.text
        elif action in ("external", "bpmn_error"):
            worker_answers(action, target, data)
        elif action == "variables":
            fd.drop_caches()
            changed = server.call("PATCH", f"/api/v1/instances/{instance_id}/variables",
                                  tokens["admin"], json={"variables": data, "reason": "conformance"})
            assert changed.status_code == 200, changed.text
        else:
            assert action == "complete"
            task = next(t for t in open_tasks() if t["bpmn_id"] == target)
            fd.drop_caches()
            claim_and_complete(server, agent, task["id"], data)
        assert sorted(t["bpmn_id"] for t in open_tasks()) == expected[n][1], (n, target)
        assert sorted(t["bpmn_id"] for t in open_external()) == expected[n][3], (n, target)
    detail = server.get(f"/api/v1/instances/{instance_id}", agent).json()
    status, _open, variables, _external = expected[-2]
    assert detail["status"] == status == case.status
    assert detail["incidents"] == []
    assert {k: detail["variables"].get(k) for k in variables} == variables
    completed = diagram()["completed"]  # the path, as the engine's own run took it
    assert completed == expected[-1][1]
    assert {target for action, target, _ in case.steps if action in ("complete", "external")
            } <= set(completed)
