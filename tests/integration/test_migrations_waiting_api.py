"""Migration of instances that wait with no open task (tests/resources/migration_models/
parcel_wait: an event-based gateway on a correlated message or a day), to a version where the
day is two hours and the message's catch event is renamed. Such instances are ``waiting``, not
``running``: a plan without ``instance_ids`` must still take them, and must report the timer the
gateway waits on as changed (SpiffWorkflow keeps the catch events' definitions on the gateway).
After the run and a restart (a new app over the same database) the message reaches the one
instance it correlates with and the other's timer fires at version 2's time. SQLite and
PostgreSQL, on a FakeClock."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from api.app import create_app
from engine.clock import FakeClock
from services.due_runner import run_due
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy

V1 = bundle(RESOURCES / "migration_models" / "parcel_wait")
V2 = {name: data.replace(b'"P1D"', b'"PT2H"').replace(b'"parcel"', b'"parcel_in"')
      for name, data in V1.items()}
BODY = {"process_key": "parcel_wait", "source_version": 1, "target_version": 2}


def test_waiting_instances_are_planned_and_moved(server, tokens, clock: FakeClock,
                                                 database_url: str, tmp_path: Path) -> None:
    admin = tokens["admin"]
    assert deploy(server, admin, V1).status_code == 201
    ids = {}
    for order_no in ("TB1", "TB2"):
        started = server.post("/api/v1/instances", tokens["agent"], json={
            "process_key": "parcel_wait", "variables": {"order_no": order_no}})
        assert started.status_code == 201, started.text
        assert started.json()["status"] == "waiting"
        ids[order_no] = started.json()["id"]
    assert deploy(server, admin, V2).status_code == 201

    plan = server.post("/api/v1/migrations/plan", admin, json=BODY).json()
    assert plan["instance_ids"] == sorted(ids.values())  # waiting ones by default
    assert plan["active"] == {"which_first": 2}
    assert plan["mapping"]["parcel"] == "parcel_in"
    [changed] = [p for p in plan["problems"] if p["code"] == "events_changed"]
    assert changed["element"] == "which_first"
    assert '"P1D"' in changed["before"][0] and '"PT2H"' in changed["after"][0]
    assert "Message pw_parcel_arrived" in changed["after"][0]
    explicit = server.post("/api/v1/migrations/plan", admin, json={
        **BODY, "statuses": ["waiting"]})
    assert explicit.status_code == 200, explicit.text
    assert explicit.json()["instance_ids"] == sorted(ids.values())

    clock.advance(minutes=10)
    migrated_at = clock.now()
    dry = server.post("/api/v1/migrations/dry-run", admin, json=BODY).json()
    predicted = {r["instance_id"]: r for r in dry["results"]}
    assert [r["status"] for r in predicted.values()] == ["migrated", "migrated"]
    batch = server.post("/api/v1/migrations", admin, json=BODY).json()
    assert (batch["status"], batch["succeeded"], batch["failed"]) == ("done", 2, 0)
    for item in batch["items"]:
        assert item["report"] == predicted[item["instance_id"]]["report"]

    restarted = create_app({"database_url": database_url, "testing": True,
                            "secrets_key_file": str(tmp_path / "secrets.key")}, clock=clock)
    try:
        client, fd = restarted.test_client(), restarted.extensions["flowdesk"]
        auth = {"Authorization": f"Bearer {admin}"}

        def open_tasks(instance_id: int) -> list[dict]:
            return client.get(f"/api/v1/tasks?instance_id={instance_id}",
                              headers=auth).get_json()["items"]

        sent = client.post("/api/v1/messages", headers=auth, json={
            "name": "pw_parcel_arrived", "correlation": {"order_no": "TB1"}})
        assert sent.status_code == 200, sent.get_json()
        assert [r["instance_id"] for r in sent.get_json()["reached"]] == [ids["TB1"]]
        clock.set(migrated_at + timedelta(hours=2, seconds=1))  # version 2's timer, not a day
        run_due(fd)
        for order_no, expected in (("TB1", "unpack"), ("TB2", "remind")):
            [task] = open_tasks(ids[order_no])
            assert task["bpmn_id"] == expected
            assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=auth).status_code == 200
            done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth,
                               json={"data": {}})
            assert done.status_code == 200, done.get_json()
            detail = client.get(f"/api/v1/instances/{ids[order_no]}", headers=auth).get_json()
            assert detail["status"] == "completed"
    finally:
        restarted.extensions["flowdesk"].dispose()


def test_listed_ids_not_on_the_source_version_are_refused_by_name(server, tokens) -> None:
    """An id of no instance or of another version is a 422 naming it, not dropped from the
    plan (before: the plan silently left it out and the run said there was nothing to do)."""
    admin = tokens["admin"]
    assert deploy(server, admin, V1).status_code == 201
    on_v1 = server.post("/api/v1/instances", admin, json={
        "process_key": "parcel_wait", "variables": {"order_no": "TB1"}}).json()["id"]
    assert deploy(server, admin, V2).status_code == 201
    on_v2 = server.post("/api/v1/instances", admin, json={
        "process_key": "parcel_wait", "variables": {"order_no": "TB2"}}).json()["id"]
    body = {**BODY, "instance_ids": [on_v1, on_v2, 999999]}
    for path in ("/api/v1/migrations/plan", "/api/v1/migrations/dry-run", "/api/v1/migrations"):
        refused = server.post(path, admin, json=body)
        assert refused.status_code == 422, refused.text
        answer = refused.json()
        assert [e["field"] for e in answer["errors"]] == ["instance_ids/1", "instance_ids/2"]
        assert f"{on_v2}, 999999" in answer["detail"] and "版本 1" in answer["detail"]
        assert "没有编号为 999999 的流程实例" in answer["errors"][1]["message"]
        assert "版本 2" in answer["errors"][0]["message"]
    assert server.get(f"/api/v1/instances/{on_v1}", admin).json()["definition_id"] == 1
    planned = server.post("/api/v1/migrations/plan", admin, json={**BODY, "instance_ids": [on_v1]})
    assert planned.status_code == 200 and planned.json()["instance_ids"] == [on_v1]


def test_a_suspended_instance_is_not_migrated_until_resumed(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """Migrating runs an instance on to its next wait; nothing may move a suspended one: named
    in a 422 when listed, left out by default, migrated once resumed."""
    admin = tokens["admin"]
    assert deploy(server, admin, V1).status_code == 201
    held = server.post("/api/v1/instances", admin, json={
        "process_key": "parcel_wait", "variables": {"order_no": "TB1"}}).json()["id"]
    assert deploy(server, admin, V2).status_code == 201
    path = f"/api/v1/instances/{held}"
    assert server.post(f"{path}/suspend", admin, json={"reason": "客户投诉升级，暂停处理"}
                       ).status_code == 200
    for route in ("/api/v1/migrations/plan", "/api/v1/migrations/dry-run", "/api/v1/migrations"):
        refused = server.post(route, admin, json={**BODY, "instance_ids": [held]})
        assert refused.status_code == 422, refused.text
        [error] = refused.json()["errors"]
        assert error["field"] == "instance_ids/0" and "已挂起" in error["message"]
    assert server.post("/api/v1/migrations/plan", admin, json=BODY).json()["instance_ids"] == []
    assert server.get(path, admin).json()["definition_id"] == 1
    assert server.post(f"{path}/resume", admin, json={"reason": "核查完毕"}).status_code == 200
    planned = server.post("/api/v1/migrations/plan", admin, json={**BODY, "instance_ids": [held]})
    assert planned.status_code == 200 and planned.json()["instance_ids"] == [held]
