"""Append-only audit trail: who did what to which instance or task, when, before and after."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from ..db import Executor
from ..models import AuditEntry

_INSERT = insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.id)  # built once


def record(session: Executor, at: datetime, actor: str, action: str, *,
           instance_id: int | None = None, task_id: int | None = None,
           definition_id: int | None = None, before: dict | None = None,
           after: dict | None = None) -> int:
    return session.execute(_INSERT, {
        "at": at, "actor": actor, "action": action, "instance_id": instance_id,
        "task_id": task_id, "definition_id": definition_id, "before": before,
        "after": after}).scalar_one()
