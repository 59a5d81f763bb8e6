"""The host's side of service tasks (``engine.host_actions``): done in the step's transaction.

``handover_tasks``: at shift end, the open tasks of the leaving shift become visible to the next
shift's group (as added candidates); tasks the leaving agents had claimed are released to it,
except those waiting in a ``keep_waiting`` state (default ``customer_chatting``: the customer
is still chatting, so the agent's shift extends and the task stays with them).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select


from services import audit
from services.hooks import HostOperation
from store import queries as q
from store.tables import Group, User, UserGroup
from store.uow import UnitOfWork

KEEP_BY_DEFAULT = ("customer_chatting",)


def members(conn: UnitOfWork, group: str) -> list[str]:
    users, links, groups = User.__table__, UserGroup.__table__, Group.__table__
    return [r.username for r in conn.execute(
        select(users.c.username).join(links, links.c.user_id == users.c.id)
        .join(groups, groups.c.id == links.c.group_id).where(groups.c.name == group))]


def handover_tasks(conn: UnitOfWork, instance: Any, params: dict, now: datetime) -> dict:
    leaving, taking = params["from_group"], params["to_group"]
    keep = set(params.get("keep_waiting") or KEEP_BY_DEFAULT)
    people = members(conn, leaving)
    scope = or_(q.tasks.c.candidate_group == leaving, q.tasks.c.assignee.in_(people))
    rows = conn.execute(select(q.tasks).where(q.IS_ACTIVE, scope)
                        .order_by(q.tasks.c.id)).mappings().all()
    moved, kept = [], []
    for task in rows:
        if task["waiting_reason"] in keep:
            kept.append(task["id"])
            continue
        values: dict[str, Any] = {"escalation_group": taking}
        if task["assignee"] in people:
            values.update(assignee=None, state="open", claimed_at=None)
        conn.execute(q.tasks.update().where(q.tasks.c.id == task["id"]).values(**values))
        audit.record(conn, now, "handover", "task.handed_over", instance_id=task["instance_id"],
                     task_id=task["id"],
                     before={"assignee": task["assignee"], "candidates": task["candidate_group"]},
                     after={"assignee": values.get("assignee", task["assignee"]),
                            "added_candidates": taking, "handover_case": instance["id"]})
        moved.append(task["id"])
    return {"handed_over": moved, "kept_with_agent": kept}


OPERATIONS: dict[str, HostOperation] = {
    "handover_tasks": handover_tasks}
