"""Start, inspect, list and cancel process instances; write what the engine reported."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine.runtime import StepResult

from ..auth import CurrentUser, require_role
from ..context import Flowdesk
from ..errors import Conflict, NotFound
from ..models import AuditEntry, HumanTask, Incident, ProcessInstance
from . import audit
from .definitions import find_definition

ACTIVE_TASK_STATES = ("open", "claimed")
FINAL_STATUSES = ("completed", "cancelled")
PRIORITY_NAMES = {"low": 25, "normal": 50, "medium": 50, "high": 75, "urgent": 100}


def json_safe(value: Any) -> Any:
    """Task data as plain JSON (dates become ISO strings) for the JSON columns."""
    return json.loads(json.dumps(value, default=str))


def priority_of(variables: dict) -> int:
    raw = variables.get("priority")
    if isinstance(raw, bool):
        return 50
    if isinstance(raw, (int, float)):
        return max(0, min(100, int(raw)))
    return PRIORITY_NAMES.get(str(raw).lower(), 50) if raw is not None else 50


def apply_result(session: Session, fd: Flowdesk, instance: ProcessInstance, result: StepResult,
                 now: datetime, known_open: dict[str, int] | None = None) -> list[int]:
    """Sync human-task rows and incidents with the engine's view; return ids of new tasks."""
    if known_open is None:
        known_open = dict(session.execute(
            select(HumanTask.task_guid, HumanTask.id).where(
                HumanTask.instance_id == instance.id,
                HumanTask.state.in_(ACTIVE_TASK_STATES))).all())
    still_open = {t.guid for t in result.open_tasks}
    gone = [task_id for guid, task_id in known_open.items() if guid not in still_open]
    if gone:
        session.execute(update(HumanTask).where(HumanTask.id.in_(gone),
                                                HumanTask.state.in_(ACTIVE_TASK_STATES))
                        .values(state="cancelled", completed_at=now))
    new_rows = [{
        "task_guid": t.guid, "instance_id": instance.id, "process_key": instance.process_key,
        "business_key": instance.business_key, "bpmn_id": t.bpmn_id, "name": t.name,
        "documentation": t.documentation,
        "candidate_group": t.candidate_groups[0] if t.candidate_groups else None,
        "assignee": t.assignee, "state": "claimed" if t.assignee else "open",
        "form_schema": t.form_schema, "data": json_safe(t.data),
        "priority": priority_of(t.data), "due_at": None, "created_at": now,
        "claimed_at": now if t.assignee else None}
        for t in result.open_tasks if t.guid not in known_open]
    new_ids: list[int] = []
    if new_rows:
        new_ids = list(session.scalars(insert(HumanTask).returning(HumanTask.id), new_rows))
    if result.incident is not None:
        i = result.incident
        session.execute(insert(Incident).values(
            instance_id=instance.id, kind=i.kind, task_guid=i.task_guid, bpmn_id=i.bpmn_id,
            task_name=i.task_name, message=i.message, line=i.line, error_line=i.error_line,
            created_at=now))
    return new_ids


def save_state(session: Session, fd: Flowdesk, instance: ProcessInstance, state: str,
               result: StepResult, now: datetime) -> int:
    """Write the new state if nobody else did since we read it (optimistic lock)."""
    new_version = instance.version + 1
    done = result.status in FINAL_STATUSES
    changed = session.execute(
        update(ProcessInstance)
        .where(ProcessInstance.id == instance.id, ProcessInstance.version == instance.version)
        .values(state=state, status=result.status, version=new_version,
                variables=json_safe(result.variables), updated_at=now,
                ended_at=now if done else None)).rowcount
    if changed != 1:
        raise Conflict(f"Instance {instance.id} was changed by someone else; reload and retry.")
    return new_version


def start_instance(fd: Flowdesk, user: CurrentUser, process_key: str, version: int | None = None,
                   business_key: str | None = None, variables: dict | None = None) -> int:
    now = fd.now()
    with fd.uow() as session:
        definition = find_definition(session, process_key, version)
        parsed = fd.parsed(definition)
        wf, result = fd.runtime.start(parsed, variables or {})
        instance = ProcessInstance(
            definition_id=definition.id, process_key=definition.key, business_key=business_key,
            status=result.status, state=fd.runtime.dumps(wf),
            serializer_version=fd.runtime.serializer.version,
            spiff_version=fd.runtime.serializer.spiff_version,
            variables=json_safe(result.variables), version=1, started_by=user.username,
            started_at=now, updated_at=now,
            ended_at=now if result.status in FINAL_STATUSES else None)
        session.add(instance)
        session.flush()
        apply_result(session, fd, instance, result, now, known_open={})
        audit.record(session, now, user.username, "instance.started", instance_id=instance.id,
                     definition_id=definition.id,
                     after={"status": result.status, "version": definition.version,
                            "business_key": business_key})
        instance_id = instance.id
    if result.status not in FINAL_STATUSES and result.incident is None:
        fd.workflows.put(instance_id, 1, wf)
    return instance_id


def load_workflow(fd: Flowdesk, session: Session, instance: ProcessInstance):  # type: ignore[no-untyped-def]
    """The live workflow for this exact row version: parked one if any, else rebuilt."""
    from ..models import ProcessDefinition
    definition = session.get(ProcessDefinition, instance.definition_id)
    parsed = fd.parsed(definition)
    wf = fd.workflows.take(instance.id, instance.version)
    if wf is None:
        wf = fd.runtime.loads(parsed, instance.state)
    return parsed, wf


def cancel_instance(fd: Flowdesk, user: CurrentUser, instance_id: int, reason: str = "") -> None:
    require_role(user, "admin")
    now = fd.now()
    with fd.uow() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"No process instance {instance_id}.")
        if instance.status in FINAL_STATUSES:
            raise Conflict(f"Instance {instance_id} is already {instance.status}.")
        before = {"status": instance.status}
        _parsed, wf = load_workflow(fd, session, instance)
        result = fd.runtime.cancel(wf)
        save_state(session, fd, instance, fd.runtime.dumps(wf), result, now)
        apply_result(session, fd, instance, result, now)
        audit.record(session, now, user.username, "instance.cancelled", instance_id=instance_id,
                     before=before,
                     after={"status": "cancelled", "reason": reason})


def get_instance(fd: Flowdesk, instance_id: int) -> dict:
    with fd.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"No process instance {instance_id}.")
        tasks = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.state.in_(ACTIVE_TASK_STATES)).order_by(HumanTask.id)).all()
        trail = session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id)
                                .order_by(AuditEntry.id)).all()
        incidents = session.scalars(select(Incident).where(Incident.instance_id == instance_id)
                                    .order_by(Incident.id)).all()
    return {"instance": instance, "open_tasks": tasks, "audit": trail, "incidents": incidents}


def list_instances(fd: Flowdesk, *, status: str | None = None, process_key: str | None = None,
                   business_key: str | None = None, started_after: datetime | None = None,
                   started_before: datetime | None = None, page: int = 1,
                   per_page: int = 50) -> tuple[list[ProcessInstance], int]:
    query = select(ProcessInstance)
    if status:
        query = query.where(ProcessInstance.status == status)
    if process_key:
        query = query.where(ProcessInstance.process_key == process_key)
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    if started_after:
        query = query.where(ProcessInstance.started_at >= started_after)
    if started_before:
        query = query.where(ProcessInstance.started_at < started_before)
    with fd.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(ProcessInstance.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total
