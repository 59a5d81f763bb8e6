"""Append-only audit trail: who did what to which instance or task, when, before and after,
and in which HTTP request (its ``X-Request-Id``, from ``services.request_context``).

A notifiable action (``services.notify.events``) is marked ``notify='pending'`` by the same
INSERT, for the fan-out. Rows the engine step produces for each task it opens are staged on
the unit of work and written together with the next audited action in one multi-row INSERT
(or just before the commit), so opening tasks adds no statement to the start and complete
paths.
"""
from __future__ import annotations

from datetime import datetime

from services.request_context import current_request_id
from store.fast_sql import insert_of
from store.tables import AuditEntry
from store.uow import UnitOfWork

from services.notify.events import is_notifiable

_table = AuditEntry.__table__
_COLUMNS = ("at", "actor", "action", "instance_id", "task_id", "definition_id", "before",
            "after", "notify", "request_id")
_INSERT = insert_of(_table, _COLUMNS, _table.c.id)
_INSERT_MANY = _table.insert().returning(_table.c.id, sort_by_parameter_order=True)
STAGED = "audit"


def _row(at: datetime, actor: str, action: str, instance_id: int | None,
         task_id: int | None, definition_id: int | None, before: dict | None,
         after: dict | None) -> dict:
    return {"at": at, "actor": actor, "action": action, "instance_id": instance_id,
            "task_id": task_id, "definition_id": definition_id, "before": before,
            "after": after, "notify": "pending" if is_notifiable(action) else None,
            "request_id": current_request_id()}


def record(uow: UnitOfWork, at: datetime, actor: str, action: str, *,
           instance_id: int | None = None, task_id: int | None = None,
           definition_id: int | None = None, before: dict | None = None,
           after: dict | None = None) -> int:
    row = _row(at, actor, action, instance_id, task_id, definition_id, before, after)
    staged = uow.take_staged(STAGED)
    if not staged:
        return _INSERT.rows(uow, row)[0]["id"]
    return uow.execute(_INSERT_MANY, [row, *staged]).scalars().all()[0]  # cause, then effects


def stage(uow: UnitOfWork, at: datetime, actor: str, action: str, *,
          instance_id: int | None = None, task_id: int | None = None,
          after: dict | None = None) -> None:
    """Audit with the next ``record`` of this unit of work (or before its commit)."""
    uow.stage(STAGED, _row(at, actor, action, instance_id, task_id, None, None, after),
              lambda: _flush(uow))


def _flush(uow: UnitOfWork) -> None:
    staged = uow.take_staged(STAGED)
    if staged:
        uow.execute(_INSERT_MANY, staged)
