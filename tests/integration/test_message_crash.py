"""A thrown message survives a crash between the thrower's commit and its delivery, and a crash
inside the delivery: it is delivered after the restart, exactly once."""
from __future__ import annotations

import requests
from sqlalchemy import select

from services import event_delivery
from services.due_runner import run_due
from store.tables import AuditEntry, DueWork, HumanTask
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import claim_and_complete, deploy
from tests.integration.test_scheduler_processes import Server, served  # noqa: F401 - fixture
from tests.waiting import DEADLINE, wait_for

MESSAGING = RESOURCES / "messaging"


def deliveries(fd, instance_id: int) -> int:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return len(uow.execute(select(AuditEntry.id).where(
            AuditEntry.instance_id == instance_id,
            AuditEntry.action == "message.received")).all())


def outbox(fd) -> list[str]:  # type: ignore[no-untyped-def]
    """The states of the thrown messages' outbox rows (the notifier also throws a signal)."""
    with fd.uow(read_only=True) as uow:
        return list(uow.scalars(select(DueWork.state).where(
            DueWork.kind == "throw", DueWork.label.like("message %")).order_by(DueWork.id)))


def reading(fd, instance_id: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether the receiver has moved on to reading the reply."""
    with fd.uow(read_only=True) as uow:
        return uow.execute(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == "read_reply")
        ).first() is not None


def test_kill_between_the_throw_and_its_delivery(served) -> None:  # type: ignore[no-untyped-def]
    server, fd, token, _ = served
    server.start(scheduler=False)  # nothing is delivered while this server runs
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    base = server.base
    for name in ("reply_wait", "notifier"):
        files = [("files", (n, data)) for n, data in bundle(MESSAGING / name).items()]
        assert http.post(base + "/api/v1/definitions", files=files,
                         timeout=DEADLINE).status_code == 201

    def start(key: str, variables: dict) -> int:
        answer = http.post(base + "/api/v1/instances", timeout=DEADLINE,
                           json={"process_key": key, "variables": variables})
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    receiver = start("reply_wait", {"order_no": "TB42"})
    thrower = start("notifier", {"order_no": "TB42", "reply": "已补发"})
    (task,) = http.get(f"{base}/api/v1/instances/{thrower}", timeout=DEADLINE
                       ).json()["open_tasks"]
    assert http.post(f"{base}/api/v1/tasks/{task['id']}/claim", timeout=DEADLINE).ok
    assert http.post(f"{base}/api/v1/tasks/{task['id']}/complete", json={"data": {}},
                     timeout=DEADLINE).ok
    http.close()
    server.crash()
    assert outbox(fd) == ["pending"]  # the throw committed with the thrower's step
    assert not reading(fd, receiver) and deliveries(fd, receiver) == 0

    server.start()
    wait_for(lambda: reading(fd, receiver), "the message to be delivered after the restart",
             interval=0.1)
    server.stop()
    server.start()  # and once more: nothing is delivered twice
    wait_for(lambda: outbox(fd) == ["done"], "the outbox row to be done", interval=0.1)
    server.stop()
    assert deliveries(fd, receiver) == 1


def test_a_crash_inside_the_delivery_delivers_it_later_once(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                            monkeypatch) -> None:
    for name in ("reply_wait", "notifier"):
        assert deploy(server, tokens["admin"], bundle(MESSAGING / name)).status_code == 201
    agent = tokens["agent"]
    receiver = server.post("/api/v1/instances", agent, json={
        "process_key": "reply_wait", "variables": {"order_no": "X1"}}).json()["id"]
    thrower = server.post("/api/v1/instances", agent, json={
        "process_key": "notifier", "variables": {"order_no": "X1", "reply": "r"}}).json()
    claim_and_complete(server, agent, thrower["open_tasks"][0]["id"], {})
    real_record = event_delivery.audit.record

    def dies_after_the_step(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the node died half-way through the delivery")

    monkeypatch.setattr(event_delivery.audit, "record", dies_after_the_step)
    clock.advance(seconds=1)
    run_due(fd)
    monkeypatch.setattr(event_delivery.audit, "record", real_record)
    assert not reading(fd, receiver)  # the receiver's step rolled back with the failure
    assert outbox(fd) == ["pending"]
    clock.advance(seconds=10)  # past the back-off
    run_due(fd)
    run_due(fd)
    assert reading(fd, receiver) and deliveries(fd, receiver) == 1
    assert outbox(fd) == ["done"]
