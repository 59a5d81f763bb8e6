"""What a scenario looks at in its throwaway store: open tasks, SLA clocks, incidents, external
tasks, an instance's variables and engine state. Plain reads; a throwaway store holds only the
scenario's own cases, so "every open task" is the scenario's open tasks."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from services.context import Flowdesk
from store import queries as q
from store.tables import ExternalTask, HumanTask, Incident, ProcessInstance, SlaClock, SlaPolicyRow

TASKS, CLOCKS, POLICIES = HumanTask.__table__, SlaClock.__table__, SlaPolicyRow.__table__
INSTANCES, INCIDENTS, EXTERNAL = (ProcessInstance.__table__, Incident.__table__,
                                  ExternalTask.__table__)
OPEN = ("open", "claimed")


def aware(value: datetime | None) -> datetime | None:
    """Stored times are UTC; SQLite gives them back without a zone."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def open_tasks(fd: Flowdesk) -> list[dict[str, Any]]:
    with fd.uow(read_only=True) as uow:
        rows = uow.execute(select(TASKS).where(TASKS.c.state.in_(OPEN))
                           .order_by(TASKS.c.id)).mappings().all()
    return [{**row, "due_at": aware(row["due_at"])} for row in rows]


def sla_clocks(fd: Flowdesk) -> list[dict[str, Any]]:
    query = (select(CLOCKS.c.sla_state, CLOCKS.c.status, CLOCKS.c.due_at, CLOCKS.c.kind,
                    CLOCKS.c.escalation_level, POLICIES.c.name.label("policy"),
                    TASKS.c.bpmn_id.label("element"))
             .join(POLICIES, POLICIES.c.id == CLOCKS.c.policy_id)
             .outerjoin(TASKS, TASKS.c.id == CLOCKS.c.task_id).order_by(CLOCKS.c.id))
    with fd.uow(read_only=True) as uow:
        rows = uow.execute(query).mappings().all()
    return [{**row, "due_at": aware(row["due_at"])} for row in rows]


def incidents(fd: Flowdesk, instance_id: int) -> list[dict[str, Any]]:
    with fd.uow(read_only=True) as uow:
        return [dict(r) for r in uow.execute(
            select(INCIDENTS.c.bpmn_id, INCIDENTS.c.kind, INCIDENTS.c.message)
            .where(INCIDENTS.c.instance_id == instance_id)).mappings()]


def open_external_tasks(fd: Flowdesk) -> list[dict[str, Any]]:
    with fd.uow(read_only=True) as uow:
        return [dict(r) for r in uow.execute(
            select(EXTERNAL.c.id, EXTERNAL.c.bpmn_id, EXTERNAL.c.topic, EXTERNAL.c.instance_id)
            .where(EXTERNAL.c.state == "open").order_by(EXTERNAL.c.id)).mappings()]


def instance_ids(fd: Flowdesk, process_key: str | None = None) -> list[int]:
    """Every case in the store (of ``process_key``), oldest first."""
    query = select(INSTANCES.c.id).order_by(INSTANCES.c.id)
    if process_key is not None:
        query = query.where(INSTANCES.c.process_key == process_key)
    with fd.uow(read_only=True) as uow:
        return list(uow.scalars(query))


def instance(fd: Flowdesk, instance_id: int) -> dict[str, Any]:
    """The head row with its variables and engine state (parsed definition included)."""
    with fd.uow(read_only=True) as uow:
        row = uow.execute(select(INSTANCES.c.status, INSTANCES.c.variables,
                                 INSTANCES.c.definition_id)
                          .where(INSTANCES.c.id == instance_id)).mappings().one()
        state = uow.execute(q.INSTANCE_STATE, {"instance_id": instance_id}).scalar_one()
        parsed = fd.parsed(uow, row["definition_id"])
    return {**row, "workflow": fd.runtime.loads(parsed, state), "parsed": parsed}
