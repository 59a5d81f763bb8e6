"""The http operator end to end, on both databases: a service task becomes an external task of
Flowdesk's own topic, the connector worker calls a real HTTP server on 127.0.0.1 with the
secret swapped in for the wire only, and the answer lands in the process; a failing API is
retried after its backoff, then an incident an admin can retry."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from host.connector_worker import ConnectorWorker
from services.connectors.runner import run_once
from store.tables import AuditEntry, ExternalTask, ProcessInstance
from tests.conftest import RESOURCES, bundle
from tests.fake_api import FakeApi
from tests.integration.conftest import deploy
from tests.waiting import wait_for

SECRET = "sk_live_9f8e7d6c5b4a"


@pytest.fixture
def shop(server, tokens):  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    put = server.call("PUT", "/api/v1/admin/secrets/SHOP_KEY", admin,
                      json={"value": SECRET, "description": "the shop's API key"})
    assert put.status_code == 201, put.text
    answer = deploy(server, admin, bundle(RESOURCES / "connectors" / "shop_call"))
    assert answer.status_code == 201, answer.text


def start(server, tokens, api: FakeApi, path: str) -> int:  # type: ignore[no-untyped-def]
    answer = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "shop_call",
        "variables": {"shop_base": api.base, "path": path, "note": "请加急"}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def detail(server, tokens, instance_id: int) -> dict:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/instances/{instance_id}", tokens["admin"]).json()


def everything_stored(fd) -> str:  # type: ignore[no-untyped-def]
    """The audit trail, the instances (state and variables) and the external tasks, as text."""
    with fd.uow(read_only=True) as uow:
        return " ".join(str(tuple(row)) for table in (AuditEntry, ProcessInstance, ExternalTask)
                        for row in uow.execute(select(table.__table__)))


def test_the_call_is_made_outside_the_step_and_its_answer_lands_in_the_process(  # type: ignore[no-untyped-def]
        server, tokens, fd, api, shop) -> None:
    instance_id = start(server, tokens, api, "/orders/TB1")
    assert detail(server, tokens, instance_id)["open_tasks"] == []
    assert api.seen == []  # nothing called inside the step
    outside = server.post("/api/v1/external-tasks/fetch-and-lock", tokens["worker"], json={
        "worker_id": "intruder", "max_tasks": 5,
        "topics": [{"name": "flowdesk.http", "lock_duration": 10_000}]})
    assert outside.status_code == 422  # Flowdesk's own topic

    assert run_once(fd, "node-a:connectors") == 1
    (request,) = api.seen
    assert (request.method, request.path) == ("POST", "/orders/TB1")
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert request.json() == {"note": "请加急"}
    case = detail(server, tokens, instance_id)
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["review"]
    assert case["variables"]["shop_reply"]["status"] == 201
    assert case["variables"]["shop_reply"]["body"] == {"received": {"note": "请加急"}}
    assert any(a["action"] == "external_task.completed" for a in case["audit"])
    stored = everything_stored(fd)
    assert "{{secret:SHOP_KEY}}" in stored and SECRET not in stored
    assert run_once(fd, "node-a:connectors") == 0


def test_a_failing_api_is_retried_then_an_incident_an_admin_retries(  # type: ignore[no-untyped-def]
        server, tokens, fd, clock, api, shop) -> None:
    instance_id = start(server, tokens, api, "/status/503")
    assert run_once(fd, "n") == 1
    assert run_once(fd, "n") == 0  # waiting out the backoff (at least Retry-After: 7 s)
    clock.advance(seconds=8)
    assert run_once(fd, "n") == 1  # the one retry fails too: an incident
    case = detail(server, tokens, instance_id)
    assert case["status"] == "error" and len(api.seen) == 2
    (incident,) = case["incidents"]
    assert "503" in incident["message"]
    retried = server.post(f"/api/v1/instances/{instance_id}/retry", tokens["admin"],
                          json={"variables": {"path": "/orders/TB2"}})
    assert retried.status_code == 200, retried.text
    assert run_once(fd, "n") == 1  # one more attempt (the input stays as evaluated)
    assert len(api.seen) == 3


def test_a_client_error_is_an_incident_at_once(server, tokens, fd, api, shop) -> None:  # type: ignore[no-untyped-def]
    instance_id = start(server, tokens, api, "/status/404")
    assert run_once(fd, "n") == 1
    case = detail(server, tokens, instance_id)
    assert case["status"] == "error" and len(api.seen) == 1
    assert "404" in case["incidents"][0]["message"]


def test_the_connector_worker_thread_does_the_calls(server, tokens, fd, api, shop) -> None:  # type: ignore[no-untyped-def]
    worker = ConnectorWorker(fd, interval=0.05).start()
    try:
        instance_id = start(server, tokens, api, "/orders/TB3")
        wait_for(lambda: [t["bpmn_id"] for t in detail(server, tokens, instance_id)[
            "open_tasks"]] == ["review"], "the connector worker to call the shop", interval=0.05)
    finally:
        worker.stop()
    assert [s.path for s in api.seen] == ["/orders/TB3"]
