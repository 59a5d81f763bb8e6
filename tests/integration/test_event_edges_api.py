"""Messages and signals at their edges, as an integrating system meets them, on both databases:
a broadcast to many waiting cases of which one is in error (the others are reached, the broken
one misses it, audited); the refusals of POST /messages in the caller's language; a payload no
script could store (a ``__class__`` name, more text than a case may hold) refused before
anything moves. Models (with their diagrams) are in ``tests/resources/qa_messages``."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from services import event_delivery
from services.due_runner import run_due
from store.tables import AuditEntry, DueWork
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import claim_and_complete, deploy

MODELS = RESOURCES / "qa_messages"
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def deployed(server, tokens):  # type: ignore[no-untyped-def]
    for name in ("qm_promo", "qm_broken", "qm_await"):
        answer = deploy(server, tokens["admin"], bundle(MODELS / name))
        assert answer.status_code == 201, answer.text


def start(server, token: str, key: str, variables: dict | None = None) -> int:  # type: ignore[no-untyped-def]
    answer = server.post("/api/v1/instances", token, json={"process_key": key,
                                                           "variables": variables or {}})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def open_ids(server, token: str, instance_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    detail = server.get(f"/api/v1/instances/{instance_id}", token).json()
    return sorted(t["bpmn_id"] for t in detail["open_tasks"])


def broken_case(server, token: str) -> int:  # type: ignore[no-untyped-def]
    """A case waiting for the signal on one branch, in error on the other (a failed script)."""
    case = start(server, token, "qm_broken")
    task = next(t for t in server.get(f"/api/v1/instances/{case}", token).json()["open_tasks"]
                if t["bpmn_id"] == "prepare")
    claim_and_complete(server, token, task["id"], {})
    assert server.get(f"/api/v1/instances/{case}", token).json()["status"] == "error"
    return case


def actions(fd, instance_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return list(uow.scalars(select(AuditEntry.action).where(
            AuditEntry.instance_id == instance_id,
            AuditEntry.action.like("signal.%")).order_by(AuditEntry.id)))


def test_a_case_in_error_does_not_keep_a_signal_from_the_others(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                 deployed) -> None:
    agent, shop = tokens["agent"], tokens["shop"]
    waiting = [start(server, agent, "qm_promo") for _ in range(50)]
    broken = broken_case(server, agent)

    answer = server.post("/api/v1/signals", shop, json={"name": "qm_promo_ended",
                                                        "variables": {"promo": "双11"}})
    assert answer.status_code == 200, answer.text  # was 409 for all: "Instance … is in error"
    body = answer.json()
    assert sorted(r["instance_id"] for r in body["reached"]) == waiting
    assert [(m["instance_id"], m["status"]) for m in body["missed"]] == [(broken, "error")]
    assert all(open_ids(server, agent, case) == ["follow_up"] for case in waiting)
    assert actions(fd, broken) == ["signal.missed"]  # the admin who retries it sees why
    assert actions(fd, waiting[0]) == ["signal.received"]
    assert open_ids(server, agent, broken) == []  # untouched: still in error


def test_a_queued_broadcast_and_a_thrown_signal_pass_a_case_in_error(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                      deployed, monkeypatch,
                                                                      clock) -> None:
    agent, shop = tokens["agent"], tokens["shop"]
    monkeypatch.setattr(event_delivery, "SYNC_LIMIT", 2)  # a "large" broadcast: queued
    waiting = [start(server, agent, "qm_promo") for _ in range(3)]
    broken = broken_case(server, agent)
    answer = server.post("/api/v1/signals", shop, json={"name": "qm_promo_ended"})
    assert answer.status_code == 200 and answer.json()["queued"] == 4, answer.text
    clock.advance(seconds=1)
    assert run_due(fd) == 3
    assert all(open_ids(server, agent, case) == ["follow_up"] for case in waiting)
    assert actions(fd, broken) == ["signal.missed"]
    assert run_due(fd) == 0


def test_refusals_of_a_message_are_said_in_the_callers_language(server, tokens,  # type: ignore[no-untyped-def]
                                                                 deployed) -> None:
    agent, shop = tokens["agent"], tokens["shop"]
    first = start(server, agent, "qm_await", {"order_no": "TB1"})
    second = start(server, agent, "qm_await", {"order_no": "TB1"})
    nothing = server.post("/api/v1/messages", shop, headers=ZH, json={
        "name": "qm_order_shipped", "correlation": {"order_no": "TB404"}})
    assert nothing.status_code == 404
    assert nothing.json()["detail"] == ("没有案件在等待消息「qm_order_shipped」"
                                        "（查找条件：order_no=TB404），也没有已部署的流程由它启动。")
    several = server.post("/api/v1/messages", shop, headers=ZH, json={
        "name": "qm_order_shipped", "correlation": {"order_no": "TB1"}})
    assert several.status_code == 409
    assert several.json()["detail"].startswith(
        f"有多个案件在等待消息「qm_order_shipped」：{first}、{second}。")
    english = server.post("/api/v1/messages", shop, headers={"Accept-Language": "en"}, json={
        "name": "qm_order_shipped", "instance_id": 999999})
    assert english.status_code == 404
    assert "(looked for instance_id=999999)" in english.json()["detail"]
    owned = server.post("/api/v1/messages", shop, headers=ZH, json={
        "name": "qm_order_shipped", "instance_id": first, "variables": {"case_no": "X"}})
    assert owned.status_code == 422
    assert owned.json()["errors"][0]["field"] == "variables.case_no"
    assert "Flowdesk" in owned.json()["detail"] and "消息" in owned.json()["detail"]


@pytest.mark.parametrize("variables", [
    {"__class__": 1}, {"1 bad": 1}, {"note": "x" * 2_000_001},
    {"a": "x" * 1_000_001, "b": "y" * 1_000_001}])
def test_a_payload_no_script_could_store_is_refused_before_anything_moves(  # type: ignore[no-untyped-def]
        server, tokens, deployed, variables: dict) -> None:
    agent, shop = tokens["agent"], tokens["shop"]
    case = start(server, agent, "qm_await", {"order_no": "TB7"})
    for path, body in (("/api/v1/messages", {"name": "qm_order_shipped",
                                             "correlation": {"order_no": "TB7"}}),
                       ("/api/v1/signals", {"name": "qm_promo_ended"})):
        answer = server.post(path, shop, headers=ZH, json={**body, "variables": variables})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"].startswith("variables")
    assert server.get(f"/api/v1/instances/{case}", agent).json()["status"] == "waiting"


def as_message(name: str) -> dict[str, bytes]:
    """The model waiting for the signal ``qm_promo_ended``, waiting for a message of that name
    instead (its own process key: ``<name>_msg``)."""
    return {n.replace(name, f"{name}_msg"): b.replace(
        b'<bpmn:signal id="sig_promo" name="qm_promo_ended" />',
        b'<bpmn:message id="sig_promo" name="qm_promo_ended" />').replace(
        b'<bpmn:signalEventDefinition id="sed_promo" signalRef="sig_promo" />',
        b'<bpmn:messageEventDefinition id="sed_promo" messageRef="sig_promo" />').replace(
        f'"{name}"'.encode(), f'"{name}_msg"'.encode())
        for n, b in bundle(MODELS / name).items()}


def test_a_message_to_all_that_wait_passes_a_case_in_error(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    """``all: true`` reaches every waiting case that can take it, as a signal does; one in
    error misses it (audited) instead of refusing the message to all."""
    agent, shop = tokens["agent"], tokens["shop"]
    for name in ("qm_promo", "qm_broken"):
        assert deploy(server, tokens["admin"], as_message(name)).status_code == 201
    waiting = [start(server, agent, "qm_promo_msg") for _ in range(3)]
    case = start(server, agent, "qm_broken_msg")
    task = next(t for t in server.get(f"/api/v1/instances/{case}", agent).json()["open_tasks"]
                if t["bpmn_id"] == "prepare")
    claim_and_complete(server, agent, task["id"], {})
    assert server.get(f"/api/v1/instances/{case}", agent).json()["status"] == "error"
    answer = server.post("/api/v1/messages", shop, json={"name": "qm_promo_ended", "all": True})
    assert answer.status_code == 200, answer.text  # was 409 for all: "Instance … is in error"
    body = answer.json()
    assert sorted(r["instance_id"] for r in body["reached"]) == waiting
    assert [(m["instance_id"], m["status"]) for m in body["missed"]] == [(case, "error")]
    with fd.uow(read_only=True) as uow:
        assert list(uow.scalars(select(AuditEntry.action).where(
            AuditEntry.instance_id == case, AuditEntry.action.like("message.%")))) == [
            "message.missed"]
    one = server.post("/api/v1/messages", shop, headers=ZH, json={"name": "qm_promo_ended"})
    assert one.status_code == 409 and "出错" in one.json()["detail"]  # to it alone: retry it first


def test_a_held_message_that_finds_its_case_in_error_is_missed_audited(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                      clock) -> None:
    """A message held for a suspended case (delivered after its resume) that finds the case
    in error when it is due: cancelled, and ``message.missed`` in the case's trail, as a held
    signal's is."""
    agent = tokens["agent"]
    assert deploy(server, tokens["admin"], as_message("qm_broken")).status_code == 201
    case = start(server, agent, "qm_broken_msg")
    task = next(t for t in server.get(f"/api/v1/instances/{case}", agent).json()["open_tasks"]
                if t["bpmn_id"] == "prepare")
    claim_and_complete(server, agent, task["id"], {})
    with fd.uow() as uow:
        head = event_delivery._head(uow, case)
        assert head["status"] == "error"
        # as services.suspension leaves a held delivery once the case is resumed
        event_delivery._queue_for_resume(uow, head, "message", "qm_promo_ended", {}, "shop",
                                         fd.now())
        uow.execute(update(DueWork).where(DueWork.instance_id == case, DueWork.kind == "deliver")
                    .values(state="pending"))
    clock.advance(seconds=1)
    run_due(fd)
    with fd.uow(read_only=True) as uow:
        missed = uow.execute(select(AuditEntry.action, AuditEntry.after).where(
            AuditEntry.instance_id == case, AuditEntry.action == "message.missed")).all()
        row = uow.execute(select(DueWork.state, DueWork.last_error).where(
            DueWork.instance_id == case, DueWork.kind == "deliver")).one()
    assert [(after["name"], after["status"]) for _, after in missed] == [
        ("qm_promo_ended", "error")]
    assert row == ("cancelled", "the instance is error")
