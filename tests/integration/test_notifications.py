"""The notification pipeline: audited events fanned out to subscribers and delivered
(``services.notify``), on SQLite and PostgreSQL with a fake clock and a recording channel; a row
claimed by a sender that died goes out once, after its lease."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from services import audit
from services.instance_errors import stop_in_error
from services.notify.fanout import fan_out_all
from services.notify.sender import BACKOFF_SECONDS, LEASE, MAX_ATTEMPTS, send_due
from store.tables import AuditEntry, Notification
from tests.conftest import RESOURCES, bundle
from tests.integration.conftest import deploy
from tests.notify_stubs import Recorder, install

OFFICE = {"timezone": "Asia/Shanghai", "country": None,
          "windows": {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
SHANGHAI = timezone(timedelta(hours=8))


@pytest.fixture(autouse=True)
def stubs() -> None:
    install()


@pytest.fixture
def task_id(server, tokens) -> int:  # type: ignore[no-untyped-def]
    """An open task in the Agent group's queue (three_steps' first step)."""
    assert deploy(server, tokens["admin"], bundle(RESOURCES / "three_steps")).status_code == 201
    started = server.post("/api/v1/instances", tokens["agent"], json={"process_key": "three_steps"})
    assert started.status_code == 201, started.text
    [task] = [t for t in started.json()["open_tasks"]]
    return task["id"]


def outbox(fd, **where) -> list[dict]:  # type: ignore[no-untyped-def]
    table = Notification.__table__
    query = select(table).order_by(table.c.id)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with fd.uow(read_only=True) as uow:
        return [dict(r) for r in uow.execute(query).mappings()]


def subscribe(server, token, **body) -> dict:  # type: ignore[no-untyped-def]
    made = server.post("/api/v1/me/subscriptions", token, json=body)
    assert made.status_code == 201, made.text
    return made.json()


def breach(fd, task: int) -> None:  # type: ignore[no-untyped-def]
    """What the SLA scheduler audits when a task's clock breaches (services.sla.escalations)."""
    with fd.uow() as uow:
        audit.record(uow, fd.now(), "scheduler", "sla.breach", task_id=task, after={
            "policy": "p", "actions": [{"type": "notify", "to": "Agent", "subject": "late"}]})


def one_email_queued(server, tokens, fd) -> dict:  # type: ignore[no-untyped-def]
    """agent subscribes to their group's queue by e-mail, then agent2 starts a case: the one
    e-mail row that makes (the fixture's own task fanned out first, before the subscription)."""
    fan_out_all(fd)
    subscribe(server, tokens["agent"], channel="email", target={"address": "a@example.com"},
              events=["group_queue"])
    assert server.post("/api/v1/instances", tokens["agent2"],
                       json={"process_key": "three_steps"}).status_code == 201
    fan_out_all(fd)
    [row] = outbox(fd, channel="email")
    return row


def test_routing_and_assignment_reach_people_in_the_app(server, tokens, fd, task_id) -> None:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        marks = dict(uow.execute(select(AuditEntry.action, AuditEntry.notify)
                                 .where(AuditEntry.task_id == task_id)).tuples().all())
    assert marks == {"task.opened": "pending"}
    fan_out_all(fd)
    queue = {n["recipient"] for n in outbox(fd, kind="group_queue", task_id=task_id)}
    assert {"agent2", "supervisor"} <= queue and "outsider" not in queue
    assert "agent" not in queue  # they started the case that opened it
    assert server.post(f"/api/v1/tasks/{task_id}/assign", tokens["admin"],
                       json={"user": "agent2"}).status_code == 200
    fan_out_all(fd)
    [mine] = outbox(fd, kind="assigned_to_me")
    assert (mine["recipient"], mine["channel"], mine["state"]) == ("agent2", "in_app", "sent")
    assert mine["body"]["instance_id"] and mine["body"]["task_name"] and mine["subject"].startswith("任务")

    bell = server.get("/api/v1/me/notifications", tokens["agent2"]).json()
    assert bell["unread"] == 2 and bell["items"][0]["kind"] == "assigned_to_me"
    read = server.post(f"/api/v1/me/notifications/{mine['id']}/read", tokens["agent2"])
    assert read.json() == {"marked": 1}
    assert server.get("/api/v1/me/notifications", tokens["agent2"]).json()["unread"] == 1
    assert server.post(f"/api/v1/me/notifications/{mine['id']}/read",
                       tokens["agent"]).status_code == 404  # not theirs
    assert server.post("/api/v1/me/notifications/read-all", tokens["agent2"]).json() == {"marked": 1}
    assert server.get("/api/v1/me/notifications", tokens["agent2"]).json()["unread"] == 0
    fan_out_all(fd)  # nothing fans out twice
    assert len(outbox(fd, kind="assigned_to_me")) == 1


def test_a_breach_reaches_a_subscribed_supervisors_channel_at_once(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                                  task_id) -> None:
    admin = tokens["admin"]
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin, json=OFFICE).ok
    clock.set(datetime(2026, 1, 5, 22, 0, tzinfo=SHANGHAI))  # quiet hours: urgent goes anyway
    sub = subscribe(server, tokens["supervisor"], channel="email",
                    target={"address": "boss@example.com"}, events=["sla_breach"],
                    calendar="office")
    breach(fd, task_id)
    fan_out_all(fd)
    [mail] = outbox(fd, channel="email")
    assert (mail["recipient"], mail["kind"], mail["urgent"], mail["state"]) == (
        "supervisor", "sla_breach", True, "pending")
    channel = Recorder()
    assert send_due(fd, send=channel) == 1
    [(name, target, message)] = channel.sent
    assert (name, target["address"], target["subscription"]) == ("email", "boss@example.com",
                                                                  sub["id"])
    assert outbox(fd, channel="email")[0]["state"] == "sent"
    assert send_due(fd, send=channel) == 0


def test_quiet_hours_hold_until_the_opening_then_send_one_digest(server, tokens, fd, clock,  # type: ignore[no-untyped-def]
                                                                task_id) -> None:
    admin = tokens["admin"]
    assert server.call("PUT", "/api/v1/admin/calendars/office", admin, json=OFFICE).ok
    made = server.post("/api/v1/admin/group-subscriptions", admin, json={
        "group": "Agent", "channel": "webhook", "events": ["group_queue"], "calendar": "office",
        "target": {"url": "https://qyapi.example.com/hook", "format": "wecom",
                   "secret": "wecom-key"}})
    assert made.status_code == 201, made.text
    fan_out_all(fd)  # the first task opened before the subscription was read: sent at 09:00 Mon
    clock.set(datetime(2026, 1, 5, 22, 0, tzinfo=SHANGHAI))
    for _ in range(2):
        assert server.post("/api/v1/instances", tokens["agent"],
                           json={"process_key": "three_steps"}).status_code == 201
    fan_out_all(fd)
    held = outbox(fd, channel="webhook", state="held")
    assert len(held) == 2 and {n["recipient"] for n in held} == {"group:Agent"}
    opening = datetime(2026, 1, 6, 9, 0, tzinfo=SHANGHAI)
    assert {n["next_attempt_at"] for n in held} == {opening}
    channel = Recorder()
    assert send_due(fd, send=channel) == 1  # the one fanned out in open time
    clock.set(opening - timedelta(minutes=1))
    assert send_due(fd, send=channel) == 0
    clock.set(opening)
    assert send_due(fd, send=channel) == 2
    assert len(channel.sent) == 2  # the 09:00 Monday one, then one digest of two
    assert "2" in channel.sent[1][2].subject or "2" in channel.sent[1][2].text
    assert {n["state"] for n in outbox(fd, channel="webhook")} == {"sent"}


def test_a_failing_channel_is_retried_with_backoff(server, tokens, fd, clock, task_id) -> None:  # type: ignore[no-untyped-def]
    row = one_email_queued(server, tokens, fd)
    channel = Recorder(fail=3)
    for attempt in range(3):
        assert send_due(fd, send=channel) == 0
        after = outbox(fd, id=row["id"])[0]
        assert (after["state"], after["attempts"]) == ("failed", attempt + 1)
        assert after["next_attempt_at"] == clock.now() + timedelta(seconds=BACKOFF_SECONDS[attempt])
        assert send_due(fd, send=channel) == 0  # not due yet
        clock.set(after["next_attempt_at"])
    assert send_due(fd, send=channel) == 1
    assert outbox(fd, id=row["id"])[0]["state"] == "sent" and len(channel.sent) == 1


def test_one_always_failing_ends_dead_and_is_resent(server, tokens, fd, clock, task_id) -> None:  # type: ignore[no-untyped-def]
    admin = tokens["admin"]
    row = one_email_queued(server, tokens, fd)
    broken = Recorder(fail=-1)
    for _ in range(MAX_ATTEMPTS):
        send_due(fd, send=broken)
        later = outbox(fd, id=row["id"])[0]["next_attempt_at"]
        if later is not None:
            clock.set(later)
    assert broken.calls == MAX_ATTEMPTS
    dead = server.get("/api/v1/admin/notifications?state=dead", admin).json()
    assert [(n["id"], n["attempts"]) for n in dead["items"]] == [(row["id"], MAX_ATTEMPTS)]
    assert "refused" in dead["items"][0]["last_error"]
    assert server.get("/api/v1/admin/notifications?state=zombie", admin).status_code == 422
    assert server.post(f"/api/v1/admin/notifications/{row['id']}/resend",
                       tokens["agent"]).status_code == 403
    again = server.post(f"/api/v1/admin/notifications/{row['id']}/resend", admin)
    assert again.status_code == 200 and again.json()["state"] == "pending"
    working = Recorder()
    assert send_due(fd, send=working) == 1 and len(working.sent) == 1
    assert server.get("/api/v1/admin/notifications?state=dead", admin).json()["total"] == 0


def test_subscriptions_are_checked_owned_and_audited(server, tokens, fd) -> None:  # type: ignore[no-untyped-def]
    bad = server.post("/api/v1/me/subscriptions", tokens["agent"], json={
        "channel": "email", "target": {"address": "nope"}, "events": ["everything"]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"target.address", "events"}
    assert "地址" in bad.json()["errors"][0]["message"] + bad.json()["errors"][1]["message"]
    mine = subscribe(server, tokens["agent"], channel="in_app", events=["assigned_to_me"])
    assert [s["id"] for s in server.get("/api/v1/me/subscriptions", tokens["agent"]).json()] == [
        mine["id"]]
    assert server.get("/api/v1/me/subscriptions", tokens["agent2"]).json() == []
    url = f"/api/v1/me/subscriptions/{mine['id']}"
    assert server.call("PATCH", url, tokens["agent2"], json={"active": False}).status_code == 403
    changed = server.call("PATCH", url, tokens["agent"], json={"events": ["group_queue"]})
    assert changed.status_code == 200 and changed.json()["events"] == ["group_queue"]
    assert server.post("/api/v1/admin/group-subscriptions", tokens["agent"], json={
        "group": "Agent", "channel": "email", "target": {"address": "a@x.cn"},
        "events": ["group_queue"]}).status_code == 403
    assert server.post("/api/v1/admin/group-subscriptions", tokens["admin"], json={
        "group": "Nobody", "channel": "email", "target": {"address": "a@x.cn"},
        "events": ["group_queue"]}).status_code == 422
    no_calendar = server.call("PATCH", url, tokens["agent"], json={"calendar": "nowhere"})
    assert no_calendar.status_code == 422
    assert no_calendar.json()["errors"][0]["field"] == "calendar"
    assert server.call("DELETE", url, tokens["agent"]).status_code == 204
    with fd.uow(read_only=True) as uow:
        actions = uow.execute(select(AuditEntry.action).where(
            AuditEntry.action.like("subscription.%")).order_by(AuditEntry.id)).scalars().all()
    assert actions == ["subscription.created", "subscription.updated", "subscription.deleted"]


@pytest.mark.parametrize("target", [
    {"url": "https://hooks.example/x/{{secret:ROBOT_KEY}}"},
    {"url": "https://hooks.example/x", "secret": "ROBOT_KEY"},
    {"url": "https://hooks.example/x", "format": "feishu", "msg_type": "{{secret:ROBOT_KEY}}"},
    {"url": "https://hooks.example/x?k={{ secret:bad name }}"}])
def test_only_admins_refer_to_stored_secrets_in_a_subscription(server, tokens, fd, target) -> None:  # type: ignore[no-untyped-def]
    """A webhook's URL gets the secret's value at sending: anyone but an admin could have an
    admin's secret sent to a server of their own."""
    assert server.call("PUT", "/api/v1/admin/secrets/ROBOT_KEY", tokens["admin"],
                       json={"value": "s3cret", "description": ""}).status_code == 201
    body = {"channel": "webhook", "target": target, "events": ["group_queue"]}
    refused = server.post("/api/v1/me/subscriptions", tokens["agent"], json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["errors"][0]["field"].startswith("target.")
    assert "密钥" in refused.json()["detail"]
    plain = subscribe(server, tokens["agent"], channel="webhook",
                      target={"url": "https://hooks.example/x"}, events=["group_queue"])
    changed = server.call("PATCH", f"/api/v1/me/subscriptions/{plain['id']}", tokens["agent"],
                          json={"target": target})
    assert changed.status_code == 403, changed.text
    assert server.get("/api/v1/me/subscriptions", tokens["agent"]).json()[0]["target"][
        "url"] == "https://hooks.example/x"
    assert server.post("/api/v1/me/subscriptions", tokens["admin"], json=body).status_code == 201
    assert server.post("/api/v1/admin/group-subscriptions", tokens["admin"],
                       json={**body, "group": "Agent"}).status_code == 201


def test_only_admins_send_webhooks_inside_the_network(server, tokens, fd, task_id) -> None:  # type: ignore[no-untyped-def]
    """An agent's webhook at 127.0.0.1 or the cloud metadata address made the server post
    there for them (server-side request forgery); a public host stays theirs to use."""
    for url in ("http://127.0.0.1:9/x", "http://169.254.169.254/latest/meta-data",
                "http://localhost:8080/", "http://[::1]/x", "https://10.0.0.5/hook",
                "http://192.168.1.20/x"):
        body = {"channel": "webhook", "target": {"url": url}, "events": ["group_queue"]}
        refused = server.post("/api/v1/me/subscriptions", tokens["agent"], json=body,
                              headers={"Accept-Language": "zh"})
        assert refused.status_code == 403, (url, refused.text)
        assert [e["field"] for e in refused.json()["errors"]] == ["target.url"]
        assert "内网" in refused.json()["errors"][0]["message"]
        assert server.post("/api/v1/me/subscriptions", tokens["admin"],
                           json=body).status_code == 201
    mine = subscribe(server, tokens["agent"], channel="webhook",
                     target={"url": "https://hooks.example/x"}, events=["group_queue"])
    moved = server.call("PATCH", f"/api/v1/me/subscriptions/{mine['id']}", tokens["agent"],
                        json={"target": {"url": "http://127.0.0.1:5000/"}})
    assert moved.status_code == 403, moved.text
    fan_out_all(fd)  # the agent's webhook row is marked for the check when it is sent
    assert server.post("/api/v1/instances", tokens["agent2"],
                       json={"process_key": "three_steps"}).status_code == 201
    fan_out_all(fd)
    [row] = outbox(fd, channel="webhook", recipient="agent")
    assert row["target"]["guarded"] is True


def test_an_incident_tells_the_admins(server, tokens, fd, task_id) -> None:  # type: ignore[no-untyped-def]
    task = server.get(f"/api/v1/tasks/{task_id}", tokens["agent"]).json()
    fan_out_all(fd)
    with fd.uow() as uow:
        stop_in_error(uow, task["instance_id"], fd.now(), kind="timer_failed", message="boom")
    fan_out_all(fd)
    told = outbox(fd, kind="incident")
    assert [(n["recipient"], n["channel"], n["instance_id"]) for n in told] == [
        ("admin", "in_app", task["instance_id"])]
    assert told[0]["body"]["details"]["message"] == "boom"


def test_a_lease_left_by_a_dead_sender_runs_out_and_the_row_is_sent(fd, clock) -> None:  # type: ignore[no-untyped-def]
    now = fd.now()
    base = {"created_at": now, "kind": "incident", "recipient": "admin", "subject": "x",
            "body": {}, "channel": "email", "target": {"address": "a@example.com"},
            "state": "sending", "attempts": 0, "urgent": False, "lang": "zh"}
    with fd.uow() as uow:
        uow.execute(Notification.__table__.insert(), [
            {**base, "subject": "mid-send", "next_attempt_at": now + timedelta(minutes=5)},
            {**base, "subject": "abandoned", "next_attempt_at": now - timedelta(seconds=1)}])
    channel = Recorder()
    assert send_due(fd, send=channel) == 1  # the lease still running is left alone
    assert [row["subject"] for row in outbox(fd, state="sent")] == ["abandoned"]
    clock.set(now + timedelta(minutes=5))
    assert send_due(fd, send=channel) == 1 and len(channel.sent) == 2


class SenderDied(BaseException):
    """A sender process ending mid-send (killed, out of memory): nothing of it catches this."""


def test_a_row_claimed_by_a_sender_that_died_is_sent_once_after_the_lease(  # type: ignore[no-untyped-def]
        server, tokens, fd, clock, task_id) -> None:
    row = one_email_queued(server, tokens, fd)

    def dies(*_args) -> None:  # type: ignore[no-untyped-def]
        raise SenderDied()
    with pytest.raises(SenderDied):
        send_due(fd, send=dies)  # claimed and leased, then the sender is gone
    claimed = outbox(fd, id=row["id"])[0]
    assert (claimed["state"], claimed["attempts"]) == ("sending", 0)
    assert claimed["next_attempt_at"] == clock.now() + LEASE

    channel = Recorder()
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert send_due(fd, send=channel) == 0 and channel.sent == []  # the lease still holds it
    clock.advance(seconds=1)
    assert send_due(fd, send=channel) == 1  # another sender takes it up
    assert [target["address"] for _, target, _ in channel.sent] == ["a@example.com"]
    sent = outbox(fd, id=row["id"])[0]
    # two attempts: the one its sender did not live through, and this one
    assert (sent["state"], sent["attempts"], sent["sent_at"]) == ("sent", 2, clock.now())
    clock.advance(seconds=2 * LEASE.total_seconds())
    assert send_due(fd, send=channel) == 0 and len(channel.sent) == 1  # exactly once


def test_a_message_that_stops_its_sender_every_time_ends_dead(fd, clock) -> None:  # type: ignore[no-untyped-def]
    """Each lease that runs out counts as an attempt: after MAX_ATTEMPTS the row is dead (in
    the admin console with why) instead of stopping a sender every ten minutes for ever."""
    now = fd.now()
    with fd.uow() as uow:
        uow.execute(Notification.__table__.insert(), [{
            "created_at": now, "kind": "incident", "recipient": "admin", "subject": "poison",
            "body": {}, "channel": "email", "target": {"address": "a@example.com"},
            "state": "pending", "attempts": 0, "urgent": False, "lang": "zh",
            "next_attempt_at": now}])

    def dies(*_args) -> None:  # type: ignore[no-untyped-def]
        raise SenderDied()
    for _ in range(MAX_ATTEMPTS):  # each try stops the sender; the next claim counts it
        with pytest.raises(SenderDied):
            send_due(fd, send=dies)
        clock.advance(seconds=LEASE.total_seconds())
    assert send_due(fd, send=dies) == 0  # not tried again: the last lease ran out
    [row] = outbox(fd, subject="poison")
    assert (row["state"], row["attempts"]) == ("dead", MAX_ATTEMPTS)
    assert "lease ran out" in row["last_error"]


def test_the_ticker_runs_the_pipeline(fd, task_id) -> None:  # type: ignore[no-untyped-def]
    from host.ticker import Ticker
    assert outbox(fd, kind="group_queue") == []
    Ticker(fd, interval=60).tick()  # not started: ticked by hand
    told = {n["recipient"] for n in outbox(fd, kind="group_queue")}
    assert "agent2" in told and "agent" not in told  # agent started the case


def test_an_event_another_process_fanned_out_meanwhile_is_not_written_twice(fd, task_id) -> None:  # type: ignore[no-untyped-def]
    """On SQLite the fan-out works out in a read and writes after it (services.notify.fanout):
    rows that were done by the time it writes are left alone."""
    from services.notify import fanout
    with fd.uow(read_only=True) as uow:
        events = fanout._work_out(uow, fd, fanout.PENDING.limit(10))
    written = sum(len(rows) for _, rows in events)
    assert written  # the fixture's task, for the Agent group
    assert fan_out_all(fd) == written  # the other process
    with fd.uow() as uow:
        assert fanout._write(uow, events) == 0
    assert len(outbox(fd, kind="group_queue")) == written


def test_the_outbox_rows_are_written_in_transactions_of_a_bounded_size() -> None:
    from services.notify.fanout import _chunks
    events = [(1, [{}] * 3), (2, [{}] * 3), (3, []), (4, [{}] * 7), (5, [{}])]
    assert [[a for a, _ in chunk] for chunk in _chunks(events, 6)] == [[1, 2, 3], [4], [5]]
