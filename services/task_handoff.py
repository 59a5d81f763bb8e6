"""Handing a task on from the task itself: who it may be reassigned to, and escalating it to
the supervisors with a reason.

Reassigning is ``tasks.assign``; the rule of who may, shared here: supervisors and admins
assign to any active user; staff hand a task they hold (claimed by them: an unclaimed one is
claimed, not assigned) to a colleague in one of the task's groups. Escalating by hand is not the SLA's escalation
(``escalation_level``, owned by the clocks): it marks the task (``escalated_*``), writes the
audit trail, whose ``task.escalated`` row the notification fan-out tells the supervisors of
(``services.notify.fanout``). Moving a task to another group (``move_group``) is the
supervisors'; while a delegation is pending (``task_delegation``) the delegate may not release,
reassign or complete the task (``check_not_delegated``).
"""
from __future__ import annotations

from sqlalchemy import select

from services import audit
from services.context import Flowdesk
from services.errors import Conflict, Forbidden, Invalid, NotFound, coded_field
from services.principal import Principal, require_role
from store import queries as q
from store.tables import Group, User, UserGroup
from store.uow import UnitOfWork

USERS, GROUPS, LINKS = User.__table__, Group.__table__, UserGroup.__table__
SUPERVISES = ("supervisor", "admin")


def task_groups(task: dict) -> list[str]:
    """The lane's group and the group an SLA escalation added, if any."""
    return [g for g in (task["candidate_group"], task["escalation_group"]) if g]


def _holds_or_queue(user: Principal, task: dict) -> bool:
    return task["assignee"] == user.username or (
        task["assignee"] is None and any(g in user.groups for g in task_groups(task)))


def check_may_assign(uow: UnitOfWork, user: Principal, task: dict, assignee: str,
                     field: str = "user") -> None:
    """Raise unless ``user`` may give ``task`` to ``assignee`` (see the module's rule); a
    refusal names ``field``, the request's field that gave the user (``to`` for a delegation)."""
    if user.has_role(*SUPERVISES):
        require_active_user(uow, assignee, field)
        return
    if task["assignee"] != user.username:
        raise Forbidden.of("task.assign_not_yours", task=task["id"])
    if assignee not in _members(uow, task_groups(task)):
        require_active_user(uow, assignee, field)
        raise Invalid.of("task.assign_not_member", [coded_field(field, "field.not_group_member")],
                         user=assignee, group=task["candidate_group"])


def check_not_delegated(user: Principal, task: dict, completing: bool = False) -> None:
    """While a delegation is pending (``task_delegation``) nobody completes the task, and only
    a supervisor or admin (not the delegate) may release or reassign it, which ends it."""
    if task.get("delegation_state") != "pending":
        return
    if completing or not user.has_role(*SUPERVISES):
        raise Conflict.of("task.delegation_pending", task=task["id"], owner=task["owner"],
                          user=task["assignee"])


def assignees(fd: Flowdesk, user: Principal, task_id: int) -> list[dict]:
    """Active users of the task's groups (whom staff may hand it to), with display names."""
    with fd.uow(read_only=True) as uow:
        task = _task(uow, task_id)
        _require_sees(user, task)
        groups = task_groups(task)
        if not groups:
            return []
        rows = uow.execute(
            select(USERS.c.username, USERS.c.display_name).distinct()
            .join(LINKS, LINKS.c.user_id == USERS.c.id)
            .join(GROUPS, GROUPS.c.id == LINKS.c.group_id)
            .where(GROUPS.c.name.in_(groups), USERS.c.active.is_(True))
            .order_by(USERS.c.username)).mappings().all()
    return [dict(r) for r in rows]


def escalate(fd: Flowdesk, user: Principal, task_id: int, reason: str) -> dict:
    """Flag an open task to the supervisors with a reason (again: the newer reason wins)."""
    reason = reason.strip()
    if not reason:
        raise Invalid.of("task.escalate_reason", [coded_field("reason", "field.not_blank")])
    now = fd.now()
    with fd.uow() as uow:
        task = _task(uow, task_id)
        if not user.has_role(*SUPERVISES) and not _holds_or_queue(user, task):
            raise Forbidden.of("task.escalate_refused", task=task_id)
        if task["state"] not in q.ACTIVE:
            raise Conflict.of("task.escalate_not_open", task=task_id, state=task["state"])
        uow.execute(q.tasks.update().where(q.tasks.c.id == task_id).values(
            escalated_at=now, escalated_by=user.username, escalation_reason=reason))
        audit.record(uow, now, user.username, "task.escalated", instance_id=task["instance_id"],
                     task_id=task_id,
                     before={"escalation_reason": task["escalation_reason"]},
                     after={"escalation_reason": reason})
        return dict(uow.execute(q.TASK, {"task_id": task_id}).mappings().one())


def move_group(fd: Flowdesk, user: Principal, task_id: int, group: str,
               reason: str | None = None) -> dict:
    """Offer an open task to another group (supervisors and admins): a queue goes to another
    team. The assignee, if any, keeps it; moving to the group it is in already changes nothing."""
    require_role(user, *SUPERVISES)
    now = fd.now()
    with fd.uow() as uow:
        task = _task(uow, task_id)
        if task["state"] not in q.ACTIVE:
            raise Conflict.of("task.not_open", task=task_id, state=task["state"])
        require_group(uow, group)
        if task["candidate_group"] == group:
            return task
        uow.execute(q.tasks.update().where(q.tasks.c.id == task_id).values(candidate_group=group))
        audit.record(uow, now, user.username, "task.group_moved", instance_id=task["instance_id"],
                     task_id=task_id, before={"candidate_group": task["candidate_group"]},
                     after={"candidate_group": group, "reason": reason or None})
        return dict(uow.execute(q.TASK, {"task_id": task_id}).mappings().one())


def _task(uow: UnitOfWork, task_id: int) -> dict:
    row = uow.execute(q.TASK, {"task_id": task_id}).mappings().first()
    if row is None:
        raise NotFound.of("task.not_found", task=task_id)
    return dict(row)


def _require_sees(user: Principal, task: dict) -> None:
    if not (user.has_role(*SUPERVISES) or task["assignee"] == user.username
            or any(g in user.groups for g in task_groups(task))):
        raise Forbidden.of("task.not_in_group", task=task["id"], group=task["candidate_group"],
                           user=user.username)


def _members(uow: UnitOfWork, groups: list[str]) -> set[str]:
    if not groups:
        return set()
    return set(uow.execute(
        select(USERS.c.username).join(LINKS, LINKS.c.user_id == USERS.c.id)
        .join(GROUPS, GROUPS.c.id == LINKS.c.group_id)
        .where(GROUPS.c.name.in_(groups), USERS.c.active.is_(True))).scalars())


def require_active_user(uow: UnitOfWork, username: str, field: str = "user") -> None:
    """422 naming ``field`` unless ``username`` is an active account."""
    if uow.scalar(select(USERS.c.id).where(USERS.c.username == username,
                                           USERS.c.active.is_(True))) is None:
        raise Invalid.of("task.unknown_user", [coded_field(field, "field.unknown_user")],
                         user=username)


def require_group(uow: UnitOfWork, group: str, field: str = "group") -> None:
    """422 naming ``field`` unless ``group`` is a user group."""
    if uow.scalar(select(GROUPS.c.id).where(GROUPS.c.name == group)) is None:
        raise Invalid.of("task.unknown_group", [coded_field(field, "field.unknown_group")],
                         group=group)
