"""Deleting what nobody needs any more: sessions that ended or expired, and sign-in failures the
throttle has forgotten, once ``RETENTION`` has passed; sent notifications (in-app ones once
read) after the notification retention (``Settings.notification_retention_days``, 90 days by
default); the idempotency keys of messages and signals once they no longer replay
(``services.idempotency.KEEP``, a day); finished cases by the admins' retention rules
(``services.retention``, in its own small batches). Tokens stay (revoked and expired ones are
listed for the audit trail); sessions do not need to: their start and end are in the audit
trail already. Notifications not yet delivered, failed or dead stay: a dead one waits in the
admin console until it is resent. Each run also keeps the query planner's statistics current
(``store.statistics``: ``PRAGMA optimize`` on SQLite), so the inbox keeps using its indexes as
the tables grow.

The ticker calls ``Housekeeping.run_if_due`` on every tick; it does the work at most every
``EVERY`` (per process). Deletes go in bounded batches, each its own short transaction, so a
large backlog never holds the write lock for long; they are idempotent deletes of rows no
request reads any more, so several nodes doing the same at once only find less to delete. On
PostgreSQL each batch is picked ``FOR UPDATE SKIP LOCKED``: a row a sign-in is counting on
just then is left for the next run instead of waited for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Column, ColumnElement, Table, and_, delete, or_, select, tuple_

from services import idempotency, retention, sign_in_throttle
from services.context import Flowdesk
from services.every import AtMostEvery
from store import statistics
from store.tables import IdempotencyKey, Notification, SignInFailure, UserSession
from store.uow import UnitOfWork

log = logging.getLogger("flowdesk.housekeeping")

EVERY = timedelta(minutes=5)
RETENTION = timedelta(days=1)
BATCH = 500
MAX_BATCHES = 20  # per table and run; the rest waits for the next run

_SESSIONS, _FAILURES = UserSession.__table__, SignInFailure.__table__
_OUTBOX, _KEYS = Notification.__table__, IdempotencyKey.__table__


def _done_notifications(cutoff: datetime) -> ColumnElement[bool]:
    """Sent before the cutoff (created before it too: the indexed column narrows the search),
    and, in the app, read."""
    return and_(_OUTBOX.c.state == "sent", _OUTBOX.c.created_at < cutoff,
                _OUTBOX.c.sent_at < cutoff,
                or_(_OUTBOX.c.channel != "in_app", _OUTBOX.c.read_at.is_not(None)))


def _pick_then_delete(uow: UnitOfWork, table: Table, keys: tuple[Column, ...],
                      where: ColumnElement[bool]) -> int:
    """One batch: the rows matching ``where`` picked (and locked) first, then deleted by their
    keys while they still match. PostgreSQL may scan a LIMITed ``IN (SELECT … SKIP LOCKED)``
    again for each row, and each scan skips the rows this very DELETE has just removed, so one
    statement would not bound the batch."""
    picked = uow.execute(select(*keys).where(where).limit(BATCH)
                         .with_for_update(skip_locked=True)).all()
    if not picked:
        return 0
    match = (keys[0].in_([row[0] for row in picked]) if len(keys) == 1
             else tuple_(*keys).in_([tuple(row) for row in picked]))
    return uow.execute(delete(table).where(match, where)).rowcount


def _in_batches(fd: Flowdesk, delete_batch: Callable[[UnitOfWork], int]) -> int:
    """Run ``delete_batch`` (at most ``BATCH`` rows) in short transactions of its own until
    it finds less than a batch, or ``MAX_BATCHES`` ran; how many rows went."""
    total = 0
    for _ in range(MAX_BATCHES):
        with fd.uow() as uow:
            done = delete_batch(uow)
        total += done
        if done < BATCH:
            break
    return total


def delete_old_sessions(fd: Flowdesk, now: datetime) -> int:
    """Delete sessions that expired (or ended) more than ``RETENTION`` ago; how many."""
    # An ended session expired at most its lifetime later, so the expiry alone (indexed)
    # finds every session that ended or expired before the cutoff, in time.
    old = _SESSIONS.c.expires_at < now - RETENTION
    return _in_batches(fd, lambda uow: _pick_then_delete(uow, _SESSIONS,
                                                         (_SESSIONS.c.id_hash,), old))


def delete_old_failures(fd: Flowdesk, now: datetime) -> int:
    """Delete sign-in failures the throttle no longer counts, ``RETENTION`` after that."""
    cutoff = now - sign_in_throttle.FORGET_AFTER - RETENTION
    old = _FAILURES.c.last_failed_at < cutoff  # checked again at the delete: not failed since
    return _in_batches(fd, lambda uow: _pick_then_delete(
        uow, _FAILURES, (_FAILURES.c.username, _FAILURES.c.client), old))


def delete_old_notifications(fd: Flowdesk, now: datetime) -> int:
    """Delete notifications sent (in-app: and read) more than the retention ago; how many."""
    cutoff = now - timedelta(days=fd.settings.notification_retention_days)
    return _in_batches(fd, lambda uow: _pick_then_delete(uow, _OUTBOX, (_OUTBOX.c.id,),
                                                         _done_notifications(cutoff)))


def delete_old_idempotency_keys(fd: Flowdesk, now: datetime) -> int:
    """Delete idempotency keys that no longer replay (``idempotency.KEEP`` old); how many."""
    old = _KEYS.c.created_at < now - idempotency.KEEP
    return _in_batches(fd, lambda uow: _pick_then_delete(uow, _KEYS,
                                                         (_KEYS.c.sender, _KEYS.c.key), old))


@dataclass
class Housekeeping:
    """When this process last cleaned up (a ticker owns one)."""

    every: AtMostEvery = field(default_factory=lambda: AtMostEvery(EVERY))

    def run_if_due(self, fd: Flowdesk) -> dict[str, int] | None:
        """Clean up if ``EVERY`` has passed since the last run; what was deleted, or None."""
        now = fd.now()
        if not self.every.due(now):
            return None
        deleted = {"sessions": delete_old_sessions(fd, now),
                   "sign_in_failures": delete_old_failures(fd, now),
                   "notifications": delete_old_notifications(fd, now),
                   "idempotency_keys": delete_old_idempotency_keys(fd, now),
                   "retention": sum(r["cases"] for r in retention.run(fd))}
        if any(deleted.values()):
            log.info("housekeeping deleted %s", deleted)
        statistics.refresh(fd.engine)
        return deleted
