"""Stop an instance in ``error`` with an incident an admin can retry, without a step: for work
done outside the engine that has used up its retries (a due-work row, an external task). The
state is untouched; the version moves, so a concurrent step of the instance fails its optimistic
lock instead of overwriting the status."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from services import audit
from store.tables import Incident, ProcessInstance
from store.uow import UnitOfWork

instances = ProcessInstance.__table__


def stop_in_error(uow: UnitOfWork, instance_id: int, now: datetime, *, kind: str,
                  message: str, task_guid: str | None = None, bpmn_id: str | None = None,
                  task_name: str | None = None) -> None:
    uow.execute(instances.update().where(instances.c.id == instance_id,
                                         instances.c.status.notin_(("completed", "cancelled")))
                .values(status="error", version=instances.c.version + 1, updated_at=now))
    uow.execute(insert(Incident).values(
        instance_id=instance_id, kind=kind, task_guid=task_guid, bpmn_id=bpmn_id,
        task_name=task_name, message=message, line=None, error_line=None, created_at=now))
    audit.stage(uow, now, "engine", "instance.incident", instance_id=instance_id,
                after={"kind": kind, "bpmn_id": bpmn_id, "message": message[:500]})
