"""Staff task lists and the task lifecycle: claim, unclaim, assign, complete."""
from __future__ import annotations

import functools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Select, bindparam, func, or_, select

from engine.errors import FormInvalid, TaskNotReady
from engine.status_profile import IllegalStatus

from .. import queries as q
from ..auth import CurrentUser, require_role
from ..context import Flowdesk
from ..errors import Conflict, Forbidden, NotFound, StaleInstance, Unprocessable
from . import audit, sla
from .identity import user_exists
from .instances import (ACTIVE_TASK_STATES, FINAL_STATUSES, apply_result, json_safe, keep_live,
                        load_workflow, save_state)

T = q.tasks
SORTS = {"priority": T.c.priority, "created_at": T.c.created_at, "due_at": T.c.due_at,
         "name": T.c.name, "id": T.c.id}
SEES_ALL = ("admin", "supervisor")


def _order(sort: str) -> list:
    order = []
    for part in [p.strip() for p in sort.split(",") if p.strip()]:
        column = SORTS.get(part.lstrip("-"))
        if column is None:
            raise Unprocessable(f"Cannot sort by '{part}'; use {', '.join(SORTS)} "
                                "(prefix '-' for descending).",
                                [{"field": "sort", "message": f"unknown sort key {part}",
                                  "location": "query"}])
        order.append(column.desc() if part.startswith("-") else column.asc())
    return order + [T.c.id.asc()]


_FILTERS = {
    "assignee": lambda: T.c.assignee == bindparam("assignee"),
    "candidate_group": lambda: T.c.candidate_group == bindparam("candidate_group"),
    "unassigned": lambda: T.c.assignee.is_(None),
    "process_key": lambda: T.c.process_key == bindparam("process_key"),
    "instance_id": lambda: T.c.instance_id == bindparam("instance_id"),
    "business_key": lambda: T.c.business_key == bindparam("business_key"),
    "active": lambda: T.c.state.in_(ACTIVE_TASK_STATES),
    "state": lambda: T.c.state == bindparam("state"),
    "due_before": lambda: T.c.due_at < bindparam("due_before"),
    "priority_min": lambda: T.c.priority >= bindparam("priority_min"),
    "groups": lambda: or_(T.c.assignee == bindparam("me"),
                          T.c.candidate_group.in_(bindparam("groups", expanding=True)),
                          T.c.escalation_group.in_(bindparam("groups", expanding=True))),
    "overdue": lambda: T.c.due_at < bindparam("now"),
    "due_from": lambda: T.c.due_at >= bindparam("due_from"),
    "due_until": lambda: T.c.due_at < bindparam("due_until"),
    "sla_state": lambda: T.c.sla_state == bindparam("sla_state"),
}
_LIST_COLUMNS = [c for c in T.c if c.key not in ("form_schema", "data", "documentation")]


@functools.lru_cache(maxsize=256)
def _list_statement(filters: tuple[str, ...], sort: str) -> Select:
    """Task-list statements are built once per shape (filters used, sort) and reused."""
    return (select(*_LIST_COLUMNS, q.instances.c.case_no, q.COUNT_OVER)
            .select_from(T.join(q.instances, q.instances.c.id == T.c.instance_id))
            .where(*(_FILTERS[f]() for f in filters))
            .order_by(*_order(sort)).offset(bindparam("offset")).limit(bindparam("limit")))


def list_tasks(fd: Flowdesk, user: CurrentUser, *, assignee: str | None = None,
               candidate_group: str | None = None, unassigned: bool | None = None,
               process_key: str | None = None, instance_id: int | None = None,
               business_key: str | None = None, state: str | None = None,
               due_before: datetime | None = None, priority_min: int | None = None,
               overdue: bool | None = None, due_today: bool | None = None,
               tz: str | None = None, sla_state: str | None = None,
               sort: str = "-priority,created_at", page: int = 1,
               per_page: int = 50) -> tuple[list[dict], int]:
    """One statement: the page and, via a window function, the total.

    ``overdue``: due before now; ``due_today``: due on today's date in ``tz`` (default the
    server's FLOWDESK_TIMEZONE); ``sla_state``: ok, at_risk, breached, paused or met."""
    params: dict = {"offset": (page - 1) * per_page, "limit": per_page}
    if overdue:
        params["now"] = fd.now()
    if due_today:
        params["due_from"], params["due_until"] = _today(fd, tz)
    if assignee:
        params["assignee"] = user.username if assignee == "me" else assignee
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
    if state in (None, "active"):
        filters.append("active")
    elif state != "all":
        filters.append("state")
        params["state"] = state
    if not user.has_role(*SEES_ALL):
        filters.append("groups")
        params.update(me=user.username, groups=sorted(user.groups))
    _order(sort)  # validate before caching
    statement = _list_statement(tuple(filters), sort)
    with fd.read_tx() as session:
        rows = session.execute(statement, params).mappings().all()
        total = rows[0]["total_count"] if rows else 0
        if not rows and page > 1:
            count = statement.with_only_columns(func.count()).order_by(None).limit(None).offset(None)
            total = session.execute(count, params).scalar_one()
    return [dict(r) for r in rows], total


def _today(fd: Flowdesk, tz: str | None) -> tuple[datetime, datetime]:
    try:
        zone = ZoneInfo(tz or fd.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable(f"Unknown time zone '{tz}'.", [
            {"field": "tz", "message": "not an IANA time zone name", "location": "query"}]
        ) from None
    local = fd.now().astimezone(zone)
    start = datetime.combine(local.date(), time(0), zone)
    return start, datetime.combine(local.date() + timedelta(days=1), time(0), zone)


def in_groups(user: CurrentUser, task: dict) -> bool:
    """Members of the task's lane, or of the group an SLA escalation added as candidates."""
    return (task["candidate_group"] in user.groups
            or (task["escalation_group"] is not None and task["escalation_group"] in user.groups))


def _can_see(user: CurrentUser, task: dict) -> bool:
    return (user.has_role(*SEES_ALL) or task["assignee"] == user.username
            or in_groups(user, task))


def _load(session: Connection, task_id: int, user: CurrentUser, with_instance: bool = False) -> dict:
    query = q.TASK_WITH_INSTANCE if with_instance else q.TASK
    row = session.execute(query, {"task_id": task_id}).mappings().first()
    if row is None:
        raise NotFound(f"No task {task_id}.")
    task = dict(row)
    if not _can_see(user, task):
        raise Forbidden(f"Task {task_id} belongs to the group '{task['candidate_group']}', "
                        f"which '{user.username}' is not in.")
    return task


def get_task(fd: Flowdesk, user: CurrentUser, task_id: int) -> dict:
    with fd.read_tx() as session:
        return _load(session, task_id, user)


def _require_active(task: dict) -> None:
    if task["state"] not in ACTIVE_TASK_STATES:
        raise Conflict(f"Task {task['id']} is {task['state']}, not open.")


@functools.lru_cache(maxsize=32)
def _update_statement(keys: tuple[str, ...]):  # type: ignore[no-untyped-def]
    return T.update().where(
        T.c.id == bindparam("task_id"), T.c.state.in_(ACTIVE_TASK_STATES),
        T.c.assignee.is_not_distinct_from(bindparam("expected_assignee"))
    ).values({k: bindparam(f"new_{k}") for k in keys})


def _set(session: Connection, task: dict, **values: object) -> dict:
    """Conditional update: 409 if the task changed since it was read; returns the new view."""
    params = {f"new_{k}": v for k, v in values.items()}
    params.update(task_id=task["id"], expected_assignee=task["assignee"])
    changed = session.execute(_update_statement(tuple(sorted(values))), params).rowcount
    if changed != 1:
        raise Conflict(f"Task {task['id']} was changed by someone else; reload it.")
    return {**task, **values}


def _audit(session: Connection, now: datetime, user: CurrentUser, action: str, before: dict,
           after: dict) -> None:
    audit.record(session, now, user.username, action, instance_id=before["instance_id"],
                 task_id=before["id"],
                 before={"state": before["state"], "assignee": before["assignee"]},
                 after={"state": after["state"], "assignee": after["assignee"]})


def claim(fd: Flowdesk, user: CurrentUser, task_id: int) -> dict:
    now = fd.now()
    with fd.tx() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if task["assignee"] == user.username:
            return task
        if task["assignee"] is not None:
            raise Conflict(f"Task {task_id} is already claimed by '{task['assignee']}'.")
        if not in_groups(user, task) and not user.has_role("admin"):
            raise Forbidden(f"Only members of '{task['candidate_group']}' can claim task "
                            f"{task_id}.")
        after = _set(session, task, assignee=user.username, state="claimed", claimed_at=now)
        if task["sla_state"] is not None:
            sla.on_task_claimed(session, task_id, now)
        _audit(session, now, user, "task.claimed", task, after)
        return after


def unclaim(fd: Flowdesk, user: CurrentUser, task_id: int) -> dict:
    now = fd.now()
    with fd.tx() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if task["assignee"] is None:
            raise Conflict(f"Task {task_id} is not claimed.")
        if task["assignee"] != user.username and not user.has_role(*SEES_ALL):
            raise Forbidden(f"Task {task_id} is claimed by '{task['assignee']}'; only they or "
                            "a supervisor can release it.")
        after = _set(session, task, assignee=None, state="open", claimed_at=None)
        _audit(session, now, user, "task.unclaimed", task, after)
        return after


def assign(fd: Flowdesk, user: CurrentUser, task_id: int, assignee: str) -> dict:
    require_role(user, *SEES_ALL)
    now = fd.now()
    with fd.tx() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if not user_exists(session, assignee):
            raise Unprocessable(f"No active user '{assignee}'.",
                                [{"field": "user", "message": "unknown user", "location": "json"}])
        after = _set(session, task, assignee=assignee, state="claimed", claimed_at=now)
        if task["sla_state"] is not None:
            sla.on_task_claimed(session, task_id, now)
        _audit(session, now, user, "task.assigned", task, after)
        return after


STALE_RETRIES = 3


def complete(fd: Flowdesk, user: CurrentUser, task_id: int, data: dict) -> dict:
    """Complete a task; if another task of the same instance won a race, reload and try again.

    Two completes of one task: the loser's retry finds the task completed and gets 409. Two
    tasks of one instance (parallel branches): both succeed, one after the other.
    """
    for attempt in range(STALE_RETRIES):
        try:
            return _complete_once(fd, user, task_id, data)
        except StaleInstance:
            if attempt == STALE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _complete_once(fd: Flowdesk, user: CurrentUser, task_id: int, data: dict) -> dict:
    now = fd.now()
    with fd.tx() as session:
        task = _load(session, task_id, user, with_instance=True)
        _require_active(task)
        if task["assignee"] is not None and task["assignee"] != user.username:
            raise Forbidden(f"Task {task_id} is claimed by '{task['assignee']}'.")
        if task["assignee"] is None and not in_groups(user, task):
            raise Forbidden(f"Only members of '{task['candidate_group']}' can complete task "
                            f"{task_id}.")
        if task["instance_status"] in (*FINAL_STATUSES, "error"):
            raise Conflict(f"The instance of task {task_id} is {task['instance_status']}.")
        instance = {"id": task["instance_id"], "version": task["instance_version"],
                    "process_key": task["process_key"], "business_key": task["business_key"]}
        parsed, wf = load_workflow(fd, session, instance["id"], task["definition_id"],
                                   instance["version"])
        try:
            result = fd.runtime.complete_task(parsed, wf, task["task_guid"], data)
        except (FormInvalid, TaskNotReady, IllegalStatus):
            fd.workflows.put(instance["id"], instance["version"], wf)  # untouched: keep it
            raise
        new_version = save_state(session, fd, instance, fd.runtime.dumps(wf), result, now)
        safe = json_safe(data)
        if task["sla_state"] is not None:
            sla.on_tasks_closed(session, [task_id], now)
        _set(session, task, state="completed", completed_at=now, completed_by=user.username,
             assignee=user.username, data=safe)
        new_tasks = apply_result(session, instance, result, now)
        audit.record(session, now, user.username, "task.completed",
                     instance_id=instance["id"], task_id=task_id,
                     before={"state": task["state"], "assignee": task["assignee"],
                             "instance_status": task["instance_status"]},
                     after={"state": "completed", "data": safe,
                            "instance_status": result.status})
    keep_live(fd, instance["id"], new_version, result.status, wf)
    return {"task_id": task_id, "instance_id": instance["id"], "instance_status": result.status,
            "next_task_ids": [t["id"] for t in new_tasks],
            "incident": result.incident.message if result.incident else None}
