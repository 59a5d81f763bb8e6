"""What a policy or calendar change would do to running clocks, computed without writing.

The admin console shows this before the admin confirms a change applied to running clocks
(``apply_to: running``): how many clocks move and by how much, and which open tasks would be
at risk or breached at once, with their case numbers. It summarises ``retime.plan`` (the
same plan a save applies) in a read-only unit of work.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from services.sla.clocks import SEVERITY
from services.sla.retime import Retimed
from store import queries as q
from store.uow import UnitOfWork

WORSE = ("at_risk", "breached")


def _moved(item: Retimed) -> timedelta | None:
    before, after = item.before.due_at, item.after.due_at
    if before is None or after is None:
        return None
    return after - before


def summary(conn: UnitOfWork, planned: list[Retimed], now: datetime) -> dict:
    """Counts, the spread of the moves (seconds, later is positive) and the tasks that turn
    at risk or breached because of the change, soonest due first."""
    moves = [m for m in (_moved(item) for item in planned) if m]
    worse = [item for item in planned
             if item.after.sla_state in WORSE
             and SEVERITY[item.after.sla_state] > SEVERITY.get(item.before.sla_state, 0)]
    tasks = _tasks(conn, {item.row["task_id"] for item in worse if item.row["task_id"]})
    cases = _cases(conn, {item.row["instance_id"] for item in worse})
    listed = [{
        "clock_id": item.row["id"], "kind": item.row["kind"],
        "instance_id": item.row["instance_id"], "case_no": cases.get(item.row["instance_id"]),
        "task_id": item.row["task_id"],
        "task_name": tasks.get(item.row["task_id"]),
        "sla_state_before": item.before.sla_state, "sla_state": item.after.sla_state,
        "due_at_before": item.before.due_at, "due_at": item.after.due_at,
    } for item in sorted(worse, key=lambda i: (i.after.due_at is None, i.after.due_at or now))]
    return {
        "clocks_changed": len(planned),
        "clocks_moved": len(moves),
        "earlier": sum(1 for m in moves if m < timedelta(0)),
        "later": sum(1 for m in moves if m > timedelta(0)),
        "largest_earlier_seconds": int(-min(moves).total_seconds()) if moves and min(moves) < timedelta(0) else 0,
        "largest_later_seconds": int(max(moves).total_seconds()) if moves and max(moves) > timedelta(0) else 0,
        "at_risk": sum(1 for i in worse if i.after.sla_state == "at_risk"),
        "breached": sum(1 for i in worse if i.after.sla_state == "breached"),
        "tasks": listed,
    }


def _tasks(conn: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {r.id: r.name for r in conn.execute(
        select(q.tasks.c.id, q.tasks.c.name).where(q.tasks.c.id.in_(ids)))}


def _cases(conn: UnitOfWork, ids: set[int]) -> dict[int, str | None]:
    if not ids:
        return {}
    return {r.id: r.case_no for r in conn.execute(
        select(q.instances.c.id, q.instances.c.case_no).where(q.instances.c.id.in_(ids)))}

