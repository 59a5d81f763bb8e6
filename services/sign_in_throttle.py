"""Password guessing is slowed down per username AND client address, in the database so that
every node sees it, and without ever locking the name itself.

A client's first ``FREE_FAILURES`` wrong passwords for a name cost nothing; after each further
one that client must wait before trying that name again, ``FIRST_DELAY`` doubling per failure
up to ``MAX_DELAY`` (an attempt during the wait is answered with the time left and not
checked). Failures are forgotten ``FORGET_AFTER`` the last one, and the right password clears
the pair. Another client, the name's owner at their own desk, is not held back: an attacker
hammering the admin's name from one address cannot stop the admin signing in from another.
Unknown names are counted like real ones, so the delay does not reveal which names exist.

Password spraying (one password tried against many names) is slowed per address too: once an
address has failed for more than ``FREE_NAMES`` different names within ``FORGET_AFTER``, it
waits before trying ANY name, ``FIRST_DELAY`` doubling per further name up to ``MAX_DELAY``
after its latest failure. This, too, holds back only that address: a name's owner elsewhere,
and every address that has not failed, sign in as before (an office behind one NAT address
gets a few free typos per person before anyone waits a second).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.tables import SignInFailure

FREE_FAILURES = 3
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
FREE_NAMES = 5  # different names one address may fail for before it waits for all of them

_TABLE = SignInFailure.__table__


def _pair(username: str, client: str):  # type: ignore[no-untyped-def]
    return and_(_TABLE.c.username == username, _TABLE.c.client == client)


def delay_after(failures: int) -> timedelta:
    """How long a client waits after its ``failures``-th wrong password for one name."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_FAILURES - 1), MAX_DELAY)


def address_delay_after(names: int) -> timedelta:
    """How long an address waits, for every name, after failing for ``names`` different names."""
    if names <= FREE_NAMES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (names - FREE_NAMES - 1), MAX_DELAY)


def wait_for(flowdesk, username: str, client: str) -> int:  # type: ignore[no-untyped-def]
    """Seconds until ``client`` may try ``username`` again (0: now): the longer of the
    wait for this name and the address's wait for every name."""
    return max(waits(flowdesk, username, client))


def waits(flowdesk, username: str, client: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Seconds ``client`` must wait for ``username`` alone, and for any name (spraying)."""
    now: datetime = flowdesk.now()
    with flowdesk.uow(read_only=True) as conn:
        until = conn.execute(select(_TABLE.c.retry_at).where(_pair(username, client))).scalar()
        names, latest = conn.execute(
            select(func.count(), func.max(_TABLE.c.last_failed_at))
            .where(_TABLE.c.client == client,
                   _TABLE.c.last_failed_at > now - FORGET_AFTER)).one()
    by_name = _seconds(until - now) if until is not None else 0
    by_address = _seconds(latest + address_delay_after(names) - now) if names else 0
    return by_name, by_address


def _seconds(left: timedelta) -> int:
    return max(0, math.ceil(left.total_seconds()))


def record_failure(flowdesk, username: str, client: str) -> None:  # type: ignore[no-untyped-def]
    """Count one wrong password. Two first failures at once both insert: the loser counts
    again on the row the winner made."""
    try:
        _count_failure(flowdesk, username, client)
    except IntegrityError:
        _count_failure(flowdesk, username, client)


def _count_failure(flowdesk, username: str, client: str) -> None:  # type: ignore[no-untyped-def]
    now: datetime = flowdesk.now()
    with flowdesk.uow() as conn:
        row = conn.execute(select(_TABLE.c.failures, _TABLE.c.last_failed_at)
                           .where(_pair(username, client)).with_for_update()).first()
        if row is None:
            conn.execute(insert(_TABLE).values(username=username, client=client, failures=1,
                                               last_failed_at=now, retry_at=now))
            return
        failures = 1 if now - row.last_failed_at > FORGET_AFTER else row.failures + 1
        conn.execute(update(_TABLE).where(_pair(username, client)).values(
            failures=failures, last_failed_at=now, retry_at=now + delay_after(failures)))


def clear(flowdesk, username: str, client: str) -> None:  # type: ignore[no-untyped-def]
    """A correct password: this client starts afresh for this name."""
    with flowdesk.uow() as conn:
        conn.execute(delete(_TABLE).where(_pair(username, client)))

