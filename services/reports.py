"""Reports for supervisors: open cases, agents against their SLAs, complaint rate, satisfaction,
the processes' case registers (``case_register``) and the finance list of money movements.

Each report is a list of flat rows (the routes turn them into JSON, CSV or Excel; the SLA trend
and the backlog are in ``services.reports_sla``). Case data lives in the
instances' JSON variables, read here in Python rather than with dialect-specific JSON SQL; the
queries are bounded by date range and process, which keeps that cheap at a CS department's volume.
Cases retention removed are counted from their rollups (``services.report_rollups``).
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from services import report_rollups as rollups
from services.context import Flowdesk
from services.principal import Principal, require_role
from services.sla.clocks import clocks
from store import queries as q
from store.display_names import user_name
from store.tables import Purchase

INST, T = q.instances, q.tasks


def _local(fd: Flowdesk, when: datetime | None, fmt: str) -> str | None:
    return when.astimezone(ZoneInfo(fd.settings.timezone)).strftime(fmt) if when else None


def _instances(fd: Flowdesk, process_key: str | None, start: datetime | None,
               end: datetime | None, *columns: Any) -> list[Any]:
    columns = columns or (INST.c.id, INST.c.case_no, INST.c.process_key, INST.c.status,
                          INST.c.started_at, INST.c.ended_at, INST.c.variables,
                          INST.c.business_key)
    query = select(*columns)
    if process_key:
        query = query.where(INST.c.process_key == process_key)
    if start:
        query = query.where(INST.c.started_at >= start)
    if end:
        query = query.where(INST.c.started_at < end)
    with fd.uow(read_only=True) as conn:
        return list(conn.execute(query.order_by(INST.c.id)).mappings())


def open_cases(fd: Flowdesk, user: Principal, *, group_by: str = "status",
               process_key: str | None = None, start: datetime | None = None,
               end: datetime | None = None) -> list[dict]:
    """Cases not yet ended, counted by status, process (type), start day, or user status
    (the ``user_status`` variable a process keeps, e.g. a service notification's status)."""
    require_role(user, "supervisor", "admin")
    rows = [r for r in _instances(fd, process_key, start, end)
            if r["status"] not in ("completed", "cancelled")]
    key = {"status": lambda r: r["status"], "process_key": lambda r: r["process_key"],
           "day": lambda r: _local(fd, r["started_at"], "%Y-%m-%d"),
           "user_status": lambda r: (r["variables"] or {}).get("user_status") or "-"}[group_by]
    counts = Counter(key(r) for r in rows)
    return [{group_by: k, "open_cases": n} for k, n in sorted(counts.items(), key=str)]


def agents(fd: Flowdesk, user: Principal, *, start: datetime | None = None,
           end: datetime | None = None, process_key: str | None = None,
           group: str | None = None, agent: str | None = None) -> list[dict]:
    """Per agent (username, and the display name people read): tasks served (claimed) and
    resolved (completed), first-response and resolution times (median, minutes), and their SLA
    clocks met or breached; optionally only one process's tasks, one group's, one agent's
    (by username)."""
    require_role(user, "supervisor", "admin")
    person = func.coalesce(func.nullif(T.c.completed_by, ""), T.c.assignee)  # who did the task
    query = select(T.c.id, person.label("person"), user_name(person).label("person_name"),
                   T.c.created_at, T.c.claimed_at, T.c.completed_at, T.c.state)
    if process_key:
        query = query.where(T.c.process_key == process_key)
    if group:
        query = query.where(T.c.candidate_group == group)
    if start:
        query = query.where(T.c.created_at >= start)
    if end:
        query = query.where(T.c.created_at < end)
    with fd.uow(read_only=True) as conn:
        tasks = list(conn.execute(query).mappings())
        outcomes = list(conn.execute(select(clocks.c.task_id, clocks.c.kind, clocks.c.sla_state)
                                     .where(clocks.c.status == "stopped")).mappings())
        kept = rollups.read(conn, "tasks", start, end, *_rollup_filters(process_key, group))
    by_task = defaultdict(list)
    for o in outcomes:
        by_task[o["task_id"]].append(o)
    stats: dict[str, dict] = defaultdict(lambda: {"served": 0, "resolved": 0, "first": [],
                                                  "resolution": [], "met": 0, "breached": 0})
    for t in tasks:
        if not t["person"] or (agent and t["person"] != agent):
            continue
        s = stats[t["person"]]
        s["name"] = t["person_name"]
        rollups.add_task_figures(s, t, by_task.get(t["id"], []))
    for r in kept:  # tasks of cases retention removed
        who = rollups.person(r["completed_by"], r["assignee"])
        if not who or (agent and who != agent):
            continue
        s, f = stats[who], r["figures"]
        s["name"] = r["person_name"]
        for name in ("served", "resolved", "met", "breached"):
            s[name] += f[name]
        s["first"].extend(f["first"])
        s["resolution"].extend(f["resolution"])
    return [{"agent": name, "agent_name": s["name"], "tasks_served": s["served"],
             "tasks_resolved": s["resolved"],
             "median_first_response_min": _median(s["first"]),
             "median_resolution_min": _median(s["resolution"]),
             "sla_met": s["met"], "sla_breached": s["breached"]}
            for name, s in sorted(stats.items())]


def complaint_rate(fd: Flowdesk, user: Principal, *, process_key: str = "complaint_handling",
                   start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Per month: complaints opened, orders recorded, and complaints per 100 orders."""
    require_role(user, "supervisor", "admin")
    complaints = Counter(_local(fd, r["started_at"], "%Y-%m")
                         for r in _instances(fd, process_key, start, end, INST.c.started_at))
    for r in _kept(fd, "cases", process_key, start, end):
        complaints[_local(fd, r["at"], "%Y-%m")] += r["figures"]["count"]
    orders_query = select(Purchase.__table__.c.purchased_at)
    if start:
        orders_query = orders_query.where(Purchase.__table__.c.purchased_at >= start)
    if end:
        orders_query = orders_query.where(Purchase.__table__.c.purchased_at < end)
    with fd.uow(read_only=True) as conn:
        orders = Counter(_local(fd, r.purchased_at, "%Y-%m") for r in conn.execute(orders_query))
    return [{"month": m, "complaints": complaints[m], "orders": orders[m],
             "per_100_orders": round(100 * complaints[m] / orders[m], 2) if orders[m] else None}
            for m in sorted(set(complaints) | set(orders))]


def satisfaction(fd: Flowdesk, user: Principal, *, process_key: str | None = None,
                 start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """Per month of closure: closed cases that recorded satisfaction, how many were satisfied,
    and the average score (the ``satisfied`` and ``satisfaction_score`` variables)."""
    require_role(user, "supervisor", "admin")
    months: dict[str, dict] = defaultdict(lambda: {"closed": 0, "satisfied": 0, "scores": []})
    for r in _instances(fd, process_key, start, end):
        data = r["variables"] or {}
        if r["status"] != "completed" or "satisfied" not in data:
            continue
        m = months[_local(fd, r["ended_at"], "%Y-%m")]
        m["closed"] += 1
        m["satisfied"] += bool(data.get("satisfied"))
        if isinstance(data.get("satisfaction_score"), (int, float)):
            m["scores"].append(data["satisfaction_score"])
    for r in _kept(fd, "satisfaction", process_key, start, end):
        for ended, kept in r["figures"]["ended"].items():
            m = months[_local(fd, datetime.fromisoformat(ended), "%Y-%m")]
            m["closed"] += kept["closed"]
            m["satisfied"] += kept["satisfied"]
            m["scores"].extend(kept["scores"])
    return [{"month": k, "closed_with_answer": v["closed"], "satisfied": v["satisfied"],
             "satisfied_pct": round(100 * v["satisfied"] / v["closed"], 1),
             "average_score": round(statistics.mean(v["scores"]), 2) if v["scores"] else None}
            for k, v in sorted(months.items())]


def finance(fd: Flowdesk, user: Principal, *, start: datetime | None = None,
            end: datetime | None = None) -> list[dict]:
    """Every money movement recorded by a completed task: a form with an ``amount`` and a
    ``signer`` (proposals carry amounts too, but only a signed step moves money), after the
    after-sales rule 资金出入…必须填写清单、签字上交财务, whatever the amount."""
    require_role(user, "supervisor", "admin")
    where = [T.c.completed_at >= start] if start else []
    if end:
        where.append(T.c.completed_at < end)
    with fd.uow(read_only=True) as conn:
        out = money_rows(conn, *where) + rollups.rows_of(
            rollups.read(conn, "finance", start, end), "completed_at")
    return sorted(out, key=lambda row: (row["completed_at"], row["task_id"]))  # stable: items


def money_rows(conn: Any, *where: Any) -> list[dict]:
    """The finance report's rows of the completed tasks matching ``where``."""
    query = (select(T.c.id, T.c.name, T.c.data, T.c.completed_at, T.c.completed_by,
                    INST.c.case_no, INST.c.process_key)
             .join(INST, INST.c.id == T.c.instance_id).where(T.c.state == "completed", *where))
    rows = list(conn.execute(query.order_by(T.c.completed_at, T.c.id)).mappings())
    out = []
    for r in rows:
        data = r["data"] or {}
        if not data.get("signer"):
            continue
        items = data.get("items") if isinstance(data.get("items"), list) else [data]
        for item in items:  # a money list has items; a single money step is its own item
            if isinstance(item, dict) and isinstance(item.get("amount"), (int, float)):
                out.append({
                    "case_no": r["case_no"], "process_key": r["process_key"], "task_id": r["id"],
                    "task": r["name"], "order_no": item.get("order_no") or data.get("order_no"),
                    "amount": item["amount"],
                    "direction": item.get("direction") or data.get("remedy"),
                    "note": item.get("note") or item.get("alipay_note"),
                    "signer": data["signer"], "completed_by": r["completed_by"],
                    "completed_at": r["completed_at"]})
    return out


def case_register(fd: Flowdesk, user: Principal, kind: str, *,
                  start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """A process's case register (``services.hooks.Register``, e.g. the 中差评 register): one
    row per case started in the range, kept ones included, in the register's order."""
    require_role(user, "supervisor", "admin")
    register = fd.hooks.register(kind)
    rows = [register.row(r) for r in _instances(fd, register.process_key, start, end)]
    with fd.uow(read_only=True) as conn:
        rows += rollups.rows_of(rollups.read(conn, kind, start, end), register.when)
    return sorted(rows, key=register.order)


def _kept(fd: Flowdesk, kind: str, process_key: str | None, start: datetime | None,
          end: datetime | None) -> list[Any]:
    """Rollups of ``kind`` (cases retention removed) in the range, of one process or all."""
    with fd.uow(read_only=True) as conn:
        return rollups.read(conn, kind, start, end, *_rollup_filters(process_key, None))


def _rollup_filters(process_key: str | None, group: str | None) -> list[Any]:
    where = [rollups.ROLLUPS.c.process_key == process_key] if process_key else []
    if group:
        where.append(rollups.ROLLUPS.c.group_name == group)
    return where


def work_plan(fd: Flowdesk, user: Principal, *, responsibility_centre: str | None = None,
              start: datetime | None = None, end: datetime | None = None) -> list[dict]:
    """The 责任中心 work plan (ZSMR006): open service notifications whose planned span
    (``planned_start`` to ``planned_end``: the requested start and estimated closure of a Z1,
    the assembly and complaint dates of a Z2) overlaps the range, per responsibility centre."""
    require_role(user, "supervisor", "admin")
    low = _local(fd, start, "%Y-%m-%d") if start else None
    high = _local(fd, end, "%Y-%m-%d") if end else None
    keys = ("case_no", "notification_type", "user_status", "system_status", "urgent",
            "short_description", "customer_name", "object_address", "main_work_centre",
            "technician", "planned_visit_date", "planned_start", "planned_end")
    rows = []
    for r in _instances(fd, "service_notification", None, None):
        data = {**(r["variables"] or {}), "case_no": r["case_no"]}
        if r["status"] in ("completed", "cancelled"):
            continue
        if responsibility_centre and data.get("responsibility_centre") != responsibility_centre:
            continue
        first = str(data.get("planned_start") or "")[:10]
        last = str(data.get("planned_end") or first)[:10]
        if (low and last < low) or (high and first >= high):
            continue
        rows.append({"responsibility_centre": data.get("responsibility_centre"),
                     **{k: data.get(k) for k in keys}})
    return sorted(rows, key=lambda row: (str(row["responsibility_centre"]),
                                         row["planned_visit_date"] or row["planned_start"] or "",
                                         row["case_no"] or ""))


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None

