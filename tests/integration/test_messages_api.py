"""Messages and signals from outside (POST /messages, /signals) and between instances, on both
databases: correlation by the model's correlation property, business key or instance id; message
and signal start events; the 404 / 409 / 403 / 422 answers; a thrown event delivered once,
after the thrower's commit, by the due runner; every delivery in the receiver's audit trail."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services import event_delivery
from services.due_runner import run_due
from store.tables import AuditEntry, DueWork, EventSubscription
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import claim_and_complete, deploy

MESSAGING = RESOURCES / "messaging"


@pytest.fixture
def deployed(server, tokens):  # type: ignore[no-untyped-def]
    for name in ("reply_wait", "order_intake", "notifier", "signal_wait", "closing_report"):
        answer = deploy(server, tokens["admin"], bundle(MESSAGING / name))
        assert answer.status_code == 201, answer.text


def start(server, token: str, key: str, variables: dict, business_key: str | None = None) -> int:  # type: ignore[no-untyped-def]
    answer = server.post("/api/v1/instances", token, json={
        "process_key": key, "variables": variables, "business_key": business_key})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def detail(server, token: str, instance_id: int) -> dict:  # type: ignore[no-untyped-def]
    return server.get(f"/api/v1/instances/{instance_id}", token).json()


def open_bpmn_ids(server, token: str, instance_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(t["bpmn_id"] for t in detail(server, token, instance_id)["open_tasks"])


def received(fd, instance_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(action, actor) of the deliveries in the instance's audit trail."""
    with fd.uow(read_only=True) as uow:
        return [tuple(r) for r in uow.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.instance_id == instance_id,
                   AuditEntry.action.in_(("message.received", "signal.received")))
            .order_by(AuditEntry.id))]


def message(server, token: str, **body):  # type: ignore[no-untyped-def]
    return server.post("/api/v1/messages", token, json=body)


def test_a_message_reaches_the_case_its_order_number_correlates_with(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                     deployed) -> None:
    agent, shop = tokens["agent"], tokens["shop"]
    first = start(server, agent, "reply_wait", {"order_no": "TB1001"})
    second = start(server, agent, "reply_wait", {"order_no": "TB1002"})
    assert open_bpmn_ids(server, agent, second) == []

    answer = message(server, shop, name="customer_replied", correlation={"order_no": "TB1002"},
                     variables={"reply": "已收到退款"})
    assert answer.status_code == 200, answer.text
    assert [r["instance_id"] for r in answer.json()["reached"]] == [second]
    assert open_bpmn_ids(server, agent, second) == ["read_reply"]
    assert detail(server, agent, second)["variables"]["reply"] == "已收到退款"
    assert open_bpmn_ids(server, agent, first) == []  # still waiting for its own order
    assert received(fd, second) == [("message.received", "shop")]
    with fd.uow(read_only=True) as uow:  # the caught subscription is gone, the other stays
        waiting = uow.execute(select(EventSubscription.instance_id)).scalars().all()
    assert first in waiting and second not in waiting

    again = message(server, shop, name="customer_replied", correlation={"order_no": "TB1002"})
    assert again.status_code == 404
    assert "order_no=TB1002" in again.json()["detail"]


def test_ambiguous_messages_are_refused_unless_all(server, tokens, deployed) -> None:  # type: ignore[no-untyped-def]
    agent, shop = tokens["agent"], tokens["shop"]
    ids = [start(server, agent, "reply_wait", {"order_no": 77}) for _ in range(2)]
    refused = message(server, shop, name="customer_replied", correlation={"order_no": "77"})
    assert refused.status_code == 409
    assert all(str(i) in refused.json()["detail"] for i in ids)
    assert all(open_bpmn_ids(server, agent, i) == [] for i in ids)  # nothing delivered
    both = message(server, shop, name="customer_replied", correlation={"order_no": 77},
                   all=True)
    assert both.status_code == 200, both.text
    assert sorted(r["instance_id"] for r in both.json()["reached"]) == ids
    assert all(open_bpmn_ids(server, agent, i) == ["read_reply"] for i in ids)


def test_by_business_key_or_instance_id(server, tokens, deployed) -> None:  # type: ignore[no-untyped-def]
    agent, shop = tokens["agent"], tokens["shop"]
    keyed = start(server, agent, "reply_wait", {"order_no": "A"}, business_key="CASE-9")
    other = start(server, agent, "reply_wait", {"order_no": "A"})
    by_key = message(server, shop, name="customer_replied", business_key="CASE-9")
    assert [r["instance_id"] for r in by_key.json()["reached"]] == [keyed]
    by_id = message(server, shop, name="customer_replied", instance_id=other)
    assert [r["instance_id"] for r in by_id.json()["reached"]] == [other]
    assert message(server, shop, name="customer_replied",
                   instance_id=other).status_code == 404


def test_a_message_start_event_starts_a_case(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    answer = message(server, tokens["shop"], name="order_created", business_key="TB5",
                     variables={"order_no": "TB5", "amount": 99})
    assert answer.status_code == 200, answer.text
    (reached,) = answer.json()["reached"]
    assert reached["started"] and reached["process_key"] == "order_intake"
    case = detail(server, tokens["admin"], reached["instance_id"])
    assert case["business_key"] == "TB5"
    assert case["variables"]["amount"] == 99
    assert [t["bpmn_id"] for t in case["open_tasks"]] == ["check_order"]
    assert received(fd, reached["instance_id"]) == [("message.received", "shop")]


def test_who_may_send_and_what_is_refused(server, tokens, deployed) -> None:  # type: ignore[no-untyped-def]
    assert message(server, tokens["agent"], name="order_created").status_code == 403
    assert server.post("/api/v1/signals", tokens["agent"],
                       json={"name": "shop_closed"}).status_code == 403
    missing = message(server, tokens["shop"], correlation={"order_no": "1"})
    assert missing.status_code == 422
    assert "name" in {e["field"] for e in missing.json()["errors"]}
    nested = message(server, tokens["shop"], name="customer_replied",
                     correlation={"order_no": {"x": 1}})
    assert nested.status_code == 422
    assert message(server, tokens["shop"], name="nobody_listens").status_code == 404
    owned = message(server, tokens["shop"], name="order_created",
                    variables={"case_no": "FAKE1", "initiator": "boss", "note": "ok"})
    assert owned.status_code == 422
    assert {e["field"] for e in owned.json()["errors"]} == {"variables.case_no",
                                                           "variables.initiator"}


def test_a_signal_reaches_every_waiting_case_and_starts_its_processes(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                      deployed) -> None:
    agent = tokens["agent"]
    waiting = [start(server, agent, "signal_wait", {}) for _ in range(2)]
    answer = server.post("/api/v1/signals", tokens["admin"],
                         json={"name": "shop_closed", "variables": {"why": "台风"}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["count"] == 3 and body["queued"] == 0
    started = [r["instance_id"] for r in body["reached"] if r["started"]]
    assert sorted(r["instance_id"] for r in body["reached"] if not r["started"]) == waiting
    assert all(open_bpmn_ids(server, agent, i) == ["after_closed"] for i in waiting)
    assert open_bpmn_ids(server, agent, started[0]) == ["write_report"]
    assert detail(server, agent, waiting[0])["variables"]["why"] == "台风"


def test_a_large_broadcast_is_queued_and_delivered_once(server, tokens, fd, deployed,  # type: ignore[no-untyped-def]
                                                        monkeypatch) -> None:
    monkeypatch.setattr(event_delivery, "SYNC_LIMIT", 1)
    agent = tokens["agent"]
    waiting = [start(server, agent, "signal_wait", {}) for _ in range(2)]
    body = server.post("/api/v1/signals", tokens["shop"], json={"name": "shop_closed"}).json()
    assert body["count"] == 3 and body["queued"] == 3 and body["reached"] == []
    assert all(open_bpmn_ids(server, agent, i) == [] for i in waiting)
    assert run_due(fd) == 3
    assert run_due(fd) == 0
    assert all(open_bpmn_ids(server, agent, i) == ["after_closed"] for i in waiting)
    assert all(received(fd, i) == [("signal.received", "shop")] for i in waiting)


def test_an_instance_throws_to_the_others_after_its_commit(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    receiver = start(server, agent, "reply_wait", {"order_no": "TB7"})
    bystander = start(server, agent, "reply_wait", {"order_no": "TB8"})
    listener = start(server, agent, "signal_wait", {})
    thrower = start(server, agent, "notifier", {"order_no": "TB7", "reply": "好评已追回"})
    (task,) = detail(server, agent, thrower)["open_tasks"]
    claim_and_complete(server, agent, task["id"], {})
    assert detail(server, agent, thrower)["status"] == "completed"
    # written in the thrower's transaction; nothing delivered before the due runner runs
    with fd.uow(read_only=True) as uow:
        outbox = uow.execute(select(DueWork.label, DueWork.state)
                             .where(DueWork.kind == "throw")).all()
    assert sorted(outbox) == [("message customer_replied", "pending"),
                              ("signal shop_closed", "pending")]
    assert open_bpmn_ids(server, agent, receiver) == []

    assert run_due(fd) == 2
    assert run_due(fd) == 0  # delivered once
    assert open_bpmn_ids(server, agent, receiver) == ["read_reply"]
    assert detail(server, agent, receiver)["variables"]["reply"] == "好评已追回"
    assert open_bpmn_ids(server, agent, bystander) == []
    assert open_bpmn_ids(server, agent, listener) == ["after_closed"]
    actor = f"instance:{thrower}"
    assert received(fd, receiver) == [("message.received", actor)]
    assert received(fd, listener) == [("signal.received", actor)]
    with fd.uow(read_only=True) as uow:  # and the signal start event started a report
        reports = uow.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "signal.received", AuditEntry.actor == actor))
    assert reports == 2


def throw_once(server, agent: str, fd, clock, order_no: str):  # type: ignore[no-untyped-def]
    """A notifier case throws ``customer_replied`` for ``order_no``; the due runner tries it
    once. Returns the thrower and the throw's outbox row (state, attempts, last_error)."""
    thrower = start(server, agent, "notifier", {"order_no": order_no, "reply": "x"})
    (task,) = detail(server, agent, thrower)["open_tasks"]
    claim_and_complete(server, agent, task["id"], {})
    clock.advance(seconds=1)  # the outbox row is due from the moment of the throw
    run_due(fd)
    with fd.uow(read_only=True) as uow:
        return thrower, uow.execute(
            select(DueWork.state, DueWork.attempts, DueWork.last_error)
            .where(DueWork.kind == "throw", DueWork.label.like("message%"))).one()


def test_a_thrown_message_waits_for_its_receiver(server, tokens, fd, clock, deployed) -> None:  # type: ignore[no-untyped-def]
    agent = tokens["agent"]
    thrower, row = throw_once(server, agent, fd, clock, "LATE")
    assert (row.state, row.attempts) == ("pending", 1)
    assert "order_no=LATE" in row.last_error
    receiver = start(server, agent, "reply_wait", {"order_no": "LATE"})
    clock.advance(seconds=10)  # past the first back-off
    run_due(fd)
    assert open_bpmn_ids(server, agent, receiver) == ["read_reply"]
    assert received(fd, receiver) == [("message.received", f"instance:{thrower}")]


def test_a_thrown_message_that_several_cases_wait_for_fails_at_once(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                    clock, deployed) -> None:
    """Waiting cannot make two waiting cases one: the throw fails on its first try (not after
    five over ten minutes), in the admin's list of failed work with the reason."""
    agent = tokens["agent"]
    twins = [start(server, agent, "reply_wait", {"order_no": "TWIN"}) for _ in range(2)]
    _, row = throw_once(server, agent, fd, clock, "TWIN")
    assert (row.state, row.attempts) == ("failed", 1)
    assert "Several instances wait" in row.last_error
    failed = server.get("/api/v1/admin/timers?kind=throw&state=failed",
                        tokens["admin"]).json()["items"]
    assert [r["label"] for r in failed] == ["message customer_replied"]
    assert all(open_bpmn_ids(server, agent, twin) == [] for twin in twins)


def test_a_thrown_message_that_failed_is_sent_again_by_an_admin(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                                deployed, monkeypatch) -> None:
    from services import due_work
    monkeypatch.setattr(due_work, "MAX_ATTEMPTS", 1)
    agent = tokens["agent"]
    thrower = start(server, agent, "notifier", {"order_no": "GONE", "reply": "x"})
    claim_and_complete(server, agent, detail(server, agent, thrower)["open_tasks"][0]["id"], {})
    clock.advance(seconds=1)
    run_due(fd)
    failed = server.get("/api/v1/admin/timers?kind=throw&state=failed",
                        tokens["admin"]).json()["items"]
    assert [row["label"] for row in failed] == ["message customer_replied"]
    receiver = start(server, agent, "reply_wait", {"order_no": "GONE"})
    again = server.post(f"/api/v1/admin/timers/{failed[0]['id']}/due", tokens["admin"],
                        json={"due_at": clock.now().isoformat()})
    assert again.status_code == 200, again.text
    assert again.json()["state"] == "pending"
    clock.advance(seconds=1)
    run_due(fd)
    assert open_bpmn_ids(server, agent, receiver) == ["read_reply"]


def test_an_ended_case_waits_for_nothing(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    instance = start(server, tokens["agent"], "reply_wait", {"order_no": "C1"})
    assert server.post(f"/api/v1/instances/{instance}/cancel", tokens["admin"],
                       json={"reason": "test"}).status_code == 200
    with fd.uow(read_only=True) as uow:
        assert uow.execute(select(EventSubscription.id).where(
            EventSubscription.instance_id == instance)).first() is None
    assert message(server, tokens["shop"], name="customer_replied",
                   correlation={"order_no": "C1"}).status_code == 404
