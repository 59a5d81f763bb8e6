"""The due-work table: what must happen at a time, written in the same transaction as its cause.

After every instance save its armed BPMN timers are mirrored here (SpiffWorkflow only reports
due times; it never wakes itself up). Deploying a definition with a timer start event arms its
first scheduled start. SLA clocks arm their next warning, breach or escalation. The due runner
(``services.due_runner``, called by the host's ticker) claims and fires rows; nothing else
deletes them, so the table is also the record of what fired when and how late.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from engine.timers import ArmedTimer, StartSchedule

from store.fast_sql import Prepared
from store.queries import one_of
from store.tables import DueWork
from store.uow import UnitOfWork

due = DueWork.__table__

PENDING_TIMERS_OF = select(due.c.id, due.c.ref, due.c.due_at).where(
    due.c.instance_id == bindparam("for_instance"), due.c.kind == "timer",
    due.c.state == "pending")

CANCEL_TIMERS_OF = due.update().where(
    due.c.instance_id == bindparam("for_instance"), due.c.kind == "timer",
    due.c.state == "pending").values(state="cancelled")

# every instance that ends runs it: on the driver's cursor (``store.fast_sql``)
CANCEL_ALL_OF = Prepared(due.update().where(
    due.c.instance_id == bindparam("for_instance"),
    one_of(due.c.state, ("pending", "failed", "suspended"))).values(state="cancelled"))

INSERT = due.insert()

MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (5, 30, 120, 600)


def sync_timers(conn: UnitOfWork, instance_id: int, timers: list[ArmedTimer], now: datetime,
                known_empty: bool = False) -> None:
    """Make the instance's pending timer rows match what the engine has armed.

    ``known_empty``: the instance had no pending timer rows (it was just created), so the read
    is skipped. With nothing armed, one UPDATE clears whatever was pending.
    """
    if not timers:
        if not known_empty:
            conn.execute(CANCEL_TIMERS_OF, {"for_instance": instance_id})
        return
    existing = ({} if known_empty else
                {r.ref: r for r in conn.execute(PENDING_TIMERS_OF, {"for_instance": instance_id})})
    wanted = {t.guid: t for t in timers}
    gone = [r.id for ref, r in existing.items() if ref not in wanted]
    if gone:
        conn.execute(due.update().where(due.c.id.in_(gone)).values(state="cancelled"))
    for guid, timer in wanted.items():
        row = existing.get(guid)
        if row is None:
            conn.execute(INSERT, {
                "kind": "timer", "instance_id": instance_id, "definition_id": None,
                "ref": guid, "label": f"{timer.name} ({timer.kind})", "due_at": timer.due,
                "state": "pending", "attempts": 0, "payload": {"bpmn_id": timer.bpmn_id},
                "created_at": now})
        elif row.due_at != timer.due:
            conn.execute(due.update().where(due.c.id == row.id).values(due_at=timer.due))


def cancel_instance_work(conn: UnitOfWork, instance_id: int) -> None:
    """An instance ended or was cancelled: nothing of it may fire any more."""
    CANCEL_ALL_OF.rowcount(conn, {"for_instance": instance_id})


def arm_start(uow: UnitOfWork, definition_id: int, schedule: StartSchedule,
              anchor: datetime, after: datetime, now: datetime) -> datetime | None:
    """Arm the next scheduled start of a definition's timer start event, if there is one."""
    at = schedule.next_start(anchor, after)
    if at is not None:
        uow.execute(INSERT, {
            "kind": "start", "instance_id": None, "definition_id": definition_id,
            "ref": schedule.bpmn_id, "label": f"start ({schedule.kind} {schedule.value})",
            "due_at": at, "state": "pending", "attempts": 0,
            "payload": {"kind": schedule.kind, "value": schedule.value,
                        "anchor": anchor.isoformat()},
            "created_at": now})
    return at


def rearm_starts(uow: UnitOfWork, now: datetime) -> None:
    """Move every pending scheduled start to its first occurrence after ``now``: a clock set
    back or forward by hand (a scenario's start time) neither fires a start from the old time
    nor skips the next one."""
    rows = uow.execute(select(due.c.id, due.c.ref, due.c.payload).where(
        due.c.kind == "start", due.c.state == "pending")).mappings().all()
    for row in rows:
        payload = row["payload"]
        at = StartSchedule(row["ref"], payload["kind"], payload["value"]).next_start(
            datetime.fromisoformat(payload["anchor"]), now)
        uow.execute(due.update().where(due.c.id == row["id"]).values(
            due_at=at, state="pending" if at is not None else "cancelled"))


def cancel_starts_of_key(uow: UnitOfWork, definition_ids: list[int]) -> None:
    """A newer version took over a key's schedule: older versions start nothing more."""
    if definition_ids:
        uow.execute(due.update().where(due.c.kind == "start",
                                           due.c.definition_id.in_(definition_ids),
                                           due.c.state == "pending").values(state="cancelled"))


def arm_sla(conn: UnitOfWork, instance_id: int, clock_id: int, kind: str, at: datetime,
            level: int, now: datetime, label: str) -> None:
    conn.execute(INSERT, {
        "kind": "sla", "instance_id": instance_id, "definition_id": None, "ref": str(clock_id),
        "label": label, "due_at": at, "state": "pending", "attempts": 0,
        "payload": {"event": kind, "level": level}, "created_at": now})


def cancel_sla(conn: UnitOfWork, clock_ids: list[int]) -> None:
    if clock_ids:
        conn.execute(due.update().where(due.c.kind == "sla",
                                        due.c.ref.in_([str(i) for i in clock_ids]),
                                        due.c.state == "pending").values(state="cancelled"))


def record_failure(conn: UnitOfWork, row_id: int, attempts: int, error: str,
                   now: datetime, final: bool = False) -> bool:
    """Back off and try again later; after MAX_ATTEMPTS, or at once when ``final`` (trying
    again cannot help), the row fails (an admin retries it). Returns True when the row has now
    failed for good."""
    attempts += 1
    failed = final or attempts >= MAX_ATTEMPTS
    delay = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
    conn.execute(due.update().where(due.c.id == row_id).values(
        attempts=attempts, last_error=error[:2000],
        state="failed" if failed else "pending",
        due_at=now if failed else now + timedelta(seconds=delay)))
    return failed


def rearm_failed(conn: UnitOfWork, instance_id: int, now: datetime) -> int:
    """An admin's retry: failed rows of the instance become due now, with fresh attempts."""
    return conn.execute(due.update().where(due.c.instance_id == instance_id,
                                           due.c.state == "failed")
                        .values(state="pending", attempts=0, due_at=now)).rowcount
