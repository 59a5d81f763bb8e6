"""Password guessing is slowed down per username, in the database so that every node sees it.

After ``MAX_FAILURES`` wrong passwords within ``WINDOW`` the name is locked for ``LOCK`` (the
right password is refused too, without being checked), and the answer says when to try again.
Unknown names are counted like real ones, so the lock does not reveal which names exist. A
successful sign-in clears the count.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.tables import SignInFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
_TABLE = SignInFailure.__table__


def locked_for(flowdesk, username: str) -> int:  # type: ignore[no-untyped-def]
    """Seconds until ``username`` may try again (0: not locked)."""
    with flowdesk.uow(read_only=True) as conn:
        until = conn.execute(select(_TABLE.c.locked_until)
                             .where(_TABLE.c.username == username)).scalar()
    if until is None:
        return 0
    left = (until - flowdesk.now()).total_seconds()
    return max(0, int(left) + (1 if left % 1 else 0))


def record_failure(flowdesk, username: str) -> None:  # type: ignore[no-untyped-def]
    """Count one wrong password; the ``MAX_FAILURES``-th in a window locks the name. Two
    first failures at once both insert: the loser counts again on the row the winner made."""
    try:
        _count_failure(flowdesk, username)
    except IntegrityError:
        _count_failure(flowdesk, username)


def _count_failure(flowdesk, username: str) -> None:  # type: ignore[no-untyped-def]
    now: datetime = flowdesk.now()
    with flowdesk.uow() as conn:
        row = conn.execute(select(_TABLE.c.failures, _TABLE.c.first_failed_at)
                           .where(_TABLE.c.username == username).with_for_update()).first()
        if row is None:
            conn.execute(insert(_TABLE).values(username=username, failures=1,
                                               first_failed_at=now, locked_until=None))
            return
        failures = 1 if now - row.first_failed_at > WINDOW else row.failures + 1
        conn.execute(update(_TABLE).where(_TABLE.c.username == username).values(
            failures=failures,
            first_failed_at=now if failures == 1 else row.first_failed_at,
            locked_until=now + LOCK if failures >= MAX_FAILURES else None))


def clear(flowdesk, username: str) -> None:  # type: ignore[no-untyped-def]
    with flowdesk.uow() as conn:
        conn.execute(delete(_TABLE).where(_TABLE.c.username == username))
