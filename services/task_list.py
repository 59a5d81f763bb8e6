"""The staff inbox: task lists filtered, sorted and paginated in one statement, and the
inbox views' counts (``view_counts``), all of them in one statement too, each capped like
the lists' totals and counted along the same indexes.

Staff see the tasks assigned to them or offered (or escalated) to one of their groups. Written
as one OR, that filter lets no index give the page's order, so every match was sorted (300-650
ms at 100,000 open tasks). Instead each branch (me, each group, each escalation group) is an
equality an index of open tasks starts with (``store.tables``): each reads its first rows in
the page's order and stops, and the page is taken from their union (``_per_branch``).

"Delegated by me" (``delegated_by``) lists the tasks a user delegated that are still with the
delegate (``services.task_delegation``): the owner sees them as such, so that view needs no
branches, and reads the small index of pending delegations (``store.tables``)."""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (ColumnElement, Integer, Select, and_, bindparam, func, literal_column,
                        or_, select, union)

from services.context import Flowdesk
from services.errors import Invalid, coded_field
from services.page_cursor import cursor_values
from services.principal import Principal
from store import queries as q
from store import keyset
from store.display_names import group_name, process_name
from store.fast_sql import Prepared
from store.keyset import SortKey

T = q.tasks
SORTS = {"priority": T.c.priority, "created_at": T.c.created_at, "due_at": T.c.due_at,
         "name": T.c.name, "id": T.c.id}
NULLABLE = {"due_at"}  # tasks without a due time come last, either way round
# Filters that leave no task without a due time: its sort then needs no NULLS LAST, and
# walks the due index as it stands (the overdue and due-today views, sorted by due time).
DUE_SET = {"overdue", "due_from", "due_until", "due_before"}
SEES_ALL = ("admin", "supervisor")


@functools.lru_cache(maxsize=128)
def _sort_keys(sort: str, due_set: bool = False) -> tuple[tuple[SortKey, ...], tuple[str, ...]]:
    """The sort's keys, the id last (ties broken, every row once), and their column names
    (``due_set``: the filters leave no NULL due time). Kept per sort: every list asks."""
    keys, names = [], []
    for part in [p.strip() for p in sort.split(",") if p.strip()]:
        name = part.lstrip("-")
        column = SORTS.get(name)
        if column is None:
            raise Invalid.of("task.sort_unknown",
                             [coded_field("sort", "field.unknown_sort", "query", key=part)],
                             key=part, keys=list(SORTS))
        if name in names:
            continue
        keys.append(SortKey(column, part.startswith("-"), name in NULLABLE and not due_set))
        names.append(name)
    if "id" not in names:
        keys.append(SortKey(T.c.id))
        names.append("id")
    return tuple(keys), tuple(names)


_FILTERS = {
    "assignee": lambda: T.c.assignee == bindparam("assignee"),
    "candidate_group": lambda: T.c.candidate_group == bindparam("candidate_group"),
    "unassigned": lambda: T.c.assignee.is_(None),
    "process_key": lambda: T.c.process_key == bindparam("process_key"),
    "instance_id": lambda: T.c.instance_id == bindparam("instance_id"),
    "business_key": lambda: T.c.business_key == bindparam("business_key"),
    "active": lambda: q.IS_ACTIVE,
    "state": lambda: T.c.state == bindparam("state"),
    "due_before": lambda: T.c.due_at < bindparam("due_before"),
    "priority_min": lambda: T.c.priority >= bindparam("priority_min"),
    "overdue": lambda: T.c.due_at < bindparam("now"),
    "due_from": lambda: T.c.due_at >= bindparam("due_from"),
    "due_until": lambda: T.c.due_at < bindparam("due_until"),
    "sla_state": lambda: T.c.sla_state == bindparam("sla_state"),
    "escalated": lambda: T.c.escalated_at.is_not(None),
    # the condition of the pending delegations' index, as it is written there: a constant
    # ``=`` (SQLite takes neither a bound value nor ``IN ('pending')`` as implying it)
    "delegated_by": lambda: and_(T.c.owner == bindparam("owner"),
                                 T.c.delegation_state == literal_column("'pending'")),
}
_LIST_COLUMNS = [c for c in T.c if c.key not in ("form_schema", "data", "documentation")]
# What people read beside the keys, inside the list's one statement (store.display_names).
_NAME_COLUMNS = [process_name(T.c.process_key).label("process_name"),
                 group_name(T.c.candidate_group).label("candidate_group_name")]


def _group_slots(count: int) -> int:
    """Group lists are padded to 1, 2, 4, 8, … names, so few statement shapes are built."""
    slots = 1
    while slots < count:
        slots *= 2
    return slots


# the count's limit is bound like ``store.keyset.capped_count``'s (cap + 1 unless given)
LIMIT_DEFAULTS = {"count_limit": {"value": keyset.TOTAL_CAP + 1, "type_": Integer}}


def _visible_branches(slots: int) -> list[ColumnElement[bool]]:
    """What staff see, one branch each: assigned to me, offered to my group ``group_i``,
    escalated to it (names bound one by one: an expanding IN list would be re-rendered on
    every call; an unused slot is NULL and matches nothing)."""
    names = [bindparam(f"group_{i}") for i in range(slots)]
    return [T.c.assignee == bindparam("me"), *(T.c.candidate_group == n for n in names),
            *(T.c.escalation_group == n for n in names)]


# Filters that leave a handful of tasks (one instance's): for those, what staff see is one OR
# and the count is unordered, so the planner reads the instance's few rows by its index. Read
# branch by branch in the page's order (``_per_branch``), each branch walked its group's index
# of open tasks, and the dead versions every claim and completion leaves in it until vacuum,
# to test the instance of each row: 180 blocks a call in bench/bench_workers.py, not 10.
FEW = frozenset({"instance_id"})


def _visible_any(slots: int) -> ColumnElement[bool]:
    """What staff see as one condition (``_visible_branches`` OR-ed)."""
    return or_(*_visible_branches(slots))


def _per_branch(where: list, slots: int, limit: str,
                keys: Sequence[SortKey] | None = None) -> Select:
    """The ids matching ``where`` in any branch: each branch's first ``:limit`` rows (in the
    order of ``keys`` if given), merged without duplicates. The page's rows are among them."""
    parts = []
    for branch in _visible_branches(slots):
        part = select(T.c.id).where(*where, branch)
        if keys is not None:
            part = part.order_by(*keyset.order_by(keys))
        sub = part.limit(bindparam(limit, **LIMIT_DEFAULTS.get(limit, {}))).subquery()
        parts.append(select(sub.c.id))
    return union(*parts)


@functools.lru_cache(maxsize=256)
def _count_statement(filters: tuple[str, ...], group_slots: int,
                     sort: str = "-priority,created_at"):  # type: ignore[no-untyped-def]
    """The matching tasks counted up to the cap (as ``store.keyset.capped_count``); for staff
    each branch counts up to the cap, and their union (over the cap: capped) is counted.

    Unordered, SQLite counts by scanning the table until the cap (every finished task too);
    ordered along an index of open tasks, both databases count from that index alone
    (``_count_order``). ``sort`` does not change a count (kept for the callers' cache key)."""
    where = [_FILTERS[f]() for f in filters]
    few = bool(FEW.intersection(filters))
    if group_slots and not few:
        ids = _per_branch(where, group_slots, "count_limit").subquery()
        return select(func.count()).select_from(ids)
    if group_slots:
        where.append(_visible_any(group_slots))
    limited = (select(literal_column("1")).select_from(T).where(*where)
               .order_by(*([] if few else _count_order(filters)))
               .limit(bindparam("count_limit", **LIMIT_DEFAULTS["count_limit"])))
    return select(func.count()).select_from(limited.subquery())


def _count_order(filters: tuple[str, ...]) -> list[ColumnElement]:
    """An order that is exactly one index's (``store.tables``): the columns the filters fix
    to one value (a group, an assignee or none), then the due time when the filters fix a
    due range, else the inbox's order. The fixed columns change nothing in the order, but
    without them PostgreSQL cannot see that the index gives it, and walks the order index
    visiting each row to test its assignee (18 ms for 10,000 unassigned tasks, 2 ms from
    the index alone)."""
    due_set = bool(DUE_SET.intersection(filters))
    fixed = [T.c.candidate_group] if "candidate_group" in filters else []
    if "delegated_by" in filters:
        fixed.append(T.c.owner)
    if not due_set and ("assignee" in filters or "unassigned" in filters):
        fixed.append(T.c.assignee)
    keys, _ = _sort_keys("due_at" if due_set else "-priority,created_at", due_set)
    return [*fixed, *keyset.order_by(keys)]


@functools.lru_cache(maxsize=256)
def _list_statement(filters: tuple[str, ...], sort: str, group_slots: int = 0,
                    nulls: tuple[bool, ...] | None = None) -> Prepared:
    """Task-list statements are built once per shape (filters, sort, group slots, and for a
    page after a cursor which of its values are NULL) and run on the driver's cursor; an
    unknown sort key raises (and nothing is cached). The capped total is a subquery of the
    same statement, over the tasks alone. For staff the page is read from the branches'
    first ``:window`` (offset + limit) rows each."""
    keys, _ = _sort_keys(sort, bool(DUE_SET.intersection(filters)))
    where = [_FILTERS[f]() for f in filters]
    total = _count_statement(filters, group_slots, sort).scalar_subquery()
    page_where = [*where, keyset.after(keys, nulls)] if nulls is not None else where
    if group_slots and FEW.intersection(filters):
        page_where = [*page_where, _visible_any(group_slots)]
    elif group_slots:
        page_where = [T.c.id.in_(_per_branch(page_where, group_slots, "window", keys))]
    return Prepared(select(*_LIST_COLUMNS, *_NAME_COLUMNS, q.instances.c.case_no,
                           q.instances.c.definition_id, total.label("total_count"))
                    .select_from(T.join(q.instances, q.instances.c.id == T.c.instance_id))
                    .where(*page_where)
                    .order_by(*keyset.order_by(keys)).offset(bindparam("offset"))
                    .limit(bindparam("limit")))


def list_tasks(fd: Flowdesk, user: Principal, *, assignee: str | None = None,
               candidate_group: str | None = None, unassigned: bool | None = None,
               process_key: str | None = None, instance_id: int | None = None,
               business_key: str | None = None, state: str | None = None,
               due_before: datetime | None = None, priority_min: int | None = None,
               overdue: bool | None = None, due_today: bool | None = None,
               tz: str | None = None, sla_state: str | None = None,
               escalated: bool | None = None, delegated_by: str | None = None,
               sort: str = "-priority,created_at", page: int = 1,
               per_page: int = 50, cursor: str | None = None,
               total_cap: int = keyset.TOTAL_CAP) -> keyset.Page:
    """One statement: the page and the total, exact up to ``total_cap`` (then capped).

    ``cursor``: the ``next_cursor`` of the page before (keyset: ``page`` is then not used for
    the offset). ``overdue``: due before now; ``due_today``: due on today's date in ``tz``
    (default the server's FLOWDESK_TIMEZONE); ``sla_state``: ok, at_risk, breached, paused or
    met; ``escalated``: escalated by hand to the supervisors; ``delegated_by``: delegated by
    that user ('me' or a username) and not resolved yet (one's own need no group branches)."""
    keys, names = _sort_keys(sort)
    values = cursor_values(cursor, sort, len(keys))
    offset = 0 if cursor else (page - 1) * per_page
    params: dict = {"offset": offset, "limit": per_page + 1, "window": offset + per_page + 1,
                    **keyset.count_params(total_cap)}
    if values is not None:
        params.update(keyset.cursor_params(values))
    if overdue:
        params["now"] = fd.now()
    if due_today:
        params["due_from"], params["due_until"] = _today(fd, tz)
    if assignee:
        params["assignee"] = user.username if assignee == "me" else assignee
    if delegated_by:
        params["owner"] = user.username if delegated_by == "me" else delegated_by
    for name, value in (("candidate_group", candidate_group), ("process_key", process_key),
                        ("instance_id", instance_id), ("business_key", business_key),
                        ("due_before", due_before), ("priority_min", priority_min),
                        ("sla_state", sla_state)):
        if value is not None and value != "":
            params[name] = value
    filters = [name for name in _FILTERS if name in params]
    if overdue:
        filters.append("overdue")
    if unassigned:
        filters.append("unassigned")
    if escalated:
        filters.append("escalated")
    if delegated_by:
        filters.append("delegated_by")
    if state in (None, "active"):
        filters.append("active")
    elif state != "all":
        filters.append("state")
        params["state"] = state
    slots = 0
    if not user.has_role(*SEES_ALL) and params.get("owner") != user.username:
        slots = _staff_params(user, params)
    nulls = None if values is None else tuple(v is None for v in values)
    prepared = _list_statement(tuple(filters), sort, slots, nulls)
    with fd.uow(read_only=True) as uow:
        rows = prepared.rows(uow, params)
        if rows:
            counted = rows[0]["total_count"]
        else:  # past the end: the total still says how many there are
            counted = (uow.execute(_count_statement(tuple(filters), slots, sort), params)
                       .scalar_one() if (page > 1 or cursor) else 0)
    return keyset.page_of_rows(rows, per_page, counted, total_cap, sort, names)


# the inbox's views, landing order ("delegated": what I delegated and wait to get back)
VIEW_ORDER = ("mine", "unassigned", "overdue", "due_today", "delegated")
# Each view's own filters (beside ``active``, and ``process_key`` when asked): the list's.
_VIEW_FILTERS = {"mine": ("assignee",), "unassigned": ("unassigned",), "overdue": ("overdue",),
                 "due_today": ("due_from", "due_until"), "delegated": ("delegated_by",)}
_OWN_VIEWS = ("mine", "delegated")  # what they count is all visible to me: no group branches


@dataclass
class ViewCounts:
    """Open tasks in each inbox view, exact up to the cap, then the cap: ``capped`` names
    the views with more (the inbox shows "10000+")."""

    counts: dict[str, int]
    capped: list[str]

    def body(self, **extra: object) -> dict[str, object]:
        return {**self.counts, "capped": self.capped, **extra}


@functools.lru_cache(maxsize=64)
def _view_counts_statement(process: bool, group_slots: int) -> Select:
    """The views' capped counts in one statement, each the list's own count
    (``_count_statement``) as a column: along an index of open tasks, a branch per staff
    group, stopping at the cap. (One OR over everything staff see, counting every match,
    walked all open tasks: 100-200 ms at 100,000.) Mine and delegated need no branches: my
    tasks, and those I delegated, are all visible to me."""
    extra = ("process_key", "active") if process else ("active",)
    return select(*(_count_statement((*filters, *extra),
                                     0 if name in _OWN_VIEWS else group_slots)
                    .scalar_subquery().label(name)
                    for name, filters in _VIEW_FILTERS.items()))


def view_counts(fd: Flowdesk, user: Principal, *, process_key: str | None = None,
                tz: str | None = None, total_cap: int = keyset.TOTAL_CAP) -> ViewCounts:
    """Open tasks in each inbox view (as ``list_tasks`` would count them, capped at
    ``total_cap``), in one statement: mine, my groups' unassigned (everyone's for
    supervisors), overdue, due today, delegated by me and not back yet."""
    due_from, due_until = _today(fd, tz)
    params: dict = {"assignee": user.username, "owner": user.username, "now": fd.now(),
                    "due_from": due_from,
                    "due_until": due_until, **keyset.count_params(total_cap)}
    if process_key:
        params["process_key"] = process_key
    slots = 0
    if not user.has_role(*SEES_ALL):
        slots = _staff_params(user, params)
    statement = _view_counts_statement(bool(process_key), slots)
    with fd.uow(read_only=True) as uow:
        row = uow.execute(statement, params).mappings().one()
    counted = {name: keyset.capped(int(row[name] or 0), total_cap) for name in VIEW_ORDER}
    return ViewCounts({name: n for name, (n, _) in counted.items()},
                      [name for name, (_, over) in counted.items() if over])


def landing_view(counts: dict[str, int]) -> str:
    """The first view with work (mine, then the group queue, …); mine when all are empty."""
    return next((name for name in VIEW_ORDER if counts.get(name)), VIEW_ORDER[0])


def _staff_params(user: Principal, params: dict) -> int:
    """Binds what a staff member sees (``_visible_branches``): me and each group's slot;
    the number of slots."""
    groups = sorted(user.groups)
    slots = _group_slots(len(groups))
    params["me"] = user.username
    params.update((f"group_{i}", groups[i] if i < len(groups) else None) for i in range(slots))
    return slots


def _today(fd: Flowdesk, tz: str | None) -> tuple[datetime, datetime]:
    try:
        zone = ZoneInfo(tz or fd.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid.of("task.time_zone", [coded_field("tz", "field.time_zone", "query")],
                         zone=tz) from None
    local = fd.now().astimezone(zone)
    start = datetime.combine(local.date(), time(0), zone)
    return start, datetime.combine(local.date() + timedelta(days=1), time(0), zone)
