"""Deleting what nobody needs any more: sessions that ended or expired, and sign-in failures
the throttle has forgotten, once ``RETENTION`` has passed. Tokens stay (revoked and expired
ones are listed for the audit trail); sessions do not need to: their start and end are in the
audit trail already.

The ticker calls ``Housekeeping.run_if_due`` on every tick; it does the work at most every
``EVERY`` (per process). Deletes go in bounded batches, each its own short transaction, so a
large backlog never holds the write lock for long; they are idempotent deletes of rows no
request reads any more, so several nodes doing the same at once only find less to delete. On
PostgreSQL each batch is picked ``FOR UPDATE SKIP LOCKED``: a row a sign-in is counting on
just then is left for the next run instead of waited for.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, tuple_

from services import sign_in_throttle
from services.context import Flowdesk
from store.tables import SignInFailure, UserSession

log = logging.getLogger("flowdesk.housekeeping")

EVERY = timedelta(minutes=5)
RETENTION = timedelta(days=1)
BATCH = 500
MAX_BATCHES = 20  # per table and run; the rest waits for the next run

_SESSIONS, _FAILURES = UserSession.__table__, SignInFailure.__table__


def _old_sessions(cutoff: datetime):  # type: ignore[no-untyped-def]
    # An ended session expired at most its lifetime later, so the expiry alone (indexed)
    # finds every session that ended or expired before the cutoff, in time.
    return (select(_SESSIONS.c.id_hash).where(_SESSIONS.c.expires_at < cutoff)
            .limit(BATCH).with_for_update(skip_locked=True).scalar_subquery())


def _old_failures(cutoff: datetime):  # type: ignore[no-untyped-def]
    return (select(_FAILURES.c.username, _FAILURES.c.client)
            .where(_FAILURES.c.last_failed_at < cutoff).limit(BATCH)
            .with_for_update(skip_locked=True))


def delete_old_sessions(fd: Flowdesk, now: datetime) -> int:
    """Delete sessions that expired (or ended) more than ``RETENTION`` ago; how many."""
    cutoff, total = now - RETENTION, 0
    for _ in range(MAX_BATCHES):
        with fd.uow() as uow:
            done = uow.execute(delete(_SESSIONS).where(
                _SESSIONS.c.id_hash.in_(_old_sessions(cutoff)))).rowcount
        total += done
        if done < BATCH:
            break
    return total


def delete_old_failures(fd: Flowdesk, now: datetime) -> int:
    """Delete sign-in failures the throttle no longer counts, ``RETENTION`` after that."""
    cutoff, total = now - sign_in_throttle.FORGET_AFTER - RETENTION, 0
    for _ in range(MAX_BATCHES):
        with fd.uow() as uow:
            done = uow.execute(delete(_FAILURES).where(
                tuple_(_FAILURES.c.username, _FAILURES.c.client).in_(_old_failures(cutoff)),
                _FAILURES.c.last_failed_at < cutoff)).rowcount  # not one failed again since
        total += done
        if done < BATCH:
            break
    return total


@dataclass
class Housekeeping:
    """When this process last cleaned up (a ticker owns one)."""

    last_run: datetime | None = None

    def run_if_due(self, fd: Flowdesk) -> dict[str, int] | None:
        """Clean up if ``EVERY`` has passed since the last run; what was deleted, or None."""
        now = fd.now()
        if self.last_run is not None and now - self.last_run < EVERY:
            return None
        self.last_run = now
        deleted = {"sessions": delete_old_sessions(fd, now),
                   "sign_in_failures": delete_old_failures(fd, now)}
        if any(deleted.values()):
            log.info("housekeeping deleted %s", deleted)
        return deleted
