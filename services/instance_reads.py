"""Reading process instances: one instance's detail, and filtered, paginated lists of
instances and of their incidents."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from services.principal import Principal, require_role
from services.context import Flowdesk
from services.errors import NotFound
from store.tables import AuditEntry, HumanTask, Incident, ProcessInstance
from store.queries import ACTIVE as ACTIVE_TASK_STATES
from store.queries import page_of


def get_instance(fd: Flowdesk, instance_id: int) -> dict:
    with fd.read() as session:
        instance = session.get(ProcessInstance, instance_id)
        if instance is None:
            raise NotFound(f"No process instance {instance_id}.")
        tasks = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id,
            HumanTask.state.in_(ACTIVE_TASK_STATES)).order_by(HumanTask.id)).all()
        audit_table = AuditEntry.__table__
        trail = session.execute(
            select(audit_table, HumanTask.name.label("task_name"))
            .outerjoin(HumanTask, HumanTask.id == audit_table.c.task_id)
            .where(audit_table.c.instance_id == instance_id)
            .order_by(audit_table.c.id)).mappings().all()
        incidents = session.scalars(select(Incident).where(Incident.instance_id == instance_id)
                                    .order_by(Incident.id)).all()
    return {**{c.key: getattr(instance, c.key) for c in ProcessInstance.__table__.c
               if c.key != "state"},
            "open_tasks": tasks, "audit": trail, "incidents": incidents}


def list_instances(fd: Flowdesk, *, status: str | None = None, process_key: str | None = None,
                   business_key: str | None = None, started_after: datetime | None = None,
                   started_before: datetime | None = None, case_no: str | None = None,
                   customer_id: int | None = None, related_case_no: str | None = None,
                   page: int = 1, per_page: int = 50) -> tuple[list[ProcessInstance], int]:
    query = select(ProcessInstance)
    for column, value in ((ProcessInstance.status, status),
                          (ProcessInstance.process_key, process_key),
                          (ProcessInstance.business_key, business_key),
                          (ProcessInstance.case_no, case_no),
                          (ProcessInstance.customer_id, customer_id),
                          (ProcessInstance.related_case_no, related_case_no)):
        if value:
            query = query.where(column == value)
    if started_after:
        query = query.where(ProcessInstance.started_at >= started_after)
    if started_before:
        query = query.where(ProcessInstance.started_at < started_before)
    with fd.read() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(query.order_by(ProcessInstance.id.desc())
                               .offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), total


def list_incidents(fd: Flowdesk, user: Principal, *, state: str = "open",
                   process_key: str | None = None, instance_id: int | None = None,
                   page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
    """Incidents with their case, newest first: the admin's work list. ``state``: open (not
    yet resolved by a retry), resolved, or all."""
    require_role(user, "admin")
    incidents, instances = Incident.__table__, ProcessInstance.__table__
    query = (select(incidents, instances.c.case_no, instances.c.process_key,
                    instances.c.business_key, instances.c.status.label("instance_status"))
             .join(instances, instances.c.id == incidents.c.instance_id)
             .order_by(incidents.c.id.desc()))
    if state == "open":
        query = query.where(incidents.c.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(incidents.c.resolved_at.is_not(None))
    if process_key:
        query = query.where(instances.c.process_key == process_key)
    if instance_id is not None:
        query = query.where(incidents.c.instance_id == instance_id)
    with fd.read_tx() as conn:
        return page_of(conn, query, page, per_page)
