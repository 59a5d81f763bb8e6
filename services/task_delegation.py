"""Delegation as Camunda has it: the assignee (owner) of a claimed task delegates it to
someone, who works on it and resolves it, which gives it back to the owner to complete.

While a delegation is pending the task has ``owner`` (who delegated it), ``assignee`` (the
delegate), ``delegation_state='pending'`` and ``delegated_at`` (since when; the owner's inbox
lists them, ``task_list``'s ``delegated_by``): nobody completes it (409
``task.delegation_pending``, ``task_handoff.check_not_delegated``). Resolving saves the
delegate's form data as a draft (the BPMN task is not completed) and sets ``assignee`` back
to the owner with ``delegation_state='resolved'``. Whom a task may be delegated to is whom it
may be assigned to (``task_handoff.check_may_assign``). Both steps are audited
(``task.delegated``, ``task.resolved``) and notify the one who now holds the task
(``services.notify.events``).
"""
from __future__ import annotations

from datetime import datetime

from services import audit
from services.context import Flowdesk
from services.errors import Conflict, Forbidden, Invalid, coded_field
from services.plain_json import json_safe
from services.principal import Principal
from services.task_handoff import check_may_assign
from services.tasks import load_visible, require_active, set_if_unchanged
from store.uow import UnitOfWork

NOTE_MAX = 500


def delegate(fd: Flowdesk, user: Principal, task_id: int, to: str,
             note: str | None = None) -> dict:
    """The assignee hands the task to ``to`` for a while; it comes back on ``resolve``."""
    now = fd.now()
    with fd.uow() as uow:
        task = load_visible(uow, task_id, user)
        require_active(task)
        if task["assignee"] != user.username:
            raise Forbidden.of("task.delegate_not_yours", task=task_id)
        if task["delegation_state"] == "pending":  # the delegate delegating on: not Camunda's
            raise Conflict.of("task.delegation_pending", task=task_id, owner=task["owner"],
                              user=task["assignee"])
        if to == user.username:
            raise Invalid.of("task.delegate_self", [coded_field("to", "field.not_self")],
                             task=task_id)
        check_may_assign(uow, user, task, to, field="to")
        after = set_if_unchanged(uow, task, owner=user.username, assignee=to,
                                 delegation_state="pending", delegated_at=now, state="claimed")
        note = (note or "").strip()[:NOTE_MAX] or None
        _audit(uow, now, user, "task.delegated", task, after, note=note)
        return after


def resolve(fd: Flowdesk, user: Principal, task_id: int, data: dict | None = None) -> dict:
    """The delegate gives the task back to its owner, with the form filled in so far (saved as
    a draft: the owner completes it)."""
    now = fd.now()
    with fd.uow() as uow:
        task = load_visible(uow, task_id, user)
        require_active(task)
        if task["delegation_state"] != "pending":
            raise Conflict.of("task.not_delegated", task=task_id)
        if task["assignee"] != user.username:
            raise Forbidden.of("task.resolve_not_yours", task=task_id, user=task["assignee"])
        values: dict = {"assignee": task["owner"], "delegation_state": "resolved"}
        if data:
            values["data"] = {**(task["data"] or {}), **json_safe(data)}
        after = set_if_unchanged(uow, task, **values)
        _audit(uow, now, user, "task.resolved", task, after,
               draft=sorted(data) if data else None)
        return after


def _audit(uow: UnitOfWork, now: datetime, user: Principal, action: str, before: dict,
           after: dict, **extra: object) -> None:
    keys = ("assignee", "owner", "delegation_state")
    audit.record(uow, now, user.username, action, instance_id=before["instance_id"],
                 task_id=before["id"], before={k: before[k] for k in keys},
                 after={**{k: after[k] for k in keys},
                        **{k: v for k, v in extra.items() if v is not None}})
