"""``/ready``: can this node take traffic? The database answers, the scheduler ticks, and
due work is not piling up.

The scheduler's heartbeat is one ``app_settings`` row (``scheduler.heartbeat``) that any
ticker of the installation writes, at most every ``HEARTBEAT_EVERY`` seconds (``beat``), so a
node serving with ``--no-ticker`` next to ``flowdesk worker`` processes is ready as long as one
of them ticks. With ``FLOWDESK_SCHEDULER=off`` the heartbeat is not looked at.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from services.context import Flowdesk
from services.every import AtMostEvery
from store.tables import DueWork
from store.tables_access import AppSetting

HEARTBEAT_KEY = "scheduler.heartbeat"
HEARTBEAT_EVERY = timedelta(seconds=5)
DATABASE_TIMEOUT_MS = 2000

settings_table = AppSetting.__table__
due = DueWork.__table__


@dataclass
class Heartbeat:
    """A ticker's record of its last tick; writes the row only every ``HEARTBEAT_EVERY``."""

    every: AtMostEvery = field(default_factory=lambda: AtMostEvery(HEARTBEAT_EVERY))

    def beat(self, fd: Flowdesk) -> bool:
        now = fd.now()
        if not self.every.due(now):
            return False
        write_heartbeat(fd, now)
        return True


def write_heartbeat(fd: Flowdesk, at: datetime) -> None:
    value = at.astimezone(timezone.utc).isoformat()
    try:
        with fd.uow() as conn:
            changed = conn.execute(update(settings_table)
                                   .where(settings_table.c.key == HEARTBEAT_KEY)
                                   .values(value=value)).rowcount
            if not changed:
                conn.execute(insert(settings_table).values(key=HEARTBEAT_KEY, value=value))
    except IntegrityError:  # another ticker inserted it first: its beat is as good as ours
        pass


def last_heartbeat(conn) -> datetime | None:  # type: ignore[no-untyped-def]
    raw = conn.execute(select(settings_table.c.value)
                       .where(settings_table.c.key == HEARTBEAT_KEY)).scalar()
    return datetime.fromisoformat(raw) if raw else None


def check(fd: Flowdesk) -> dict[str, dict]:
    """Each check's outcome: ``{"ok": bool, ...details}``; ready when all are ok."""
    s = fd.settings
    now = fd.now()
    checks: dict[str, dict] = {}
    try:
        with fd.uow(read_only=True) as conn:
            if conn.connection.dialect.name == "postgresql":
                conn.execute(text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}"))
            conn.execute(text("SELECT 1"))
            checks["database"] = {"ok": True}
            backlog = conn.execute(select(func.count()).where(
                due.c.state == "pending", due.c.due_at < now)).scalar_one()
            beat = last_heartbeat(conn) if s.scheduler_enabled else None
    except SQLAlchemyError as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return checks
    checks["backlog"] = {"ok": backlog <= s.ready_max_backlog, "due": backlog,
                         "max": s.ready_max_backlog}
    if s.scheduler_enabled:
        limit = max(s.ready_max_tick_age, 3 * s.scheduler_interval)
        age = (now - beat).total_seconds() if beat is not None else None
        checks["scheduler"] = {"ok": age is not None and age <= limit,
                               "last_tick": beat.isoformat() if beat else None,
                               "age_seconds": round(age, 3) if age is not None else None,
                               "max_age_seconds": limit}
    return checks
