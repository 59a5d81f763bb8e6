"""SLA clocks of running work: armed when tasks and instances start, stopped, paused, fired.

Policies and calendars are data (``sla_policies``, ``business_calendars``); the clock math is
``engine.sla`` on an ``engine.calendars`` calendar. Each armed clock is a ``sla_clocks`` row with
its pure state, and has at most one pending ``due_work`` row: its next warning, breach or
escalation level. Every change writes the task's due time and SLA state, so the task list can
filter on them, and the audit trail.
"""
from __future__ import annotations

import time
import weakref
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from engine import sla
from engine.calendars import BusinessCalendar

from store import queries as q
from store.tables import BusinessCalendarRow, SlaClock, SlaPolicyRow
from services import audit
from services import due_work

clocks = SlaClock.__table__
policies = SlaPolicyRow.__table__
calendars = BusinessCalendarRow.__table__
SYSTEM = "sla"

POLICIES_OF = select(policies.c.id, policies.c.version, policies.c.config).where(
    policies.c.process_key == bindparam("process_key"), policies.c.enabled.is_(True))
CALENDAR = select(calendars.c.version, calendars.c.config).where(
    calendars.c.name == bindparam("name"))
LIVE_CLOCKS_OF_TASK = select(clocks).where(clocks.c.task_id == bindparam("for_task"),
                                           clocks.c.status != "stopped")
LIVE_CLOCKS_OF_INSTANCE = select(clocks).where(clocks.c.instance_id == bindparam("for_instance"),
                                               clocks.c.status != "stopped")
SEVERITY = {"breached": 4, "at_risk": 3, "paused": 2, "ok": 1, "met": 0}



class _Caches:
    """Parsed policies and calendars of one database (keyed by row id and version)."""

    def __init__(self) -> None:
        self.policies: dict[tuple[int, int], sla.SlaPolicy] = {}
        self.calendars: dict[str, tuple[int, BusinessCalendar]] = {}
        self.by_process: dict[str, tuple[float, list[tuple[int, sla.SlaPolicy]]]] = {}


_caches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> _Caches


def _cache(conn: Connection) -> _Caches:
    pool = conn.engine.pool
    found = _caches.get(pool)
    if found is None:
        found = _caches[pool] = _Caches()
    return found


POLICY_TTL_SECONDS = 2.0  # how soon other nodes see a new or changed policy


def forget_policies(conn: Connection) -> None:
    """This node changed a policy: re-read them on next use (other nodes within the TTL)."""
    _cache(conn).by_process.clear()


def policies_for(conn: Connection, process_key: str) -> list[tuple[int, sla.SlaPolicy]]:
    """Enabled policies of a process; cached briefly, as this is asked on every new task."""
    caches = _cache(conn)
    cached = caches.by_process.get(process_key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    found = []
    for row in conn.execute(POLICIES_OF, {"process_key": process_key}):
        key = (row.id, row.version)
        if key not in caches.policies:
            caches.policies[key] = sla.SlaPolicy.from_dict(row.config)
        found.append((row.id, caches.policies[key]))
    caches.by_process[process_key] = (time.monotonic() + POLICY_TTL_SECONDS, found)
    return found


def policy_by_id(conn: Connection, policy_id: int) -> sla.SlaPolicy:
    row = conn.execute(select(policies.c.version, policies.c.config)
                       .where(policies.c.id == policy_id)).one()
    key, policies_cache = (policy_id, row.version), _cache(conn).policies
    if key not in policies_cache:
        policies_cache[key] = sla.SlaPolicy.from_dict(row.config)
    return policies_cache[key]


def calendar_named(conn: Connection, name: str | None) -> sla.Calendar:
    """The named business calendar (parsed once per version); no name means wall-clock time.
    A name that is not (or no longer) defined also counts wall-clock time, rather than
    stopping the clock."""
    if name is None:
        return sla.WallClock()
    row = conn.execute(CALENDAR, {"name": name}).first()
    if row is None:
        return sla.WallClock()
    calendars_cache = _cache(conn).calendars
    cached = calendars_cache.get(name)
    if cached is None or cached[0] != row.version:
        cached = (row.version, BusinessCalendar.from_dict(row.config))
        calendars_cache[name] = cached
    return cached[1]


def _matches(policy: sla.SlaPolicy, task: dict) -> bool:
    if policy.target == "task":
        return policy.target_ref == task["bpmn_id"]
    if policy.target == "lane":
        return policy.target_ref == task["candidate_group"]
    return False


# -- arming and stopping ---------------------------------------------------------------------

def on_tasks_created(conn: Connection, instance: Any, tasks: list[dict], now: datetime) -> None:
    """Arm first-response and resolution clocks for new human tasks."""
    if not tasks:
        return
    found = policies_for(conn, instance["process_key"])
    for task in tasks:
        armed = False
        for policy_id, policy in found:
            if not _matches(policy, task):
                continue
            if policy.clock == "first_response" and task["assignee"]:
                continue  # born claimed: responded to at once
            _arm(conn, policy_id, policy, instance["id"], task["id"], now)
            armed = True
        if armed:
            sync_task(conn, task["id"])


def on_instance_started(conn: Connection, instance: Any, now: datetime) -> None:
    for policy_id, policy in policies_for(conn, instance["process_key"]):
        if policy.target == "instance":
            _arm(conn, policy_id, policy, instance["id"], None, now)


def _arm(conn: Connection, policy_id: int, policy: sla.SlaPolicy, instance_id: int,
         task_id: int | None, now: datetime) -> None:
    calendar = calendar_named(conn, policy.calendar)
    state = sla.start_clock(policy, now, calendar)
    clock_id = conn.execute(clocks.insert().returning(clocks.c.id), {
        "policy_id": policy_id, "instance_id": instance_id, "task_id": task_id,
        "kind": policy.clock, "status": state.status, "sla_state": "ok",
        "due_at": sla.due_at(state, calendar), "escalation_level": 0, "clock": state.to_dict(),
        "created_at": now, "updated_at": now}).scalar_one()
    store(conn, {"id": clock_id, "instance_id": instance_id, "task_id": task_id},
          state, policy, calendar, now)


def store(conn: Connection, row: Any, state: sla.ClockState, policy: sla.SlaPolicy,
          calendar: sla.Calendar, now: datetime) -> None:
    """Write a clock's new state and due time, and re-arm its one pending due-work row."""
    conn.execute(clocks.update().where(clocks.c.id == row["id"]).values(
        status=state.status, sla_state=sla.sla_status(state, policy, now, calendar),
        due_at=sla.due_at(state, calendar), escalation_level=state.escalation_level,
        clock=state.to_dict(), updated_at=now))
    due_work.cancel_sla(conn, [row["id"]])
    event = sla.next_event(state, policy, calendar)
    if event is not None and state.status == "running":
        due_work.arm_sla(conn, row["instance_id"], row["id"], event.kind, event.at, event.level,
                         now, f"{policy.name}: {event.kind}"
                         + (f" level {event.level}" if event.level else ""))


def sync_task(conn: Connection, task_id: int) -> None:
    """The task shows its most urgent clock: earliest due time, worst SLA state."""
    rows = conn.execute(select(clocks.c.status, clocks.c.sla_state, clocks.c.due_at,
                               clocks.c.escalation_level)
                        .where(clocks.c.task_id == task_id)).all()
    if not rows:
        return
    live = [r for r in rows if r.status != "stopped"]
    dues = [r.due_at for r in live if r.due_at is not None]
    worst = max(rows if not live else live, key=lambda r: SEVERITY.get(r.sla_state, 0))
    conn.execute(q.tasks.update().where(q.tasks.c.id == task_id).values(
        due_at=min(dues) if dues else None, sla_state=worst.sla_state,
        escalation_level=max(r.escalation_level for r in rows)))


def _each_live(conn: Connection, statement: Any, params: dict, now: datetime, change) -> set:  # type: ignore[no-untyped-def]
    """Apply ``change(state, calendar) -> state`` to live clocks; returns the touched task ids."""
    touched = set()
    for row in conn.execute(statement, params).mappings().all():
        policy = policy_by_id(conn, row["policy_id"])
        state = sla.ClockState.from_dict(row["clock"])
        calendar = calendar_named(conn, state.calendar)
        new_state = change(row, state, calendar)
        if new_state is not state:
            store(conn, row, new_state, policy, calendar, now)
            if row["task_id"] is not None:
                touched.add(row["task_id"])
    return touched


def on_task_claimed(conn: Connection, task_id: int, now: datetime) -> None:
    """First response happened: its clock stops."""
    touched = _each_live(conn, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now,
                         lambda row, st, cal: sla.stop(st, now, cal)
                         if row["kind"] == "first_response" else st)
    for tid in touched:
        sync_task(conn, tid)


def on_tasks_closed(conn: Connection, task_ids: list[int], now: datetime) -> None:
    """Completed or cancelled tasks: all their clocks stop (met, or breached for the record)."""
    for task_id in task_ids:
        if _each_live(conn, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now,
                      lambda row, st, cal: sla.stop(st, now, cal)):
            sync_task(conn, task_id)


def on_instance_ended(conn: Connection, instance_id: int, now: datetime) -> None:
    _each_live(conn, LIVE_CLOCKS_OF_INSTANCE, {"for_instance": instance_id}, now,
               lambda row, st, cal: sla.stop(st, now, cal))


def set_waiting(conn: Connection, *, task_id: int | None, instance_id: int | None,
                reason: str | None, now: datetime) -> int:
    """Waiting on the customer or a third party pauses the clocks whose policy says so;
    clearing the reason resumes them. Returns how many clocks changed."""
    changed = 0

    def change(row: Any, state: sla.ClockState, calendar: sla.Calendar) -> sla.ClockState:
        nonlocal changed
        policy = policy_by_id(conn, row["policy_id"])
        if reason is not None and reason in policy.pause_when:
            new = sla.pause(state, now, calendar, reason)
        elif reason is None or reason not in policy.pause_when:
            new = sla.resume(state, now, calendar)
        changed += new is not state
        return new

    if task_id is not None:
        touched = _each_live(conn, LIVE_CLOCKS_OF_TASK, {"for_task": task_id}, now, change)
    else:
        touched = _each_live(conn, LIVE_CLOCKS_OF_INSTANCE, {"for_instance": instance_id}, now,
                             lambda row, st, cal: change(row, st, cal)
                             if row["task_id"] is None else st)
    for tid in touched:
        sync_task(conn, tid)
    return changed


def audit_change(conn: Connection, now: datetime, actor: str, action: str, row: Any,
                 before: dict, after: dict) -> None:
    audit.record(conn, now, actor, action, instance_id=row["instance_id"],
                 task_id=row["task_id"], before=before, after=after)
