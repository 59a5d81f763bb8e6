"""The ``external_tasks`` table kept in step with the engine (the worker-facing operations are
``services.external_tasks``).

After every step of an instance whose process has external tasks, its rows are made to match
the external tasks the engine reports open: new ones are inserted for workers to fetch, and
ones the process withdrew (an interrupting boundary event, a cancelled instance) are
cancelled, so no worker can fetch or complete them any more. Processes without external tasks
never get here (``ParsedDefinition.has_external_tasks``), so they pay no statement for it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select

from engine.external_tasks import OpenExternalTask

from services import audit
from services.plain_json import json_safe
from store.queries import one_of
from store.tables import ExternalTask
from store.uow import UnitOfWork

ext = ExternalTask.__table__
LIVE = ("open", "incident")  # rows a process still waits on

LIVE_OF_INSTANCE = select(ext.c.task_guid, ext.c.id).where(
    ext.c.instance_id == bindparam("instance_id"), one_of(ext.c.state, LIVE))

INCIDENTS_OF_INSTANCE = select(ext.c.task_guid).where(
    ext.c.instance_id == bindparam("instance_id"), ext.c.state == "incident")


def sync(uow: UnitOfWork, instance_id: int, tasks: list[OpenExternalTask], now: datetime,
         known_empty: bool = False) -> None:
    """Make the instance's live rows match ``tasks``; ``known_empty``: the instance was just
    created, so there is nothing to read."""
    existing: dict[str, int] = ({} if known_empty else dict(
        uow.execute(LIVE_OF_INSTANCE, {"instance_id": instance_id}).tuples().all()))
    wanted = {t.guid: t for t in tasks}
    gone = [task_id for guid, task_id in existing.items() if guid not in wanted]
    if gone:
        uow.execute(ext.update().where(ext.c.id.in_(gone)).values(
            state="cancelled", worker_id=None, lock_expires_at=None, updated_at=now))
        for task_id in gone:
            audit.record(uow, now, "engine", "external_task.cancelled", instance_id=instance_id,
                         after={"external_task_id": task_id, "state": "cancelled"})
    new = [_row(instance_id, t, now) for guid, t in wanted.items() if guid not in existing]
    if new:
        uow.execute(insert(ext), new)


def _row(instance_id: int, task: OpenExternalTask, now: datetime) -> dict[str, Any]:
    return {"instance_id": instance_id, "task_guid": task.guid, "bpmn_id": task.bpmn_id,
            "topic": task.topic, "state": "open", "worker_id": None, "lock_expires_at": None,
            "retries": None, "retry_at": None, "error_message": None, "error_details": None,
            "input": json_safe(task.input),
            "priority": task.priority, "created_at": now, "updated_at": now}


def reopen_incidents(uow: UnitOfWork, instance_id: int, now: datetime) -> list[str]:
    """An admin's retry: the tasks whose worker gave up are fetchable again, with one retry
    (Camunda's "set retries"); returns their task guids."""
    guids = list(uow.execute(INCIDENTS_OF_INSTANCE, {"instance_id": instance_id}).scalars())
    if guids:
        uow.execute(ext.update().where(ext.c.instance_id == instance_id,
                                       ext.c.state == "incident")
                    .values(state="open", retries=1, retry_at=None, worker_id=None,
                            lock_expires_at=None, updated_at=now))
    return guids
