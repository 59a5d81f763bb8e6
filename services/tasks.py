"""The task lifecycle: claim, unclaim, assign, complete (task lists: ``task_list``; delegating
and resolving: ``task_delegation``; many tasks at once: ``task_bulk``).

A new assignment or a release ends a delegation (``owner``, ``delegation_state`` and
``delegated_at`` cleared); while one is pending only the owner's side may do that, and nobody
completes the task (``task_handoff.check_not_delegated``)."""
from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import bindparam

from engine.errors import FormInvalid, TaskNotReady
from engine.status_profile import IllegalStatus

from services import audit, customer_reads, metrics
from services.context import Flowdesk
from services.engine_step import ACTIVE_TASK_STATES, FINAL_STATUSES, step
from services.errors import Conflict, Forbidden, NotFound, Stale
from services.plain_json import json_safe
from services.principal import Principal
from services.sla import clocks as sla
from services.suspension import refuse_if_suspended
from services.task_handoff import check_may_assign, check_not_delegated
from services.task_list import SEES_ALL, list_tasks  # noqa: F401 - the routes' one service module
from store import queries as q
from store.fast_sql import Prepared
from store.uow import UnitOfWork

T = q.tasks
NO_DELEGATION = {"owner": None, "delegation_state": None, "delegated_at": None}
# A task given back to its group's queue (an unclaim, a leaver's claim).
RELEASED = {"assignee": None, "state": "open", "claimed_at": None, **NO_DELEGATION}


def in_groups(user: Principal, task: dict) -> bool:
    """Members of the task's lane, or of the group an SLA escalation added as candidates."""
    return (task["candidate_group"] in user.groups
            or (task["escalation_group"] is not None and task["escalation_group"] in user.groups))


def _can_see(user: Principal, task: dict) -> bool:
    return (user.has_role(*SEES_ALL) or task["assignee"] == user.username
            or task.get("owner") == user.username or in_groups(user, task))


def _visible(user: Principal, task_id: int, row: object) -> dict:
    """The task row as a dict: 404 if there is none, 403 if the user may not see it."""
    if row is None:
        raise NotFound.of("task.not_found", task=task_id)
    task = dict(row)  # type: ignore[call-overload]
    if not _can_see(user, task):
        raise Forbidden.of("task.not_in_group", task=task_id, group=task["candidate_group"],
                           user=user.username)
    return task


def load_visible(uow: UnitOfWork, task_id: int, user: Principal) -> dict:
    """The task as the user may see it (404, 403 otherwise)."""
    return _visible(user, task_id,
                    uow.execute(q.TASK, {"task_id": task_id}).mappings().first())


def _load_for_complete(uow: UnitOfWork, task_id: int,
                       user: Principal) -> tuple[dict, dict[str, int]]:
    """The task with its instance's status and version, and the instance's other open tasks
    (guid -> id), in one statement."""
    rows = q.FAST_TASK_WITH_INSTANCE.rows(uow, {"task_id": task_id})
    task = _visible(user, task_id, rows[0] if rows else None)
    del task["open_guid"], task["open_id"]
    return task, {r["open_guid"]: r["open_id"] for r in rows if r["open_id"] is not None}


def get_task(fd: Flowdesk, user: Principal, task_id: int) -> dict:
    with fd.uow(read_only=True) as uow:
        return load_visible(uow, task_id, user)


def shown(fd: Flowdesk, user: Principal, task: dict) -> dict:
    """The task's detail as it leaves for the user (the API's answer to a read, claim, assign,
    delegation): data carrying the customer's record is a read of that record, audited as
    ``customer.read`` via ``task`` as on the case page. Not in ``get_task`` and the actions
    themselves: bulk actions and dry runs call them and show nobody the data."""
    customer_reads.record_if_shown(fd, user, task.get("data"), task["instance_id"], "task")
    return task


def require_active(task: dict) -> None:
    if task["state"] not in ACTIVE_TASK_STATES:
        raise Conflict.of("task.not_open", task=task["id"], state=task["state"])


@functools.lru_cache(maxsize=32)
def _update_statement(keys: tuple[str, ...]) -> Prepared:
    return Prepared(T.update().where(
        T.c.id == bindparam("task_id"), q.IS_ACTIVE,
        T.c.assignee.is_not_distinct_from(bindparam("expected_assignee"))
    ).values({k: bindparam(f"new_{k}") for k in keys}))


def set_if_unchanged(uow: UnitOfWork, task: dict, **values: object) -> dict:
    """Conditional update: 409 if the task changed since it was read; returns the new view."""
    params = {f"new_{k}": v for k, v in values.items()}
    params.update(task_id=task["id"], expected_assignee=task["assignee"])
    changed = _update_statement(tuple(sorted(values))).rowcount(uow, params)
    if changed != 1:
        raise Conflict.of("task.changed", task=task["id"])
    return {**task, **values}


def _audit(uow: UnitOfWork, now: datetime, user: Principal, action: str, before: dict,
           after: dict) -> None:
    audit.record(uow, now, user.username, action, instance_id=before["instance_id"],
                 task_id=before["id"],
                 before={"state": before["state"], "assignee": before["assignee"]},
                 after={"state": after["state"], "assignee": after["assignee"]})


def _instance_status(uow: UnitOfWork, instance_id: int) -> str:
    return uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().one()["status"]


def claim(fd: Flowdesk, user: Principal, task_id: int) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        task = load_visible(uow, task_id, user)
        require_active(task)
        if task["assignee"] == user.username:
            return task
        if task["assignee"] is not None:
            raise Conflict.of("task.claimed", task=task_id, user=task["assignee"])
        if not in_groups(user, task) and not user.has_role("admin"):
            raise Forbidden.of("task.claim_members_only", task=task_id,
                               group=task["candidate_group"])
        refuse_if_suspended(_instance_status(uow, task["instance_id"]), task["instance_id"])
        after = set_if_unchanged(uow, task, assignee=user.username, state="claimed", claimed_at=now)
        if task["sla_state"] is not None:
            sla.on_task_claimed(uow, fd.sla, task_id, now)
        _audit(uow, now, user, "task.claimed", task, after)
        return after


def unclaim(fd: Flowdesk, user: Principal, task_id: int) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        task = load_visible(uow, task_id, user)
        require_active(task)
        if task["assignee"] is None:
            raise Conflict.of("task.not_claimed", task=task_id)
        if task["assignee"] != user.username and not user.has_role(*SEES_ALL):
            raise Forbidden.of("task.unclaim_refused", task=task_id, user=task["assignee"])
        check_not_delegated(user, task)
        after = set_if_unchanged(uow, task, **RELEASED)
        _audit(uow, now, user, "task.unclaimed", task, after)
        return after


def assign(fd: Flowdesk, user: Principal, task_id: int, assignee: str) -> dict:
    """Give the task to ``assignee``: supervisors and admins to anyone active, staff a task
    they hold to a colleague of its group (``task_handoff.check_may_assign``). Giving it to
    whoever holds it already (no delegation on it) changes nothing, as a claim of one's own
    task: a repeated bulk assign neither restarts the claim time nor audits nor tells again."""
    now = fd.now()
    with fd.uow() as uow:
        task = load_visible(uow, task_id, user)
        require_active(task)
        check_not_delegated(user, task)
        check_may_assign(uow, user, task, assignee)
        if _held_plainly_by(task, assignee):
            return task
        # as a claim: a first response stops the clock, which a suspended case's may not see
        refuse_if_suspended(_instance_status(uow, task["instance_id"]), task["instance_id"])
        after = set_if_unchanged(uow, task, assignee=assignee, state="claimed", claimed_at=now,
                                 **NO_DELEGATION)
        if task["sla_state"] is not None:
            sla.on_task_claimed(uow, fd.sla, task_id, now)
        _audit(uow, now, user, "task.assigned", task, after)
        return after


def _held_plainly_by(task: dict, username: str) -> bool:
    """The task is claimed by ``username`` with no delegation pending or resolved on it."""
    return task["assignee"] == username and all(task.get(k) is None for k in NO_DELEGATION)


STALE_RETRIES = 3


def complete(fd: Flowdesk, user: Principal, task_id: int, data: dict) -> dict:
    """Complete a task; if another task of the same instance won a race, reload and try again.

    Two completes of one task: the loser's retry finds the task completed and gets 409. Two
    tasks of one instance (parallel branches): both succeed, one after the other.
    """
    for attempt in range(STALE_RETRIES):
        try:
            return _complete_once(fd, user, task_id, data)
        except Stale:
            if attempt == STALE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _complete_once(fd: Flowdesk, user: Principal, task_id: int, data: dict) -> dict:
    now = fd.now()
    with fd.uow() as uow:
        task, others_open = _load_for_complete(uow, task_id, user)
        require_active(task)
        check_not_delegated(user, task, completing=True)
        if task["assignee"] is not None and task["assignee"] != user.username:
            raise Forbidden.of("task.claimed_by_other", task=task_id, user=task["assignee"])
        if task["assignee"] is None and not in_groups(user, task):
            raise Forbidden.of("task.complete_members_only", task=task_id,
                               group=task["candidate_group"])
        refuse_if_suspended(task["instance_status"], task["instance_id"])
        if task["instance_status"] in (*FINAL_STATUSES, "error"):
            raise Conflict.of("task.instance_ended", task=task_id, status=task["instance_status"])
        instance = {"id": task["instance_id"], "version": task["instance_version"],
                    "status": task["instance_status"], "definition_id": task["definition_id"],
                    "process_key": task["process_key"], "business_key": task["business_key"]}
        safe = json_safe(data)
        if task["sla_state"] is not None:
            sla.on_tasks_closed(uow, fd.sla, [task_id], now)
        set_if_unchanged(uow, task, state="completed", completed_at=now, completed_by=user.username,
             assignee=user.username, data=safe)
        result, new_tasks = step(
            uow, fd, instance,
            lambda parsed, wf: fd.runtime.complete_task(parsed, wf, task["task_guid"], data),
            now, known_open=others_open, untouched_on=(FormInvalid, TaskNotReady, IllegalStatus))
        audit.record(uow, now, user.username, "task.completed",
                     instance_id=instance["id"], task_id=task_id,
                     before={"state": task["state"], "assignee": task["assignee"],
                             "instance_status": task["instance_status"]},
                     after={"state": "completed", "data": safe,
                            "instance_status": result.status})
        metrics.count_task_completed(uow, task["process_key"], task["candidate_group"])
    return {"task_id": task_id, "instance_id": instance["id"], "instance_status": result.status,
            "next_task_ids": [t["id"] for t in new_tasks],
            "incident": result.incident.message if result.incident else None}
