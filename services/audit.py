"""Append-only audit trail: who did what to which instance or task, when, before and after,
and in which HTTP request (its ``X-Request-Id``, from ``services.request_context``).

A notifiable action (``services.notify.events``) is marked ``notify='pending'`` by the same
INSERT, for the fan-out. Rows the engine step produces for each task it opens are staged on
the unit of work and written together with the next audited action in one multi-row INSERT
(or just before the commit), so opening tasks adds no statement to the start and complete
paths; that action's person is written into their ``after`` as ``by``.
"""
from __future__ import annotations

from datetime import datetime

from services.request_context import current_request_id
from store.fast_sql import Prepared, insert_of, insert_rows_of, numbered_rows
from store.tables import AuditEntry
from store.uow import UnitOfWork

from services.notify.events import is_notifiable

_table = AuditEntry.__table__
SYSTEM_ACTORS = frozenset({"engine", "scheduler"})  # who acts when no person does
_COLUMNS = ("at", "actor", "action", "instance_id", "task_id", "definition_id", "before",
            "after", "notify", "request_id")
_INSERT = insert_of(_table, _COLUMNS, _table.c.id)
STAGED = "audit"
_CHUNK = 50  # rows per statement: far below both databases' limits on parameters
_INSERT_ROWS: dict[int, Prepared] = {1: _INSERT}


def _insert_rows(uow: UnitOfWork, rows: list[dict]) -> int:
    """Write the rows, up to ``_CHUNK`` in one statement; the first row's id. Ids are given
    in the order of the VALUES list on both databases, so the first row has the smallest."""
    first = None
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        statement = _INSERT_ROWS.get(len(chunk))
        if statement is None:  # at most _CHUNK statements, each made once
            statement = _INSERT_ROWS.setdefault(
                len(chunk), insert_rows_of(_table, _COLUMNS, len(chunk), _table.c.id))
        params = chunk[0] if len(chunk) == 1 else numbered_rows(chunk)
        lowest = min(row["id"] for row in statement.rows(uow, params))
        first = lowest if first is None else first
    assert first is not None, "no rows to write"
    return first


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
    effects = uow.take_staged(STAGED)
    if actor not in SYSTEM_ACTORS:
        for effect in effects:  # the person whose action it was (the fan-out spares them)
            if effect["notify"] and effect["actor"] in SYSTEM_ACTORS:
                effect["after"] = {**(effect["after"] or {}), "by": actor}
    return _insert_rows(uow, [row, *effects])  # cause, then effects


def stage(uow: UnitOfWork, at: datetime, actor: str, action: str, *,
          instance_id: int | None = None, task_id: int | None = None,
          after: dict | None = None) -> None:
    """Audit with the next ``record`` of this unit of work (or before its commit)."""
    uow.stage(STAGED, _row(at, actor, action, instance_id, task_id, None, None, after),
              lambda: _flush(uow))


def _flush(uow: UnitOfWork) -> None:
    staged = uow.take_staged(STAGED)
    if staged:
        _insert_rows(uow, staged)
