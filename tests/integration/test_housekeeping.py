"""The ticker's housekeeping deletes what nobody reads any more, at most every few minutes and
in bounded batches: sessions a day after they ended or expired, sign-in failures a day after
the throttle forgot them, notifications sent (in-app: and read) longer ago than the retention.
Live sessions, recent failures, every token (revoked and expired ones too: they are listed for
the audit trail) and notifications unread, undelivered or dead stay."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from host.ticker import Ticker
from services import housekeeping, sessions, sign_in_throttle
from services.api_tokens import list_tokens, revoke_token
from services.authentication import principal_for_session, principal_for_token
from store.tables import Notification, SignInFailure, UserSession


def _count(fd, table) -> int:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return int(uow.scalar(select(func.count()).select_from(table.__table__)))


def test_old_sessions_and_failures_go_live_ones_and_tokens_stay(fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    agent = principal_for_token(fd, tokens["agent"])
    ended = sessions.start(fd, agent)
    sessions.end(fd, ended, "agent")
    expired = sessions.start(fd, agent)
    sign_in_throttle.record_failure(fd, "agent", "192.0.2.1")
    revoke_token(fd, list_tokens(fd, "agent")[0]["id"])
    clock.advance(hours=30)
    live = sessions.start(fd, agent)  # lives until 42 h
    sign_in_throttle.record_failure(fd, "agent", "192.0.2.2")
    clock.advance(hours=7)  # the first two sessions expired (at 12 h) more than a day ago
    assert _count(fd, UserSession) == 3 and _count(fd, SignInFailure) == 2

    keeper = housekeeping.Housekeeping()
    assert keeper.run_if_due(fd) == {"sessions": 2, "sign_in_failures": 1,
                                     "notifications": 0, "idempotency_keys": 0,
                                     "retention": 0}
    assert principal_for_session(fd, live) is not None
    assert principal_for_session(fd, expired) is None
    assert _count(fd, UserSession) == 1 and _count(fd, SignInFailure) == 1
    assert list_tokens(fd, "agent")[0]["state"] == "revoked"  # tokens are kept

    clock.advance(minutes=4)  # within EVERY nothing runs again
    assert keeper.run_if_due(fd) is None
    clock.advance(hours=19)  # the second failure was forgotten more than a day ago
    assert keeper.run_if_due(fd) == {"sessions": 0, "sign_in_failures": 1,
                                     "notifications": 0, "idempotency_keys": 0,
                                     "retention": 0}
    clock.advance(hours=11)  # the live session expired more than a day ago
    assert keeper.run_if_due(fd) == {"sessions": 1, "sign_in_failures": 0,
                                     "notifications": 0, "idempotency_keys": 0,
                                     "retention": 0}
    assert _count(fd, UserSession) == 0 and _count(fd, SignInFailure) == 0


def test_a_backlog_is_deleted_in_batches(fd, tokens, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(housekeeping, "BATCH", 3)
    monkeypatch.setattr(housekeeping, "MAX_BATCHES", 2)
    for i in range(8):
        sign_in_throttle.record_failure(fd, f"name{i}", "192.0.2.9")
    clock.advance(days=2)
    batches = []
    fd.db.observers.append(batches.append)
    try:
        assert housekeeping.delete_old_failures(fd, fd.now()) == 6  # two batches of three
    finally:
        fd.db.observers.remove(batches.append)
    assert len([unit for unit in batches if unit.committed]) == 2  # each its own transaction
    assert housekeeping.delete_old_failures(fd, fd.now()) == 2
    assert _count(fd, SignInFailure) == 0


def _notifications(fd, **rows: dict) -> None:  # type: ignore[no-untyped-def]
    """Outbox rows by subject, as the fan-out and the sender leave them (now, by the clock)."""
    now = fd.now()
    base = {"created_at": now, "kind": "group_queue", "recipient": "agent", "body": {},
            "channel": "email", "target": {"address": "a@example.com"}, "state": "sent",
            "sent_at": now, "attempts": 1, "urgent": False, "lang": "zh", "read_at": None}
    with fd.uow() as uow:
        uow.execute(Notification.__table__.insert(),
                    [{**base, "subject": subject, **row} for subject, row in rows.items()])


def _subjects(fd) -> set[str]:  # type: ignore[no-untyped-def]
    with fd.uow(read_only=True) as uow:
        return set(uow.execute(select(Notification.subject)).scalars())


def test_sent_and_read_notifications_go_after_the_retention(fd, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert fd.settings.notification_retention_days == 90  # the default
    in_app = {"channel": "in_app", "target": None}
    _notifications(fd, mailed={}, read={**in_app, "read_at": clock.now()}, unread=in_app,
                   dead={"state": "dead", "sent_at": None, "last_error": "550 refused"},
                   retrying={"state": "failed", "sent_at": None,
                             "next_attempt_at": clock.now() + timedelta(days=200)})
    clock.advance(days=10)
    _notifications(fd, later={})
    clock.advance(days=80, seconds=-1)  # the first rows are not quite 90 days old
    keeper = housekeeping.Housekeeping()
    assert keeper.run_if_due(fd)["notifications"] == 0
    clock.advance(seconds=2)
    assert housekeeping.delete_old_notifications(fd, fd.now()) == 2
    assert _subjects(fd) == {"unread", "dead", "retrying", "later"}

    monkeypatch.setattr(fd.settings, "notification_retention_days", 30)
    assert housekeeping.delete_old_notifications(fd, fd.now()) == 1  # "later", 80 days old
    clock.advance(days=365)
    assert housekeeping.delete_old_notifications(fd, fd.now()) == 0
    assert _subjects(fd) == {"unread", "dead", "retrying"}  # each still waits for someone


def test_old_notifications_go_in_batches(fd, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(housekeeping, "BATCH", 2)
    monkeypatch.setattr(housekeeping, "MAX_BATCHES", 2)
    _notifications(fd, **{f"n{i}": {} for i in range(5)})
    clock.advance(days=91)
    assert housekeeping.delete_old_notifications(fd, fd.now()) == 4  # two batches of two
    assert housekeeping.delete_old_notifications(fd, fd.now()) == 1
    assert _subjects(fd) == set()


def test_the_ticker_does_the_housekeeping(fd, tokens, clock) -> None:  # type: ignore[no-untyped-def]
    sign_in_throttle.record_failure(fd, "agent", "192.0.2.3")
    clock.advance(days=2)
    ticker = Ticker(fd, interval=60)  # not started: ticked by hand
    ticker.tick()
    assert _count(fd, SignInFailure) == 0
    assert ticker.housekeeping.every.last == fd.now()
    assert timedelta(minutes=1) < housekeeping.EVERY <= timedelta(minutes=10)
