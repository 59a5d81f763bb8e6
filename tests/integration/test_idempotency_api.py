"""An ``Idempotency-Key`` on POST /messages and /signals, on both databases: a retry with the
same key and body gets the first answer (``Idempotent-Replayed: true``) and delivers nothing
again, nor audits anything; another body under the key is a 422; keys are per sender; a refused
call stores nothing; keys a day old are deleted by the housekeeping and deliver again; a key of
the wrong form is a 422 naming the header; two calls with one key at once deliver once."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from services import housekeeping, idempotency
from store.tables import IdempotencyKey, ProcessInstance
from tests.conftest import bundle
from tests.integration.conftest import deploy
from tests.integration.test_messages_api import (MESSAGING, detail, open_bpmn_ids, received,
                                                 start)

REPLAYED = "Idempotent-Replayed"


@pytest.fixture
def deployed(server, tokens):  # type: ignore[no-untyped-def]
    for name in ("reply_wait", "order_intake", "signal_wait", "closing_report"):
        answer = deploy(server, tokens["admin"], bundle(MESSAGING / name))
        assert answer.status_code == 201, answer.text


def send(server, token: str, key: str | None, path: str = "/api/v1/messages",  # type: ignore[no-untyped-def]
         **body):
    headers = {} if key is None else {"Idempotency-Key": key}
    return server.post(path, token, json=body, headers=headers)


def cases_of(fd, process_key: str) -> int:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return int(uow.scalar(select(func.count()).select_from(ProcessInstance)
                              .where(ProcessInstance.process_key == process_key)))


def stored_keys(fd) -> int:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return int(uow.scalar(select(func.count()).select_from(IdempotencyKey)))


ORDER = {"name": "order_created", "business_key": "TB5", "variables": {"order_no": "TB5"}}


def test_a_message_that_starts_a_case_sent_twice_starts_one(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                            deployed) -> None:
    first = send(server, tokens["shop"], "order-TB5", **ORDER)
    assert first.status_code == 200, first.text
    assert REPLAYED not in first.headers
    again = send(server, tokens["shop"], "order-TB5",
                 **{"variables": {"order_no": "TB5"}, "business_key": "TB5",
                    "name": "order_created"})  # the same request, its keys in another order
    assert again.status_code == 200, again.text
    assert again.headers[REPLAYED] == "true"
    assert again.json() == first.json()
    assert cases_of(fd, "order_intake") == 1
    (reached,) = first.json()["reached"]
    assert received(fd, reached["instance_id"]) == [("message.received", "shop")]  # once


def test_a_message_that_moves_a_waiting_case_sent_twice_moves_it_once(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                                      deployed) -> None:
    case = start(server, tokens["agent"], "reply_wait", {"order_no": "TB1002"})
    reply = {"name": "customer_replied", "correlation": {"order_no": "TB1002"},
             "variables": {"reply": "已收到退款"}}
    first = send(server, tokens["shop"], "reply:TB1002.1", **reply)
    assert first.status_code == 200, first.text
    again = send(server, tokens["shop"], "reply:TB1002.1", **reply)
    assert again.status_code == 200, again.text  # not the 404 of nothing waiting any more
    assert again.headers[REPLAYED] == "true" and again.json() == first.json()
    assert [r["instance_id"] for r in again.json()["reached"]] == [case]
    assert open_bpmn_ids(server, tokens["agent"], case) == ["read_reply"]
    assert received(fd, case) == [("message.received", "shop")]
    # without a key a repeat is delivered again as before: nothing waits any more
    assert send(server, tokens["shop"], None, **reply).status_code == 404


def test_a_key_is_one_request_of_one_sender(server, tokens, fd, deployed) -> None:  # type: ignore[no-untyped-def]
    assert send(server, tokens["shop"], "k1", **ORDER).status_code == 200
    other = server.post("/api/v1/messages", tokens["shop"], json={**ORDER, "business_key": "TB6"},
                        headers={"Idempotency-Key": "k1", "Accept-Language": "en"})
    assert other.status_code == 422, other.text
    assert "k1" in other.json()["detail"] and "another request" in other.json()["detail"]
    assert [(e["field"], e["location"]) for e in other.json()["errors"]] == [
        ("Idempotency-Key", "headers")]
    as_signal = send(server, tokens["shop"], "k1", "/api/v1/signals", name="order_created")
    assert as_signal.status_code == 422  # the same key on the other route: another request
    assert cases_of(fd, "order_intake") == 1

    by_other_sender = send(server, tokens["worker"], "k1", **ORDER)
    assert by_other_sender.status_code == 200, by_other_sender.text
    assert REPLAYED not in by_other_sender.headers
    assert cases_of(fd, "order_intake") == 2
    assert stored_keys(fd) == 2


def test_a_refused_call_stores_nothing_and_may_be_sent_again(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                             deployed) -> None:
    reply = {"name": "customer_replied", "correlation": {"order_no": "EARLY"}}
    refused = send(server, tokens["shop"], "early-1", **reply)
    assert refused.status_code == 404, refused.text
    assert stored_keys(fd) == 0
    case = start(server, tokens["agent"], "reply_wait", {"order_no": "EARLY"})
    delivered = send(server, tokens["shop"], "early-1", **reply)
    assert delivered.status_code == 200, delivered.text
    assert REPLAYED not in delivered.headers
    assert [r["instance_id"] for r in delivered.json()["reached"]] == [case]
    assert open_bpmn_ids(server, tokens["agent"], case) == ["read_reply"]


def test_a_signal_with_a_key_sent_twice_is_delivered_once(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                          deployed) -> None:
    waiting = start(server, tokens["agent"], "signal_wait", {})
    closed = {"name": "shop_closed", "variables": {"why": "台风"}}
    first = send(server, tokens["shop"], "closed-2026-01-05", "/api/v1/signals", **closed)
    assert first.status_code == 200, first.text
    assert first.json()["count"] == 2
    again = send(server, tokens["shop"], "closed-2026-01-05", "/api/v1/signals", **closed)
    assert again.status_code == 200, again.text
    assert again.headers[REPLAYED] == "true" and again.json() == first.json()
    assert received(fd, waiting) == [("signal.received", "shop")]
    assert open_bpmn_ids(server, tokens["agent"], waiting) == ["after_closed"]
    assert cases_of(fd, "closing_report") == 1


def test_a_key_a_day_old_is_deleted_and_delivers_again(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                       deployed) -> None:
    assert send(server, tokens["shop"], "order-TB5", **ORDER).status_code == 200
    clock.advance(hours=23)
    assert send(server, tokens["shop"], "order-TB5", **ORDER).headers[REPLAYED] == "true"
    assert housekeeping.Housekeeping().run_if_due(fd)["idempotency_keys"] == 0
    clock.advance(hours=1, seconds=1)
    assert housekeeping.Housekeeping().run_if_due(fd)["idempotency_keys"] == 1
    assert stored_keys(fd) == 0
    later = send(server, tokens["shop"], "order-TB5", **ORDER)
    assert later.status_code == 200, later.text
    assert REPLAYED not in later.headers
    assert cases_of(fd, "order_intake") == 2


@pytest.mark.parametrize("key", ["k" * 201, "", "two words", "a/b", "ä", "key;x"])
def test_a_key_of_the_wrong_form_is_refused_naming_the_header(server, tokens, fd, deployed,  # type: ignore[no-untyped-def]
                                                              key: str) -> None:
    refused = send(server, tokens["shop"], key, **ORDER)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert "Idempotency-Key" in body["detail"] and "请求头" in body["detail"]  # Chinese default
    assert [(e["field"], e["location"]) for e in body["errors"]] == [
        ("Idempotency-Key", "headers")]
    english = server.post("/api/v1/messages", tokens["shop"], json=ORDER, headers={
        "Idempotency-Key": key, "Accept-Language": "en"})
    assert english.json()["detail"].startswith("The Idempotency-Key header must be")
    assert cases_of(fd, "order_intake") == 0 and stored_keys(fd) == 0
    assert send(server, tokens["shop"], "k" * 200, **ORDER).status_code == 200  # the longest


def test_two_calls_with_one_new_key_at_once_deliver_once(server, tokens, fd,  # type: ignore[no-untyped-def]
                                                         deployed) -> None:
    answers: list = []

    def call() -> None:
        answers.append(send(server, tokens["shop"], "burst", **ORDER))

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cases_of(fd, "order_intake") == 1
    assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
    delivered = [a for a in answers if a.status_code == 200 and REPLAYED not in a.headers]
    assert len(delivered) == 1
    assert all(a.json() == delivered[0].json() for a in answers if a.status_code == 200)


def test_a_call_that_loses_the_key_to_another_reads_its_answer(server, tokens, fd, deployed,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    """The path of the call that fails on the unique key (on PostgreSQL, after the other one
    committed): its own work rolled back, the other's answer read in a fresh unit of work; a
    key nobody has stored after all (the other call rolled back) is a 409 to try again."""
    first = send(server, tokens["shop"], "race", **ORDER)
    looked = idempotency._stored

    def missed_once(uow, sender, key):  # type: ignore[no-untyped-def]
        monkeypatch.setattr(idempotency, "_stored", looked)
        return None  # as if the other call had not committed when this one looked

    monkeypatch.setattr(idempotency, "_stored", missed_once)
    lost = send(server, tokens["shop"], "race", **ORDER)
    assert lost.status_code == 200, lost.text
    assert lost.headers[REPLAYED] == "true" and lost.json() == first.json()
    assert cases_of(fd, "order_intake") == 1

    def taken(*_args):  # type: ignore[no-untyped-def]
        raise idempotency._Taken()

    monkeypatch.setattr(idempotency, "_claim", taken)
    busy = server.post("/api/v1/messages", tokens["shop"], json=ORDER, headers={
        "Idempotency-Key": "fresh", "Accept-Language": "en"})
    assert busy.status_code == 409, busy.text
    assert "try again" in busy.json()["detail"]
    assert cases_of(fd, "order_intake") == 1
    assert detail(server, tokens["admin"], first.json()["reached"][0]["instance_id"])[
        "business_key"] == "TB5"
