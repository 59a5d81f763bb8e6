"""What the reports count from cases retention removes, kept so a report over any period says
the same before and after (``services.retention`` calls ``roll_up`` in the batch that deletes).

Rows are per UTC hour (``at``) and the keys the reports filter on (process, group, assignee,
who completed); a report adds the rows in its range to what it counts from live rows. Hours
keep day and month reports in any whole-hour time zone exact (a range that cuts an hour
counts that hour's rollups by its start). ``figures`` per ``kind``:

- ``cases`` (instances by start): ``count`` (complaint rate);
- ``satisfaction`` (completed instances that asked, by start): ``ended`` = {end hour ISO:
  {closed, satisfied, scores}} (satisfaction per month of closure);
- ``tasks`` (by creation): served, resolved, first and resolution minutes (lists: the agents
  report shows medians), SLA clocks met and breached (agents);
- ``sla`` (clocks by the instant counted: met when stopped, breached when due): met, breached
  (SLA trend);
- ``finance`` and each case register's kind (``reviews``: the 中差评 register): the report's own
  rows (the money list and a register list each case, so the rows themselves are what the
  report needs).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, insert, select

from store import queries as q
from store.display_names import user_name
from store.tables_retention import ReportRollup
from store.uow import UnitOfWork

ROLLUPS = ReportRollup.__table__
INST, T = q.instances, q.tasks
Key = tuple[str, datetime, str | None, str | None, str | None, str | None]


def hour(when: datetime) -> datetime:
    """The UTC hour ``when`` falls in."""
    return when.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def person(completed_by: str | None, assignee: str | None) -> str | None:
    """Who did the task, as the agents report says it: who completed it, else the assignee."""
    return completed_by or assignee


def read(conn: Any, kind: str, start: datetime | None, end: datetime | None,
         *where: ColumnElement[bool]) -> list[Any]:
    """The rollups of ``kind`` in [start, end) matching ``where``, with ``person_name``."""
    who = func.coalesce(func.nullif(ROLLUPS.c.completed_by, ""), ROLLUPS.c.assignee)
    query = select(ROLLUPS, user_name(who).label("person_name")).where(
        ROLLUPS.c.kind == kind, *where)
    if start:
        query = query.where(ROLLUPS.c.at >= start)
    if end:
        query = query.where(ROLLUPS.c.at < end)
    return list(conn.execute(query.order_by(ROLLUPS.c.id)).mappings())


def rows_of(figures_rows: Iterable[Any], when_field: str) -> list[dict]:
    """A list report's rows kept in rollups, their instant a datetime again."""
    return [{**row, when_field: datetime.fromisoformat(row[when_field])}
            for r in figures_rows for row in r["figures"]["rows"]]


class _Sums:
    """Figures summed per key while a batch is rolled up."""

    def __init__(self) -> None:
        self.by_key: dict[Key, dict] = {}

    def at(self, key: Key, start: dict) -> dict:
        return self.by_key.setdefault(key, start)

    def rows(self) -> list[dict]:
        return [{"kind": k[0], "at": k[1], "process_key": k[2], "group_name": k[3],
                 "assignee": k[4], "completed_by": k[5], "figures": figures}
                for k, figures in self.by_key.items()]


def roll_up(uow: UnitOfWork, instance_ids: list[int], money_rows: list[dict],
            listed: Iterable[tuple[str, list[dict], str]] = ()) -> int:
    """Add what the reports count from these instances to the rollups; rows written.
    ``money_rows`` are the finance report's rows of them; ``listed`` other list reports' rows
    (a case register's: its kind, its rows, the field with each row's instant)."""
    if not instance_ids:
        return 0
    sums = _Sums()
    instances = list(uow.execute(select(INST.c.id, INST.c.process_key, INST.c.status,
                                        INST.c.started_at, INST.c.ended_at, INST.c.variables)
                                 .where(INST.c.id.in_(instance_ids))).mappings())
    for i in instances:
        _case(sums, i)
    tasks = {t["id"]: t for t in uow.execute(
        select(T.c.id, T.c.process_key, T.c.candidate_group, T.c.assignee, T.c.completed_by,
               T.c.state, T.c.created_at, T.c.claimed_at, T.c.completed_at)
        .where(T.c.instance_id.in_(instance_ids))).mappings()}
    from services.sla.clocks import clocks  # services.sla imports the reports' neighbours
    outcomes = list(uow.execute(select(clocks.c.task_id, clocks.c.status, clocks.c.sla_state,
                                       clocks.c.updated_at, clocks.c.due_at, clocks.c.clock,
                                       clocks.c.instance_id)
                                .where(clocks.c.instance_id.in_(instance_ids))).mappings())
    stopped: dict[int, list[Any]] = defaultdict(list)
    for o in outcomes:
        if o["status"] == "stopped" and o["task_id"] is not None:
            stopped[o["task_id"]].append(o)
    for t in tasks.values():
        _task(sums, t, stopped.get(t["id"], []))
    keys = {i["id"]: i["process_key"] for i in instances}
    for o in outcomes:
        _clock(sums, o, keys[o["instance_id"]], tasks.get(o["task_id"]))
    for kind, rows, field in (("finance", money_rows, "completed_at"), *listed):
        for row in rows:
            sums.at((kind, hour(row[field]), row.get("process_key"), None, None, None),
                    {"rows": []})["rows"].append({**row, field: row[field].isoformat()})
    written = sums.rows()
    if written:
        uow.execute(insert(ROLLUPS), written)
    return len(written)


def _case(sums: _Sums, i: Any) -> None:
    start = hour(i["started_at"])
    sums.at(("cases", start, i["process_key"], None, None, None), {"count": 0})["count"] += 1
    data = i["variables"] or {}
    if i["status"] != "completed" or "satisfied" not in data or i["ended_at"] is None:
        return
    ended = sums.at(("satisfaction", start, i["process_key"], None, None, None), {"ended": {}})
    month = ended["ended"].setdefault(hour(i["ended_at"]).isoformat(),
                                      {"closed": 0, "satisfied": 0, "scores": []})
    month["closed"] += 1
    month["satisfied"] += bool(data.get("satisfied"))
    if isinstance(data.get("satisfaction_score"), (int, float)):
        month["scores"].append(data["satisfaction_score"])


def add_task_figures(s: dict, t: Any, stopped: list[Any]) -> None:
    """One task's share of an agent's figures (served, resolved, minutes to first response and
    to resolution, SLA clocks met or breached): the agents report's, and the rollups of cases
    that retention removes count the same way."""
    if t["claimed_at"]:
        s["served"] += 1
        s["first"].append((t["claimed_at"] - t["created_at"]).total_seconds() / 60)
    if t["state"] == "completed":
        s["resolved"] += 1
        s["resolution"].append((t["completed_at"] - t["created_at"]).total_seconds() / 60)
    for o in stopped:  # a withdrawn task's clock ("cancelled") was neither
        if o["sla_state"] in ("met", "breached"):
            s[o["sla_state"]] += 1


def _task(sums: _Sums, t: Any, stopped: list[Any]) -> None:
    key = ("tasks", hour(t["created_at"]), t["process_key"], t["candidate_group"],
           t["assignee"], t["completed_by"])
    s = sums.at(key, {"served": 0, "resolved": 0, "first": [], "resolution": [], "met": 0,
                      "breached": 0})
    add_task_figures(s, t, stopped)


def breached_at(row: Any) -> datetime | None:
    """When a breached clock fell due: ``breached_at`` in its state once stopped, else due_at."""
    stored = (row["clock"] or {}).get("breached_at")
    return datetime.fromisoformat(stored) if stored else row["due_at"]


def _clock(sums: _Sums, o: Any, process_key: str, task: Any | None) -> None:
    if o["status"] == "stopped" and o["sla_state"] == "met":
        state, when = "met", o["updated_at"]
    elif o["sla_state"] == "breached":
        state, when = "breached", breached_at(o)
    else:
        return
    if when is None:
        return
    key = ("sla", hour(when), process_key, task["candidate_group"] if task else None,
           task["assignee"] if task else None, task["completed_by"] if task else None)
    sums.at(key, {"met": 0, "breached": 0})[state] += 1
