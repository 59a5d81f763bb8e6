"""SLA clocks of running work: armed when tasks and instances start, stopped, paused, stored.

Policies and calendars are data (``sla_policies``, ``business_calendars``, read through the
application's ``SlaBook``); the clock math is ``engine.sla``. Each armed clock is a
``sla_clocks`` row with its pure state, and has at most one pending ``due_work`` row: its next
warning, breach or escalation level. ``store`` writes a clock after every change with one
evaluation and one UPDATE, and touches its due-work row only when the next event moved. The
task shows its most urgent clock (``sync_task``), so task lists can filter on due time and SLA
state.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from engine import sla
from services import due_work
from services.sla.book import SlaBook
from store import queries as q
from store.fast_sql import Prepared
from store.tables import SlaClock
from store.uow import UnitOfWork

clocks = SlaClock.__table__
SYSTEM = "sla"

# Run on the driver's cursor (``store.fast_sql``): every claim, completion and end reads them.
LIVE_CLOCKS_OF_TASK = Prepared(select(clocks).where(
    clocks.c.task_id == bindparam("for_task"), clocks.c.status != "stopped"))
LIVE_CLOCKS_OF_INSTANCE = Prepared(select(clocks).where(
    clocks.c.instance_id == bindparam("for_instance"), clocks.c.status != "stopped"))
INSERT_CLOCK = clocks.insert().returning(clocks.c.id)
SUSPENDED = "suspended"  # the pause reason of a suspended instance (services.suspension)
SEVERITY = {"breached": 4, "at_risk": 3, "paused": 2, "ok": 1, "met": 0, "cancelled": 0}

Change = Callable[[Any, sla.ClockState, sla.Calendar], sla.ClockState]


def _matches(policy: sla.SlaPolicy, task: dict) -> bool:
    if policy.target == "task":
        return policy.target_ref == task["bpmn_id"]
    if policy.target == "lane":
        return policy.target_ref == task["candidate_group"]
    return False


def _armed(event: sla.ClockEvent | None) -> tuple[str | None, datetime | None]:
    """How an event is remembered on the clock row (``armed_event``, ``armed_at``)."""
    if event is None:
        return None, None
    return (f"{event.kind}:{event.level}" if event.level else event.kind), event.at


# -- arming and stopping ---------------------------------------------------------------------

def on_tasks_created(uow: UnitOfWork, book: SlaBook, instance: Any, tasks: list[dict],
                     now: datetime) -> None:
    """Arm first-response and resolution clocks for new human tasks."""
    if not tasks:
        return
    found = book.policies_for(uow, instance["process_key"])
    for task in tasks:
        armed = False
        for policy_id, policy in found:
            if not _matches(policy, task):
                continue
            if policy.clock == "first_response" and task["assignee"]:
                continue  # born claimed: responded to at once
            _arm(uow, book, policy_id, policy, instance["id"], task["id"], now)
            armed = True
        if armed:
            sync_task(uow, task["id"])


def on_instance_started(uow: UnitOfWork, book: SlaBook, instance: Any, now: datetime) -> None:
    for policy_id, policy in book.policies_for(uow, instance["process_key"]):
        if policy.target == "instance":
            _arm(uow, book, policy_id, policy, instance["id"], None, now)


def _arm(uow: UnitOfWork, book: SlaBook, policy_id: int, policy: sla.SlaPolicy,
         instance_id: int, task_id: int | None, now: datetime) -> None:
    """A new clock: one INSERT with its evaluated state, and its first due-work row."""
    calendar = book.calendar_named(uow, policy.calendar)
    state = sla.start_clock(policy, now, calendar)
    view = sla.evaluate(state, policy, calendar, now)
    armed_event, armed_at = _armed(view.next_event)
    clock_id = uow.execute(INSERT_CLOCK, {
        "policy_id": policy_id, "instance_id": instance_id, "task_id": task_id,
        "kind": policy.clock, "status": view.status, "sla_state": view.sla_state,
        "due_at": view.due_at, "escalation_level": state.escalation_level,
        "clock": state.to_dict(), "armed_event": armed_event, "armed_at": armed_at,
        "created_at": now, "updated_at": now}).scalar_one()
    if view.next_event is not None:
        _arm_due(uow, instance_id, clock_id, policy, view.next_event, now)


def _arm_due(uow: UnitOfWork, instance_id: int, clock_id: int, policy: sla.SlaPolicy,
             event: sla.ClockEvent, now: datetime) -> None:
    due_work.arm_sla(uow, instance_id, clock_id, event.kind, event.at, event.level, now,
                     f"{policy.name}: {event.kind}"
                     + (f" level {event.level}" if event.level else ""))


def store(uow: UnitOfWork, row: Any, state: sla.ClockState, policy: sla.SlaPolicy,
          calendar: sla.Calendar, now: datetime, rearm: bool = False) -> None:
    """Write a clock's new state (one evaluation, one UPDATE); its due-work row is cancelled
    and armed again only when the next event moved (or ``rearm``: the row was settled)."""
    view = sla.evaluate(state, policy, calendar, now)
    armed_event, armed_at = _armed(view.next_event)
    moved = rearm or (armed_event, armed_at) != (row["armed_event"], row["armed_at"])
    uow.execute(clocks.update().where(clocks.c.id == row["id"]).values(
        status=view.status, sla_state=view.sla_state, due_at=view.due_at,
        escalation_level=state.escalation_level, clock=state.to_dict(),
        armed_event=armed_event, armed_at=armed_at, updated_at=now))
    if moved:
        due_work.cancel_sla(uow, [row["id"]])
        if view.next_event is not None:
            _arm_due(uow, row["instance_id"], row["id"], policy, view.next_event, now)


def sync_task(uow: UnitOfWork, task_id: int) -> None:
    """The task shows its most urgent clock: earliest due time, worst SLA state."""
    rows = uow.execute(select(clocks.c.status, clocks.c.sla_state, clocks.c.due_at,
                              clocks.c.escalation_level)
                       .where(clocks.c.task_id == task_id)).all()
    if not rows:
        return
    live = [r for r in rows if r.status != "stopped"]
    dues = [r.due_at for r in live if r.due_at is not None]
    worst = max(rows if not live else live, key=lambda r: SEVERITY.get(r.sla_state, 0))
    uow.execute(q.tasks.update().where(q.tasks.c.id == task_id).values(
        due_at=min(dues) if dues else None, sla_state=worst.sla_state,
        escalation_level=max(r.escalation_level for r in rows)))


def _each_live(uow: UnitOfWork, book: SlaBook, statement: Prepared, params: dict,
               now: datetime, change: Change) -> set:
    """Apply ``change(row, state, calendar) -> state`` to live clocks; returns the touched
    task ids."""
    touched = set()
    for row in statement.rows(uow, params):
        policy = book.policy_by_id(uow, row["policy_id"])
        state = sla.ClockState.from_dict(row["clock"])
        calendar = book.calendar_of(uow, state)
        new_state = change(row, state, calendar)
        if new_state is not state:
            store(uow, row, new_state, policy, calendar, now)
            if row["task_id"] is not None:
                touched.add(row["task_id"])
    return touched


def on_task_claimed(uow: UnitOfWork, book: SlaBook, task_id: int, now: datetime) -> None:
    """First response happened: its clock stops."""
    touched = _each_live(uow, book, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now,
                         lambda row, st, cal: sla.stop(st, now, cal)
                         if row["kind"] == "first_response" else st)
    for tid in touched:
        sync_task(uow, tid)


def on_tasks_closed(uow: UnitOfWork, book: SlaBook, task_ids: list[int], now: datetime,
                    cancelled: bool = False) -> None:
    """Completed tasks' clocks stop met (or breached, for the record); ``cancelled`` ones'
    (withdrawn by the process) stop cancelled unless late already."""
    for task_id in task_ids:
        if _each_live(uow, book, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now,
                      lambda row, st, cal: sla.stop(st, now, cal, cancelled)):
            sync_task(uow, task_id)


def on_instance_ended(uow: UnitOfWork, book: SlaBook, instance_id: int, now: datetime,
                      cancelled: bool = False) -> None:
    """The case ended: its clocks and its open tasks' stop (``cancelled``: it was cancelled)."""
    touched = _each_live(uow, book, LIVE_CLOCKS_OF_INSTANCE,
                         {"for_instance": instance_id}, now,
                         lambda row, st, cal: sla.stop(st, now, cal, cancelled))
    for task_id in touched:
        sync_task(uow, task_id)


def set_waiting(uow: UnitOfWork, book: SlaBook, *, task_id: int | None,
                instance_id: int | None, reason: str | None, now: datetime) -> int:
    """Waiting on the customer or a third party pauses the clocks whose policy says so;
    clearing the reason resumes them. Returns how many clocks changed."""
    changed = 0

    def change(row: Any, state: sla.ClockState, calendar: sla.Calendar) -> sla.ClockState:
        nonlocal changed
        policy = book.policy_by_id(uow, row["policy_id"])
        kept = tuple(r for r in sla.pause_reasons(state) if r == SUSPENDED)  # ends at the resume
        waits = (reason,) if reason is not None and reason in policy.pause_when else ()
        new = sla.hold(state, now, calendar, kept + waits)
        changed += new is not state
        return new

    if task_id is not None:
        touched = _each_live(uow, book, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now, change)
    else:
        touched = _each_live(uow, book, LIVE_CLOCKS_OF_INSTANCE, {"for_instance": instance_id},
                             now, lambda row, st, cal: change(row, st, cal)
                             if row["task_id"] is None else st)
    for tid in touched:
        sync_task(uow, tid)
    return changed


def pause_for(uow: UnitOfWork, book: SlaBook, instance_id: int, reason: str,
              now: datetime) -> int:
    """Pause every live clock of the instance (and of its tasks) whose policy lists
    ``reason`` in pause_when (a suspension); returns how many paused."""
    return _each_of_instance(uow, book, instance_id, now, lambda row, st, cal: sla.hold(
        st, now, cal, (*sla.pause_reasons(st), reason))
        if reason in book.policy_by_id(uow, row["policy_id"]).pause_when else st)


def resume_from(uow: UnitOfWork, book: SlaBook, instance_id: int, reason: str,
                now: datetime) -> int:
    """End ``reason``'s hold on the instance's clocks (those held for nothing else run again);
    returns how many changed."""
    return _each_of_instance(uow, book, instance_id, now, lambda row, st, cal: sla.hold(
        st, now, cal, tuple(r for r in sla.pause_reasons(st) if r != reason)))


def _each_of_instance(uow: UnitOfWork, book: SlaBook, instance_id: int, now: datetime,
                      change: Change) -> int:
    changed = 0

    def counted(row: Any, state: sla.ClockState, calendar: sla.Calendar) -> sla.ClockState:
        nonlocal changed
        new = change(row, state, calendar)
        changed += new is not state
        return new

    for task_id in _each_live(uow, book, LIVE_CLOCKS_OF_INSTANCE, {"for_instance": instance_id},
                              now, counted):
        sync_task(uow, task_id)
    return changed
