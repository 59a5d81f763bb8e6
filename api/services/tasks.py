"""Staff task lists and the task lifecycle: claim, unclaim, assign, complete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from engine.errors import FormInvalid, TaskNotReady

from ..auth import CurrentUser, require_role
from ..context import Flowdesk
from ..errors import Conflict, Forbidden, NotFound, Unprocessable
from ..models import HumanTask, ProcessInstance
from . import audit
from .identity import user_exists
from .instances import (ACTIVE_TASK_STATES, FINAL_STATUSES, apply_result, json_safe,
                        load_workflow, save_state)

SORTS = {"priority": HumanTask.priority, "created_at": HumanTask.created_at,
         "due_at": HumanTask.due_at, "name": HumanTask.name, "id": HumanTask.id}
SEES_ALL = ("admin", "supervisor")


def _visible(query: Select, user: CurrentUser) -> Select:
    if user.has_role(*SEES_ALL):
        return query
    return query.where(or_(HumanTask.assignee == user.username,
                           HumanTask.candidate_group.in_(sorted(user.groups))))


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
    return order + [HumanTask.id.asc()]


def list_tasks(fd: Flowdesk, user: CurrentUser, *, assignee: str | None = None,
               candidate_group: str | None = None, unassigned: bool | None = None,
               process_key: str | None = None, instance_id: int | None = None,
               business_key: str | None = None, state: str | None = None,
               due_before: datetime | None = None, priority_min: int | None = None,
               sort: str = "-priority,created_at", page: int = 1,
               per_page: int = 50) -> tuple[list[HumanTask], int]:
    query = _visible(select(HumanTask), user)
    if assignee:
        query = query.where(HumanTask.assignee == (user.username if assignee == "me" else assignee))
    if candidate_group:
        query = query.where(HumanTask.candidate_group == candidate_group)
    if unassigned:
        query = query.where(HumanTask.assignee.is_(None))
    if process_key:
        query = query.where(HumanTask.process_key == process_key)
    if instance_id is not None:
        query = query.where(HumanTask.instance_id == instance_id)
    if business_key:
        query = query.where(HumanTask.business_key == business_key)
    if state in (None, "active"):
        query = query.where(HumanTask.state.in_(ACTIVE_TASK_STATES))
    elif state != "all":
        query = query.where(HumanTask.state == state)
    if due_before is not None:
        query = query.where(HumanTask.due_at < due_before)
    if priority_min is not None:
        query = query.where(HumanTask.priority >= priority_min)
    order = _order(sort)
    with fd.read() as session:
        total = session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
        rows = session.scalars(query.order_by(*order).offset((page - 1) * per_page)
                               .limit(per_page)).all()
    return list(rows), total


def _can_see(user: CurrentUser, task: HumanTask) -> bool:
    return (user.has_role(*SEES_ALL) or task.assignee == user.username
            or task.candidate_group in user.groups)


def _load(session: Session, task_id: int, user: CurrentUser) -> HumanTask:
    task = session.get(HumanTask, task_id)
    if task is None:
        raise NotFound(f"No task {task_id}.")
    if not _can_see(user, task):
        raise Forbidden(f"Task {task_id} belongs to the group '{task.candidate_group}', "
                        f"which '{user.username}' is not in.")
    return task


def get_task(fd: Flowdesk, user: CurrentUser, task_id: int) -> HumanTask:
    with fd.read() as session:
        return _load(session, task_id, user)


def _require_active(task: HumanTask) -> None:
    if task.state not in ACTIVE_TASK_STATES:
        raise Conflict(f"Task {task.id} is {task.state}, not open.")


def _set(session: Session, task: HumanTask, expected_assignee: str | None, **values: object) -> None:
    """Conditional update: fails with 409 if the task changed since it was read."""
    changed = session.execute(update(HumanTask).where(
        HumanTask.id == task.id, HumanTask.state.in_(ACTIVE_TASK_STATES),
        (HumanTask.assignee == expected_assignee) if expected_assignee is not None
        else HumanTask.assignee.is_(None)).values(**values)).rowcount
    if changed != 1:
        raise Conflict(f"Task {task.id} was changed by someone else; reload it.")


def claim(fd: Flowdesk, user: CurrentUser, task_id: int) -> HumanTask:
    now = fd.now()
    with fd.uow() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if task.assignee == user.username:
            return task
        if task.assignee is not None:
            raise Conflict(f"Task {task_id} is already claimed by '{task.assignee}'.")
        if task.candidate_group not in user.groups and not user.has_role("admin"):
            raise Forbidden(f"Only members of '{task.candidate_group}' can claim task {task_id}.")
        before = {"state": task.state, "assignee": None}
        _set(session, task, None, assignee=user.username, state="claimed", claimed_at=now)
        audit.record(session, now, user.username, "task.claimed", instance_id=task.instance_id,
                     task_id=task.id, before=before,
                     after={"state": "claimed", "assignee": user.username})
        task.assignee, task.state, task.claimed_at = user.username, "claimed", now
        return task


def unclaim(fd: Flowdesk, user: CurrentUser, task_id: int) -> HumanTask:
    now = fd.now()
    with fd.uow() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if task.assignee is None:
            raise Conflict(f"Task {task_id} is not claimed.")
        if task.assignee != user.username and not user.has_role(*SEES_ALL):
            raise Forbidden(f"Task {task_id} is claimed by '{task.assignee}'; only they or a "
                            "supervisor can release it.")
        before = {"state": task.state, "assignee": task.assignee}
        _set(session, task, task.assignee, assignee=None, state="open", claimed_at=None)
        audit.record(session, now, user.username, "task.unclaimed", instance_id=task.instance_id,
                     task_id=task.id, before=before,
                     after={"state": "open", "assignee": None})
        task.assignee, task.state, task.claimed_at = None, "open", None
        return task


def assign(fd: Flowdesk, user: CurrentUser, task_id: int, assignee: str) -> HumanTask:
    require_role(user, *SEES_ALL)
    now = fd.now()
    with fd.uow() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if not user_exists(session, assignee):
            raise Unprocessable(f"No active user '{assignee}'.",
                                [{"field": "user", "message": "unknown user", "location": "json"}])
        before = {"state": task.state, "assignee": task.assignee}
        _set(session, task, task.assignee, assignee=assignee, state="claimed", claimed_at=now)
        audit.record(session, now, user.username, "task.assigned", instance_id=task.instance_id,
                     task_id=task.id, before=before,
                     after={"state": "claimed", "assignee": assignee})
        task.assignee, task.state, task.claimed_at = assignee, "claimed", now
        return task


def complete(fd: Flowdesk, user: CurrentUser, task_id: int, data: dict) -> dict:
    """Run the engine for this task; exactly one of several concurrent completes wins."""
    now = fd.now()
    with fd.uow() as session:
        task = _load(session, task_id, user)
        _require_active(task)
        if task.assignee is not None and task.assignee != user.username:
            raise Forbidden(f"Task {task_id} is claimed by '{task.assignee}'.")
        if task.assignee is None and task.candidate_group not in user.groups:
            raise Forbidden(f"Only members of '{task.candidate_group}' can complete task "
                            f"{task_id}.")
        instance = session.get(ProcessInstance, task.instance_id)
        if instance is None or instance.status in (*FINAL_STATUSES, "error"):
            raise Conflict(f"The instance of task {task_id} is "
                           f"{instance.status if instance else 'gone'}.")
        before = {"state": task.state, "assignee": task.assignee,
                  "instance_status": instance.status}
        parsed, wf = load_workflow(fd, session, instance)
        try:
            result = fd.runtime.complete_task(parsed, wf, task.task_guid, data)
        except (FormInvalid, TaskNotReady):
            fd.workflows.put(instance.id, instance.version, wf)  # untouched: keep it warm
            raise
        new_version = save_state(session, fd, instance, fd.runtime.dumps(wf), result, now)
        _set(session, task, task.assignee, state="completed", completed_at=now,
             completed_by=user.username, assignee=user.username, data=json_safe(data))
        new_ids = apply_result(session, fd, instance, result, now)
        audit.record(session, now, user.username, "task.completed",
                     instance_id=instance.id, task_id=task.id, before=before,
                     after={"state": "completed", "data": json_safe(data),
                            "instance_status": result.status})
    if result.status not in FINAL_STATUSES and result.incident is None:
        fd.workflows.put(instance.id, new_version, wf)
    return {"task_id": task_id, "instance_id": instance.id, "instance_status": result.status,
            "next_task_ids": new_ids,
            "incident": result.incident.message if result.incident else None}
