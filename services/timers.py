"""Fire one due row: a BPMN timer of an instance, or a scheduled start of a definition.

Each handler runs inside the ticker's unit of work (a savepoint per row) and says what came of
the row (``Fired``); live workflows are parked only once that unit of work has committed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import RowMapping, bindparam, select

from engine.timers import StartSchedule

from services import audit, due_work
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, step
from services.instances import start_in
from store import queries as q
from store.tables import DueWork
from store.uow import UnitOfWork

SCHEDULER = "scheduler"
due = DueWork.__table__

LOCK_INSTANCE = (select(q.instances.c.id, q.instances.c.definition_id, q.instances.c.process_key,
                        q.instances.c.business_key, q.instances.c.status,
                        q.instances.c.version)
                 .where(q.instances.c.id == bindparam("instance_id"))
                 .with_for_update(skip_locked=True))

STILL_PENDING = select(due.c.state).where(due.c.id == bindparam("row_id"))

MARK_DONE = due.update().where(due.c.id == bindparam("row_id")).values(
    state="done", fired_at=bindparam("fired_at"), fired_by=bindparam("node"))


# What firing one row came to: fired, skipped (settled meanwhile), busy (its instance is locked
# by another node: tried next tick), held (its instance is in error), failed (it raised).
Fired = Literal["fired", "skipped", "busy", "held", "failed"]


def mark_done(conn: UnitOfWork, row: RowMapping, now: datetime, node: str) -> None:
    conn.execute(MARK_DONE, {"row_id": row["id"], "fired_at": now, "node": node})


def lock_instance(conn: UnitOfWork, instance_id: int) -> RowMapping | None:
    """The instance row, locked for this transaction (PostgreSQL), or None if another node holds
    it right now: that row is left pending and tried on the next tick, never waited for."""
    return conn.execute(LOCK_INSTANCE, {"instance_id": instance_id}).mappings().first()


def still_pending(conn: UnitOfWork, row: RowMapping) -> bool:
    """Firing an earlier row of the same batch may have settled this one (one refresh fires
    every due timer of an instance, and the sync cancels their rows)."""
    return conn.execute(STILL_PENDING, {"row_id": row["id"]}).scalar_one() == "pending"


def fire_timer(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
               node: str) -> Fired:
    if not still_pending(conn, row):
        return "skipped"
    instance = lock_instance(conn, row["instance_id"])
    if instance is None and conn.execute(q.INSTANCE_HEAD,
                                         {"instance_id": row["instance_id"]}).first():
        return "busy"
    if instance is None or instance["status"] in FINAL_STATUSES:
        conn.execute(due.update().where(due.c.id == row["id"]).values(state="cancelled"))
        return "skipped"
    if instance["status"] == "suspended":  # fires after the resume (services.suspension)
        conn.execute(due.update().where(due.c.id == row["id"]).values(state="suspended"))
        return "held"
    if instance["status"] == "error":
        # An instance in error does not move; its timers wait until an admin retries it.
        conn.execute(due.update().where(due.c.id == row["id"]).values(state="failed",
                     last_error="the instance is in error"))
        return "held"
    mark_done(conn, row, now, node)  # first: a cycle's next period gets a new row in the sync
    result, _ = step(conn, fd, instance, fd.runtime.fire_due_timers, now)
    audit.record(conn, now, SCHEDULER, "timer.fired", instance_id=instance["id"], after={
        "due_work_id": row["id"], "timer": row["label"], "task_guid": row["ref"],
        "due_at": row["due_at"].isoformat(), "late_ms": _late_ms(row, now),
        "instance_status": result.status})
    return "fired"


def fire_start(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
               node: str) -> Fired:
    """A timer start event's occurrence: a new instance, then the next occurrence armed."""
    definition = conn.execute(q.DEFINITION_HEAD, {"definition_id": row["definition_id"]}
                              ).mappings().first()
    latest = (conn.execute(q.LATEST_DEFINITION, {"key": definition["key"]}).mappings().first()
              if definition is not None else None)
    if definition is None or latest["id"] != definition["id"]:
        conn.execute(due.update().where(due.c.id == row["id"]).values(state="cancelled"))
        return "skipped"
    detail = start_in(conn, fd, SCHEDULER, definition, None, {}, now, start_event=row["ref"])
    mark_done(conn, row, now, node)
    payload = row["payload"]
    schedule = StartSchedule(row["ref"], payload["kind"], payload["value"])
    following = due_work.arm_start(conn, definition["id"], schedule,
                                   datetime.fromisoformat(payload["anchor"]), now, now)
    audit.record(conn, now, SCHEDULER, "timer.start_fired", instance_id=detail["id"],
                 definition_id=definition["id"], after={
                     "due_work_id": row["id"], "due_at": row["due_at"].isoformat(),
                     "late_ms": _late_ms(row, now),
                     "next_start": following.isoformat() if following else None})
    return "fired"


def _late_ms(row: RowMapping, now: datetime) -> int:
    return int((now - row["due_at"]).total_seconds() * 1000)
