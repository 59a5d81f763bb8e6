"""Suspend and resume a running instance (admins and supervisors, with a reason, audited).

While an instance is ``suspended`` nothing moves it: its tasks cannot be claimed or completed
(409), its timers and queued deliveries are held (their due-work rows wait in state
``suspended`` with their due time kept, so on resume whatever is already due fires at once),
and a message or signal correlated to it is queued the same way and delivered after resume.
SLA clocks keep running unless their policy lists ``suspended`` in ``pause_when`` (the same
mechanism as waiting on the customer): then they pause and resume with the instance. An
admin's variable correction or cancel still works; the status stays ``suspended``.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam

from services import audit
from services.context import Flowdesk
from services.engine_step import FINAL_STATUSES, load_workflow
from services.errors import Conflict, Invalid, NotFound, Stale, coded_field
from services.principal import Principal, require_role
from services.sla import clocks as sla
from services.visibility import SEES_ALL
from store import queries as q
from store.tables import DueWork
from store.uow import UnitOfWork

SUSPENDED = "suspended"
REASON = sla.SUSPENDED  # the pause reason SLA policies name in pause_when
HELD_KINDS = ("timer", "deliver")  # due work that moves the instance (not its SLA clocks)
due = DueWork.__table__


def require_reason(reason: str | None) -> str:
    """A reason is part of the record: 422 naming the field when it is blank."""
    if not (reason or "").strip():
        raise Invalid.of("instance.reason_required", [coded_field("reason", "field.not_blank")])
    return reason.strip()  # type: ignore[union-attr]


def refuse_if_suspended(status: str, instance_id: int) -> None:
    """409 for anything that would move a suspended instance."""
    if status == SUSPENDED:
        raise Conflict.of("instance.suspended", instance=instance_id)


def hold(uow: UnitOfWork, row_id: int) -> None:
    """A due row of a suspended instance waits for the resume, its due time kept."""
    uow.execute(due.update().where(due.c.id == row_id).values(state=SUSPENDED))


def _set_status(uow: UnitOfWork, fd: Flowdesk, instance: dict, status: str,
                now: datetime) -> None:
    """Change the status under the optimistic lock; the parked workflow follows the version."""
    changed = uow.execute(q.instances.update().where(
        q.instances.c.id == instance["id"], q.instances.c.version == instance["version"])
        .values(status=status, version=instance["version"] + 1, updated_at=now)).rowcount
    if changed != 1:
        raise Stale.of("instance.changed", instance=instance["id"])
    fd.workflows.evict(instance["id"])


def _head(uow: UnitOfWork, instance_id: int) -> dict:
    row = uow.execute(q.INSTANCE_HEAD, {"instance_id": instance_id}).mappings().first()
    if row is None:
        raise NotFound.of("instance.not_found", instance=instance_id)
    return dict(row)


def _move_due(uow: UnitOfWork, instance_id: int, kinds: tuple[str, ...], from_state: str,
              to_state: str) -> int:
    return uow.execute(due.update().where(
        due.c.instance_id == bindparam("for_instance"), due.c.kind.in_(kinds),
        due.c.state == from_state).values(state=to_state),
        {"for_instance": instance_id}).rowcount


def suspend_instance(fd: Flowdesk, user: Principal, instance_id: int, reason: str) -> None:
    require_role(user, *SEES_ALL)
    reason = require_reason(reason)
    now = fd.now()
    with fd.uow() as uow:
        instance = _head(uow, instance_id)
        if instance["status"] in (*FINAL_STATUSES, "error", SUSPENDED):
            raise Conflict.of("instance.not_suspendable", instance=instance_id,
                              status=instance["status"])
        _set_status(uow, fd, instance, SUSPENDED, now)
        held = _move_due(uow, instance_id, HELD_KINDS, "pending", SUSPENDED)
        paused = sla.pause_for(uow, fd.sla, instance_id, REASON, now)
        audit.record(uow, now, user.username, "instance.suspended", instance_id=instance_id,
                     before={"status": instance["status"]},
                     after={"status": SUSPENDED, "reason": reason, "due_work_held": held,
                            "sla_clocks_paused": paused})


def resume_instance(fd: Flowdesk, user: Principal, instance_id: int, reason: str) -> None:
    """Back to the status the engine reports (running or waiting); held work is due again."""
    require_role(user, *SEES_ALL)
    reason = require_reason(reason)
    now = fd.now()
    with fd.uow() as uow:
        instance = _head(uow, instance_id)
        if instance["status"] != SUSPENDED:
            raise Conflict.of("instance.not_suspended", instance=instance_id,
                              status=instance["status"])
        parsed, wf = load_workflow(fd, uow, instance_id, instance["definition_id"],
                                   instance["version"])
        status = fd.runtime.inspect(parsed, wf).status
        _set_status(uow, fd, instance, status, now)
        released = _move_due(uow, instance_id, (*HELD_KINDS, "sla"), SUSPENDED, "pending")
        resumed = sla.resume_from(uow, fd.sla, instance_id, REASON, now)
        audit.record(uow, now, user.username, "instance.resumed", instance_id=instance_id,
                     before={"status": SUSPENDED},
                     after={"status": status, "reason": reason, "due_work_released": released,
                            "sla_clocks_resumed": resumed})
