"""What a disabled user held goes back to people who can work it.

A disabled account signs in no more, so whatever it held would wait for ever: its claimed
tasks go back to their group's queue (unclaimed, as a release), a delegation to it goes back
to the owner (who holds the task plainly again), and a delegation by it is left to the
delegate (who holds the task plainly: the owner could not take it back). Each change is
audited as the admin's, with the reason, and the usual notices follow (a task given back
to its owner tells them). Done in the transaction that disables the user.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from services import audit
from services.tasks import NO_DELEGATION, RELEASED
from store import queries as q
from store.uow import UnitOfWork

REASON = "user_disabled"
T = q.tasks


def hand_back(uow: UnitOfWork, username: str, actor: str, now: datetime) -> int:
    """Give back the active tasks ``username`` holds or delegated; how many changed."""
    held = uow.execute(
        select(T.c.id, T.c.instance_id, T.c.state, T.c.assignee, T.c.owner,
               T.c.delegation_state)
        .where(q.IS_ACTIVE, or_(T.c.assignee == username, T.c.owner == username))
        .order_by(T.c.id)).mappings().all()
    for task in held:
        action, values = _what_becomes_of(task, username)
        uow.execute(T.update().where(T.c.id == task["id"]).values(**values))
        audit.record(uow, now, actor, action, instance_id=task["instance_id"],
                     task_id=task["id"],
                     before={"state": task["state"], "assignee": task["assignee"],
                             "owner": task["owner"]},
                     after={"state": values.get("state", task["state"]),
                            "assignee": values.get("assignee", task["assignee"]),
                            "reason": REASON})
    return len(held)


def _what_becomes_of(task: dict, username: str) -> tuple[str, dict]:
    """(audit action, new values) for one task the leaver holds or delegated."""
    pending = task["delegation_state"] == "pending"
    if task["assignee"] == username and pending and task["owner"]:
        return "task.assigned", {"assignee": task["owner"], **NO_DELEGATION}  # back to the owner
    if task["assignee"] == username:
        return "task.unclaimed", dict(RELEASED)
    return "task.assigned", dict(NO_DELEGATION)  # delegated by the leaver: the delegate's now
