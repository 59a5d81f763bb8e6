"""Append-only audit trail: who did what to which instance or task, when, before and after,
and in which HTTP request (its ``X-Request-Id``, from ``services.request_context``)."""
from __future__ import annotations

from datetime import datetime

from services.request_context import current_request_id
from store.fast_sql import insert_of
from store.tables import AuditEntry
from store.uow import UnitOfWork

_table = AuditEntry.__table__
_INSERT = insert_of(_table, ("at", "actor", "action", "instance_id", "task_id", "definition_id",
                             "before", "after", "request_id"), _table.c.id)


def record(uow: UnitOfWork, at: datetime, actor: str, action: str, *,
           instance_id: int | None = None, task_id: int | None = None,
           definition_id: int | None = None, before: dict | None = None,
           after: dict | None = None) -> int:
    return _INSERT.rows(uow, {
        "at": at, "actor": actor, "action": action, "instance_id": instance_id,
        "task_id": task_id, "definition_id": definition_id, "before": before,
        "after": after, "request_id": current_request_id()})[0]["id"]
