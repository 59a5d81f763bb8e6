"""Fire an SLA clock's due event: a warning, the breach, or an escalation level and its actions.

Runs in the scheduler's transaction like a BPMN timer. The clock's next event is recomputed
from its stored state first, so a row armed before an admin changed the policy or calendar
does nothing stale: it is re-armed for the right time instead.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select

from engine import sla
from engine.errors import EventNotCaught

from services import audit, metrics
from services.context import Flowdesk
from services.due_work import due
from services.engine_step import step
from services.sla.clocks import clocks, on_task_claimed, store, sync_task
from services.timers import Fired, lock_instance, mark_done, still_pending
from store import queries as q
from store.uow import UnitOfWork

SCHEDULER = "scheduler"


def fire_sla(conn: UnitOfWork, fd: Flowdesk, row: RowMapping, now: datetime,
             node: str) -> Fired:
    if not still_pending(conn, row):
        return "skipped"
    clock = conn.execute(select(clocks).where(clocks.c.id == int(row["ref"]))
                         ).mappings().first()
    if clock is None or clock["status"] != "running":
        conn.execute(q_cancel(row))
        return "skipped"
    policy = fd.sla.policy_by_id(conn, clock["policy_id"])
    state = sla.ClockState.from_dict(clock["clock"])
    calendar = fd.sla.calendar_of(conn, state)
    event = sla.next_event(state, policy, calendar)
    if event is None or event.at > now:
        conn.execute(q_cancel(row))
        store(conn, clock, state, policy, calendar, now, rearm=True)  # for the right time
        return "skipped"
    task = (conn.execute(q.TASK, {"task_id": clock["task_id"]}).mappings().first()
            if clock["task_id"] is not None else None)
    done: list[dict] = []
    if event.kind == "escalation":
        actions = policy.escalations[event.level - 1].actions
        for action in actions:
            done.append(_apply(conn, fd, action, clock, task, policy, now))
    else:
        done.append(_notify(conn, clock, task, policy, event.kind, now,
                            _default_recipient(task, clock)))
    state = sla.mark_fired(state, event, now)
    still = conn.execute(select(clocks.c.status).where(clocks.c.id == clock["id"])).scalar_one()
    if still != "stopped":  # a signal may have ended the task or instance meanwhile
        store(conn, clock, state, policy, calendar, now)
    if clock["task_id"] is not None:
        sync_task(conn, clock["task_id"])
    mark_done(conn, row, now, node)
    audit.record(conn, now, SCHEDULER, f"sla.{event.kind}", instance_id=clock["instance_id"],
                 task_id=clock["task_id"], after={
                     "policy": policy.name, "clock": clock["kind"], "level": event.level,
                     "due_at": row["due_at"].isoformat(), "actions": done,
                     "late_ms": int((now - row["due_at"]).total_seconds() * 1000)})
    if event.kind == "breach":
        metrics.count_breach(conn, policy.name)
    return "fired"


def q_cancel(row: RowMapping) -> Any:
    return due.update().where(due.c.id == row["id"]).values(state="cancelled")


def _default_recipient(task: RowMapping | None, clock: RowMapping) -> str:
    if task is not None:
        return task["assignee"] or task["candidate_group"] or "admins"
    return "admins"


def _apply(conn: UnitOfWork, fd: Flowdesk, action: dict, clock: RowMapping,
           task: RowMapping | None, policy: sla.SlaPolicy, now: datetime) -> dict:
    kind = action["type"]
    if kind == "notify":
        return _notify(conn, clock, task, policy, "escalation", now, action["to"],
                       action.get("message"))
    if kind in ("message", "signal"):
        return _send(conn, fd, clock["instance_id"], kind, action["name"], now)
    if task is None or task["state"] not in q.ACTIVE:
        return {**action, "skipped": "no open task"}
    values: dict[str, Any]
    if kind == "raise_priority":
        values = {"priority": max(task["priority"], action["priority"])}
    elif kind == "add_candidates":
        values = {"escalation_group": action["group"]}
    else:  # reassign
        values = {"assignee": action["user"], "state": "claimed", "claimed_at": now}
    conn.execute(q.tasks.update().where(q.tasks.c.id == task["id"]).values(**values))
    if kind == "reassign":
        on_task_claimed(conn, fd.sla, task["id"], now)
    return {**action, "applied": True}


def _notify(conn: UnitOfWork, clock: RowMapping, task: RowMapping | None,
            policy: sla.SlaPolicy, kind: str, now: datetime, recipient: str,
            message: str | None = None) -> dict:
    """Whom to tell, kept in the ``sla.*`` audit row's actions: the notification fan-out reads
    it from there (``services.notify.fanout``)."""
    what = f"task '{task['name']}' (#{task['id']})" if task is not None else \
        f"instance #{clock['instance_id']}"
    subject = message or {"warning": f"SLA '{policy.name}' at risk: {what}",
                          "breach": f"SLA '{policy.name}' breached: {what}"}.get(
        kind, f"SLA '{policy.name}' escalated: {what}")
    return {"type": "notify", "to": recipient, "subject": subject[:300]}


def _send(conn: UnitOfWork, fd: Flowdesk, instance_id: int, kind: str, name: str,
          now: datetime) -> dict:
    """Throw a BPMN message or signal into the instance and run it to its next wait."""
    instance = lock_instance(conn, instance_id)
    if instance is None or instance["status"] in ("completed", "cancelled", "error"):
        return {"type": kind, "name": name, "skipped": "instance not running"}
    try:
        result, _ = step(conn, fd, instance,
                         lambda parsed, wf: fd.runtime.send_event(parsed, wf, kind, name), now)
    except EventNotCaught as exc:  # nothing changed; the workflow is rebuilt when next needed
        return {"type": kind, "name": name, "skipped": str(exc)}
    return {"type": kind, "name": name, "instance_status": result.status}
