"""Quiet hours: a subscription that follows a business calendar gets nothing outside its open
time. Its messages are held until the next opening and then go out as one digest per
subscription (``digest_key``); urgent ones (an SLA breach) go at once."""
from __future__ import annotations

from datetime import datetime

from services.context import Flowdesk
from store.uow import UnitOfWork


def when(uow: UnitOfWork, fd: Flowdesk, sub: dict, now: datetime,
         urgent: bool) -> tuple[str, datetime, str | None]:
    """(state, next_attempt_at, digest_key) of a new row for this subscription."""
    if urgent or not sub.get("calendar"):
        return "pending", now, None
    calendar = fd.sla.calendar_named(uow, sub["calendar"])
    if calendar.is_open(now):
        return "pending", now, None
    opening = calendar.next_open(now)
    return "held", opening, f"sub:{sub['id']}:{opening.isoformat()}"
