"""External tasks through the API, on SQLite and PostgreSQL: a model saved the way Camunda
Modeler saves it (tests/resources/external) runs unchanged; workers fetch and lock by topic,
complete, fail (with retries, or into an incident an admin retries), throw BPMN errors and
extend their locks; locks expire on the app's clock; two workers never get the same task."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import requests

from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import Client, deploy

BASE = "/api/v1/external-tasks"
CHARGE = {"name": "charge_card", "lock_duration": 60_000}
RECEIPT = {"name": "send_receipt", "lock_duration": 60_000}


def _start(server: Client, tokens: dict, amount: float = 99.5, key: str = "TB-1") -> int:
    started = server.post("/api/v1/instances", tokens["agent"], json={
        "process_key": "card_payment", "business_key": key, "variables": {"amount": amount}})
    assert started.status_code == 201, started.text
    return started.json()["id"]


def _deployed(server: Client, tokens: dict) -> None:
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "external")).status_code == 201


def fetch(server: Client, token: str, worker: str, *topics: dict, max_tasks: int = 5) -> list:
    answer = server.post(f"{BASE}/fetch-and-lock", token, json={
        "worker_id": worker, "topics": list(topics), "max_tasks": max_tasks})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _instance(server: Client, tokens: dict, instance_id: int) -> dict:
    return server.get(f"/api/v1/instances/{instance_id}", tokens["admin"]).json()


def test_fetch_lock_and_complete_run_the_camunda_model_to_its_end(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    instance_id = _start(server, tokens)
    assert _instance(server, tokens, instance_id)["status"] == "waiting"

    [task] = fetch(server, tokens["worker"], "w1", CHARGE, RECEIPT)
    assert {k: task[k] for k in ("topic", "worker_id", "instance_id", "business_key",
                                 "process_key", "bpmn_id", "retries", "priority", "input")} == {
        "topic": "charge_card", "worker_id": "w1", "instance_id": instance_id,
        "business_key": "TB-1", "process_key": "card_payment", "bpmn_id": "charge_card",
        "retries": None, "priority": 10, "input": {"amount": 99.5, "currency": "CNY"}}
    assert task["variables"]["amount"] == 99.5 and task["lock_expires_at"]
    assert fetch(server, tokens["worker"], "w2", CHARGE) == []  # locked by w1

    done = server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "w1", "variables": {"charge_id": "ch_42"}})
    assert done.status_code == 200, done.text
    assert done.json() == {"id": task["id"], "instance_id": instance_id,
                           "instance_status": "waiting", "incident": None}
    again = server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                        json={"worker_id": "w1", "variables": {}})
    assert again.status_code == 409 and "done" in again.json()["detail"]

    [receipt] = fetch(server, tokens["worker"], "w2", CHARGE, RECEIPT)
    assert receipt["topic"] == "send_receipt" and receipt["variables"]["charge_id"] == "ch_42"
    assert server.post(f"{BASE}/{receipt['id']}/complete", tokens["worker"],
                       json={"worker_id": "w2"}).json()["instance_status"] == "completed"
    detail = _instance(server, tokens, instance_id)
    assert detail["status"] == "completed" and detail["variables"]["charge_id"] == "ch_42"
    actions = [a["action"] for a in detail["audit"]]
    assert actions.count("external_task.locked") == 2
    assert actions.count("external_task.completed") == 2
    states = server.get(f"{BASE}?instance_id={instance_id}", tokens["admin"]).json()
    assert [(t["bpmn_id"], t["state"]) for t in states["items"]] == [
        ("send_receipt", "done"), ("charge_card", "done")]


def test_camunda_field_names_are_accepted(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    _start(server, tokens)
    answer = server.post(f"{BASE}/fetch-and-lock", tokens["worker"], json={
        "workerId": "camunda-style", "maxTasks": 1,
        "topics": [{"topicName": "charge_card", "lockDuration": 10_000,
                    "variables": ["amount"]}]})
    assert answer.status_code == 200, answer.text
    [task] = answer.json()
    assert task["worker_id"] == "camunda-style" and task["variables"] == {"amount": 99.5}
    extended = server.post(f"{BASE}/{task['id']}/extend-lock", tokens["worker"],
                           json={"workerId": "camunda-style", "newDuration": 20_000})
    assert extended.status_code == 200, extended.text


def test_highest_priority_then_oldest_first_each_topic_its_own_lock(server, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    first = _start(server, tokens, key="first")
    [charge] = fetch(server, tokens["worker"], "w", CHARGE)
    assert server.post(f"{BASE}/{charge['id']}/complete", tokens["worker"],
                       json={"worker_id": "w"}).status_code == 200  # first: a receipt (0) open
    clock.advance(seconds=60)
    second = _start(server, tokens, key="second")  # a charge (priority 10)
    clock.advance(seconds=60)
    third = _start(server, tokens, key="third")  # another charge, newer
    short = {"name": "charge_card", "lock_duration": 5_000}
    got = fetch(server, tokens["worker"], "w", RECEIPT, short, max_tasks=2)
    assert [(t["instance_id"], t["topic"]) for t in got] == [
        (second, "charge_card"), (third, "charge_card")]
    [receipt] = fetch(server, tokens["worker"], "w", RECEIPT, short)
    assert receipt["instance_id"] == first
    expiries = {(t["topic"], datetime.fromisoformat(t["lock_expires_at"]) - clock.now())
                for t in (*got, receipt)}
    assert expiries == {("charge_card", timedelta(seconds=5)),
                        ("send_receipt", timedelta(seconds=60))}


def test_an_expired_lock_goes_to_the_next_worker(server, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    _start(server, tokens)
    [task] = fetch(server, tokens["worker"], "slow", {"name": "charge_card",
                                                     "lock_duration": 10_000})
    clock.advance(seconds=9)
    assert fetch(server, tokens["worker"], "fast", CHARGE) == []
    clock.advance(seconds=2)
    late = server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "slow", "variables": {"charge_id": "late"}})
    assert late.status_code == 409 and "expired" in late.json()["detail"]

    [taken] = fetch(server, tokens["worker"], "fast", CHARGE)
    assert taken["id"] == task["id"] and taken["worker_id"] == "fast"
    late = server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "slow", "variables": {"charge_id": "late"}})
    assert late.status_code == 409 and "'fast' holds it" in late.json()["detail"]
    assert server.post(f"{BASE}/{task['id']}/complete", tokens["worker"], json={
        "worker_id": "fast", "variables": {"charge_id": "ch_1"}}).status_code == 200


def test_extend_lock_keeps_the_task_from_other_workers(server, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    _start(server, tokens)
    [task] = fetch(server, tokens["worker"], "w1", {"name": "charge_card",
                                                   "lock_duration": 10_000})
    wrong = server.post(f"{BASE}/{task['id']}/extend-lock", tokens["worker"],
                        json={"worker_id": "w2", "new_duration": 60_000})
    assert wrong.status_code == 409
    extended = server.post(f"{BASE}/{task['id']}/extend-lock", tokens["worker"],
                           json={"worker_id": "w1", "new_duration": 60_000})
    assert extended.status_code == 200, extended.text
    clock.advance(seconds=30)
    assert fetch(server, tokens["worker"], "w2", CHARGE) == []
    assert server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "w1"}).status_code == 200


def test_a_failure_with_retries_waits_for_its_retry_timeout(server, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    instance_id = _start(server, tokens)
    [task] = fetch(server, tokens["worker"], "w1", CHARGE)
    failed = server.post(f"{BASE}/{task['id']}/failure", tokens["worker"], json={
        "worker_id": "w1", "error_message": "bank timeout", "error_details": "trace…",
        "retries": 2, "retry_timeout": 60_000})
    assert failed.status_code == 200, failed.text
    assert {k: failed.json()[k] for k in ("state", "worker_id", "retries", "error_message")} == {
        "state": "open", "worker_id": None, "retries": 2, "error_message": "bank timeout"}
    assert fetch(server, tokens["worker"], "w1", CHARGE) == []
    clock.advance(seconds=59)
    assert fetch(server, tokens["worker"], "w2", CHARGE) == []
    clock.advance(seconds=2)
    [again] = fetch(server, tokens["worker"], "w2", CHARGE)
    assert again["id"] == task["id"] and again["retries"] == 2
    assert again["error_message"] == "bank timeout" and again["error_details"] == "trace…"
    assert _instance(server, tokens, instance_id)["status"] == "waiting"
    late = server.post(f"{BASE}/{task['id']}/failure", tokens["worker"], json={
        "worker_id": "w1", "error_message": "x", "retries": 1})
    assert late.status_code == 409


def test_no_retries_left_is_an_incident_an_admin_retry_reopens(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    instance_id = _start(server, tokens)
    [task] = fetch(server, tokens["worker"], "w1", CHARGE)
    failed = server.post(f"{BASE}/{task['id']}/failure", tokens["worker"], json={
        "worker_id": "w1", "error_message": "card service down", "retries": 0})
    assert failed.status_code == 200 and failed.json()["state"] == "incident"

    detail = _instance(server, tokens, instance_id)
    assert detail["status"] == "error"
    [incident] = detail["incidents"]
    assert incident["kind"] == "external_task_failed" and incident["bpmn_id"] == "charge_card"
    assert incident["task_name"] == "扣款" and "card service down" in incident["message"]
    assert fetch(server, tokens["worker"], "w1", CHARGE) == []
    listed = server.get("/api/v1/admin/incidents", tokens["admin"]).json()["items"]
    assert [i["kind"] for i in listed] == ["external_task_failed"]

    retried = server.post(f"/api/v1/instances/{instance_id}/retry", tokens["admin"],
                          json={"variables": {"amount": 88}})
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "waiting"
    assert retried.json()["incidents"][0]["resolved_at"] is not None
    [again] = fetch(server, tokens["worker"], "w2", CHARGE)
    assert again["id"] == task["id"] and again["retries"] == 1
    assert again["variables"]["amount"] == 88
    assert server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "w2"}).json()["instance_status"] == "waiting"


def test_a_bpmn_error_is_caught_by_the_boundary_event(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    instance_id = _start(server, tokens)
    [task] = fetch(server, tokens["worker"], "w1", CHARGE)
    version = _instance(server, tokens, instance_id)["version"]

    uncaught = server.post(f"{BASE}/{task['id']}/bpmn-error", tokens["worker"], json={
        "worker_id": "w1", "error_code": "NO_SUCH_CODE"})
    assert uncaught.status_code == 422, uncaught.text
    assert "NO_SUCH_CODE" in uncaught.json()["detail"]
    assert uncaught.json()["errors"][0]["field"] == "error_code"
    fd.workflows.evict(instance_id)  # what was stored is unchanged too, not only the cache
    detail = _instance(server, tokens, instance_id)
    assert detail["version"] == version and detail["status"] == "waiting"

    caught = server.post(f"{BASE}/{task['id']}/bpmn-error", tokens["worker"], json={
        "worker_id": "w1", "error_code": "CARD_DECLINED", "error_message": "余额不足",
        "variables": {"bank": "ICBC"}})
    assert caught.status_code == 200, caught.text
    assert caught.json()["instance_status"] == "running"
    detail = _instance(server, tokens, instance_id)
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["call_customer"]
    assert {k: detail["variables"].get(k) for k in ("bank", "decline_code", "decline_reason")} \
        == {"bank": "ICBC", "decline_code": "CARD_DECLINED", "decline_reason": "余额不足"}
    row = server.get(f"{BASE}/{task['id']}", tokens["worker"]).json()
    assert row["state"] == "done" and "CARD_DECLINED" in row["error_message"]
    assert fetch(server, tokens["worker"], "w1", CHARGE, RECEIPT) == []


def test_cancelling_the_instance_withdraws_its_tasks(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    locked_id = _start(server, tokens, key="TB-locked")
    open_id = _start(server, tokens, key="TB-open")
    [task] = fetch(server, tokens["worker"], "w1", CHARGE, max_tasks=1)
    assert task["instance_id"] == locked_id
    for instance_id in (locked_id, open_id):
        assert server.post(f"/api/v1/instances/{instance_id}/cancel",
                           tokens["admin"]).status_code == 200
    assert fetch(server, tokens["worker"], "w2", CHARGE) == []
    gone = server.post(f"{BASE}/{task['id']}/complete", tokens["worker"],
                       json={"worker_id": "w1"})
    assert gone.status_code == 409 and "cancelled" in gone.json()["detail"]
    rows = server.get(f"{BASE}?state=cancelled", tokens["admin"]).json()
    assert sorted(t["instance_id"] for t in rows["items"]) == [locked_id, open_id]
    assert "external_task.cancelled" in [
        a["action"] for a in _instance(server, tokens, open_id)["audit"]]


def test_only_workers_and_admins_and_bad_input_is_422(server, tokens) -> None:  # type: ignore[no-untyped-def]
    _deployed(server, tokens)
    _start(server, tokens)
    body = {"worker_id": "w", "topics": [CHARGE], "max_tasks": 1}
    for who in ("agent", "supervisor", "designer"):
        answer = server.post(f"{BASE}/fetch-and-lock", tokens[who], json=body)
        assert answer.status_code == 403, (who, answer.text)
    assert server.post(f"{BASE}/fetch-and-lock", json=body).status_code == 401
    assert server.get(BASE, tokens["worker"]).status_code == 403  # the list is the admin's
    [task] = fetch(server, tokens["admin"], "admin-as-worker", CHARGE)
    assert server.post(f"{BASE}/{task['id']}/complete", tokens["agent"],
                       json={"worker_id": "admin-as-worker"}).status_code == 403
    assert server.post(f"{BASE}/999999/complete", tokens["worker"],
                       json={"worker_id": "w"}).status_code == 404

    bad = [
        ({"topics": [CHARGE], "max_tasks": 1}, "worker_id"),
        ({**body, "topics": []}, "topics"),
        ({**body, "max_tasks": 0}, "max_tasks"),
        ({**body, "topics": [{"name": "charge_card", "lock_duration": 0}]},
         "topics/0/lock_duration"),
        ({**body, "topics": [{"lock_duration": 5}]}, "topics/0/name"),
        ({**body, "topics": [CHARGE, CHARGE]}, "topics"),
        ({**body, "colour": "red"}, "colour"),
    ]
    for payload, field in bad:
        answer = server.post(f"{BASE}/fetch-and-lock", tokens["worker"], json=payload)
        assert answer.status_code == 422, (payload, answer.text)
        assert field in {e["field"] for e in answer.json()["errors"]}, (field, answer.json())
    for path, payload, field in [
            ("failure", {"worker_id": "w", "error_message": "x", "retries": -1}, "retries"),
            ("failure", {"worker_id": "w", "retries": 1}, "error_message"),
            ("bpmn-error", {"worker_id": "w"}, "error_code"),
            ("extend-lock", {"worker_id": "w", "new_duration": "soon"}, "new_duration"),
            ("complete", {"worker_id": "w", "variables": [1]}, "variables")]:
        answer = server.post(f"{BASE}/{task['id']}/{path}", tokens["worker"], json=payload)
        assert answer.status_code == 422, (path, answer.text)
        assert field in {e["field"] for e in answer.json()["errors"]}, (path, answer.json())


def test_two_workers_fetching_at_once_never_share_a_task(server, tokens) -> None:  # type: ignore[no-untyped-def]
    """20 tasks, two workers fetching 3 at a time in lockstep: every task goes to exactly
    one of them (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)."""
    _deployed(server, tokens)
    for n in range(20):
        _start(server, tokens, key=f"TB-{n}")
    rounds = 5  # 2 workers x 3 tasks x 4 rounds would do; one more finds nothing
    barrier = threading.Barrier(2, timeout=60)
    got: dict[str, list[int]] = {"a": [], "b": []}
    failures: list[str] = []

    def worker(name: str) -> None:
        with requests.Session() as http:
            for _ in range(rounds):
                barrier.wait()
                answer = http.post(f"{server.base}{BASE}/fetch-and-lock", timeout=60,
                                   headers={"Authorization": f"Bearer {tokens['worker']}"},
                                   json={"worker_id": name, "topics": [CHARGE],
                                         "max_tasks": 3})
                if answer.status_code != 200:
                    failures.append(answer.text)
                    continue
                got[name] += [t["id"] for t in answer.json()]

    threads = [threading.Thread(target=worker, args=(name,)) for name in got]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    both = got["a"] + got["b"]
    assert len(both) == len(set(both)) == 20, got
    assert got["a"] and got["b"]
