"""Supervisors' SLA reports: clocks met and breached per day or week, and the open backlog by
group and by age.

Kept apart from ``services.reports`` (cases and agents) because both read SLA clocks and open
tasks rather than instances' variables. Clocks of cases retention removed count from their
rollups (``services.report_rollups``). A met clock counts on the day it stopped; a breached one
on the day it fell due, whether it has stopped since or is still running (a breach is a breach
before the task is done). Days and weeks are the team's (``settings.timezone``); a week is named
by its Monday.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select

from services import report_rollups as rollups
from services.context import Flowdesk
from services.principal import Principal, require_role
from services.sla.clocks import clocks
from store import queries as q
from store.display_names import group_name

INST, T = q.instances, q.tasks
# (column, upper bound of the age in days; None: no bound), youngest first
AGE_BUCKETS = (("under_1d", 1), ("d1_3", 3), ("d3_7", 7), ("over_7d", None))


def _period(when: datetime, zone: ZoneInfo, period: str) -> str:
    day = when.astimezone(zone).date()
    if period == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()


def _in_range(column: Any, start: datetime | None, end: datetime | None) -> Any:
    conditions = [column.is_not(None)]
    if start:
        conditions.append(column >= start)
    if end:
        conditions.append(column < end)
    return and_(*conditions)


def _task_filters(query: Any, process_key: str | None, group: str | None,
                  agent: str | None) -> Any:
    if process_key:
        query = query.where(INST.c.process_key == process_key)
    if group:
        query = query.where(T.c.candidate_group == group)
    if agent:
        query = query.where(or_(T.c.assignee == agent, T.c.completed_by == agent))
    return query


def _kept_filters(process_key: str | None, group: str | None, agent: str | None) -> list[Any]:
    """``_task_filters`` for the rollups of clocks whose cases retention removed."""
    table = rollups.ROLLUPS
    where = [table.c.process_key == process_key] if process_key else []
    if group:
        where.append(table.c.group_name == group)
    if agent:
        where.append(or_(table.c.assignee == agent, table.c.completed_by == agent))
    return where


def sla_trend(fd: Flowdesk, user: Principal, *, period: str = "day",
              start: datetime | None = None, end: datetime | None = None,
              process_key: str | None = None, group: str | None = None,
              agent: str | None = None) -> list[dict]:
    """Per day (or week): SLA clocks met and breached, and the share met."""
    require_role(user, "supervisor", "admin")
    met = and_(clocks.c.status == "stopped", clocks.c.sla_state == "met",
               _in_range(clocks.c.updated_at, start, end))
    # a breach lies between the clock's creation and its last update: narrow in SQL, then
    # place it exactly in Python (a stopped clock keeps the instant in its JSON state)
    breached = [clocks.c.sla_state == "breached"]
    if start:
        breached.append(clocks.c.updated_at >= start)
    if end:
        breached.append(clocks.c.created_at < end)
    query = (select(clocks.c.sla_state, clocks.c.updated_at, clocks.c.due_at, clocks.c.clock)
             .select_from(clocks.join(INST, INST.c.id == clocks.c.instance_id)
                          .outerjoin(T, T.c.id == clocks.c.task_id))
             .where(or_(met, and_(*breached))))
    with fd.uow(read_only=True) as conn:
        rows = list(conn.execute(_task_filters(query, process_key, group, agent)).mappings())
        kept = rollups.read(conn, "sla", start, end, *_kept_filters(process_key, group, agent))
    zone = ZoneInfo(fd.settings.timezone)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"met": 0, "breached": 0})
    for r in kept:
        for state in ("met", "breached"):
            counts[_period(r["at"], zone, period)][state] += r["figures"][state]
    for r in rows:
        if r["sla_state"] == "met":
            counts[_period(r["updated_at"], zone, period)]["met"] += 1
            continue
        when = rollups.breached_at(r)
        if when is None or (start and when < start) or (end and when >= end):
            continue
        counts[_period(when, zone, period)]["breached"] += 1
    return [{"period": key, "sla_met": c["met"], "sla_breached": c["breached"],
             "met_pct": round(100 * c["met"] / (c["met"] + c["breached"]), 1)}
            for key, c in sorted(counts.items())]


def _bucket(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    for name, limit in AGE_BUCKETS:
        if limit is None or days < limit:
            return name
    raise AssertionError("the last bucket has no bound")


def backlog(fd: Flowdesk, user: Principal, *, process_key: str | None = None,
            group: str | None = None, agent: str | None = None) -> list[dict]:
    """Open tasks now, per candidate group (with its display name), by age (under 1 day, 1–3,
    3–7, over 7 days)."""
    require_role(user, "supervisor", "admin")
    query = (select(T.c.candidate_group, group_name(T.c.candidate_group).label("group_name"),
                    T.c.created_at)
             .select_from(T.join(INST, INST.c.id == T.c.instance_id))
             .where(q.IS_ACTIVE))  # the open tasks' indexes (store.tables)
    with fd.uow(read_only=True) as conn:
        rows = list(conn.execute(_task_filters(query, process_key, group, agent)).mappings())
    now = fd.now()
    groups: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {name: 0 for name, _ in AGE_BUCKETS})
    for r in rows:
        key = (r["candidate_group"] or "-", r["group_name"] or "-")
        groups[key][_bucket(now - r["created_at"])] += 1
    return [{"group": name, "group_name": shown, **ages, "total": sum(ages.values())}
            for (name, shown), ages in sorted(groups.items())]
