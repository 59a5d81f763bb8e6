"""Reading process instances: one instance's detail, and filtered, paginated lists of
instances and of their incidents, each through the visibility rule (``services.visibility``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services import customer_reads
from services.context import Flowdesk
from services.errors import NotFound
from services.page_cursor import cursor_values
from services.principal import Principal, require_role
from services.visibility import case_visible, refuse_case
from store import keyset
from store.display_names import group_name, process_name
from store.queries import ACTIVE as ACTIVE_TASK_STATES
from store.keyset import SortKey
from store.tables import AuditEntry, HumanTask, Incident, ProcessInstance


INSTANCES, TASKS, AUDIT, INCIDENTS = (ProcessInstance.__table__, HumanTask.__table__,
                                      AuditEntry.__table__, Incident.__table__)
_HEAD_COLUMNS = [c for c in INSTANCES.c if c.key != "state"]
_NEWEST_FIRST = "-id"  # the admin lists' one sort, named in their cursors


def get_instance(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """The case in full, for whoever may see it (403 for a case that exists but is not
    theirs); a read of its ``customer`` variable is audited as ``customer.read``."""
    with fd.uow(read_only=True) as uow:
        head = uow.execute(select(*_HEAD_COLUMNS, case_visible(user).label("visible"))
                           .where(INSTANCES.c.id == instance_id)).mappings().first()
        if head is None:
            raise NotFound.of("instance.not_found", instance=instance_id)
        if not head["visible"]:
            raise refuse_case(user, instance_id)
        instance = {k: v for k, v in head.items() if k != "visible"}
        tasks = uow.execute(select(
            TASKS, process_name(TASKS.c.process_key).label("process_name"),
            group_name(TASKS.c.candidate_group).label("candidate_group_name")).where(
            TASKS.c.instance_id == instance_id,
            TASKS.c.state.in_(ACTIVE_TASK_STATES)).order_by(TASKS.c.id)).mappings().all()
        trail = uow.execute(
            select(AUDIT, TASKS.c.name.label("task_name"))
            .outerjoin(TASKS, TASKS.c.id == AUDIT.c.task_id)
            .where(AUDIT.c.instance_id == instance_id)
            .order_by(AUDIT.c.id)).mappings().all()
        incidents = uow.execute(select(INCIDENTS).where(INCIDENTS.c.instance_id == instance_id)
                                .order_by(INCIDENTS.c.id)).mappings().all()
    customer_reads.record_if_shown(fd, user, instance["variables"], instance_id,
                                   "instance.variables")
    return {**instance, "open_tasks": [dict(t) for t in tasks], "audit": trail,
            "incidents": [dict(i) for i in incidents]}


def list_instances(fd: Flowdesk, user: Principal, *, status: str | None = None, process_key: str | None = None,
                   business_key: str | None = None, started_after: datetime | None = None,
                   started_before: datetime | None = None, case_no: str | None = None,
                   customer_id: int | None = None, related_case_no: str | None = None,
                   page: int = 1, per_page: int = 50, cursor: str | None = None,
                   total_cap: int = keyset.TOTAL_CAP) -> keyset.Page:
    """The instances this user may see (their head rows, no variables), newest first, by
    page number or after a ``cursor``, the total capped; designers also see every head row,
    to count the running instances of each version."""
    query = select(*_HEAD_COLUMNS)
    if not user.has_role("designer"):
        query = query.where(case_visible(user))
    for column, value in ((INSTANCES.c.status, status), (INSTANCES.c.process_key, process_key),
                          (INSTANCES.c.business_key, business_key),
                          (INSTANCES.c.case_no, case_no),
                          (INSTANCES.c.customer_id, customer_id),
                          (INSTANCES.c.related_case_no, related_case_no)):
        if value:
            query = query.where(column == value)
    if started_after:
        query = query.where(INSTANCES.c.started_at >= started_after)
    if started_before:
        query = query.where(INSTANCES.c.started_at < started_before)
    values = cursor_values(cursor, _NEWEST_FIRST, 1)
    with fd.uow(read_only=True) as uow:
        return keyset.page_of_query(uow, query, [SortKey(INSTANCES.c.id, descending=True)],
                                    ["id"], _NEWEST_FIRST, page=page, per_page=per_page,
                                    values=values, cap=total_cap)


def list_incidents(fd: Flowdesk, user: Principal, *, state: str = "open",
                   process_key: str | None = None, instance_id: int | None = None,
                   page: int = 1, per_page: int = 50, cursor: str | None = None,
                   total_cap: int = keyset.TOTAL_CAP) -> keyset.Page:
    """Incidents with their case, newest first: the admin's work list. ``state``: open (not
    yet resolved by a retry), resolved, or all; by page number or after a ``cursor``."""
    require_role(user, "admin")
    incidents, instances = Incident.__table__, ProcessInstance.__table__
    query = (select(incidents, instances.c.case_no, instances.c.process_key,
                    instances.c.business_key, instances.c.status.label("instance_status"))
             .join(instances, instances.c.id == incidents.c.instance_id))
    if state == "open":
        query = query.where(incidents.c.resolved_at.is_(None))
    elif state == "resolved":
        query = query.where(incidents.c.resolved_at.is_not(None))
    if process_key:
        query = query.where(instances.c.process_key == process_key)
    if instance_id is not None:
        query = query.where(incidents.c.instance_id == instance_id)
    values = cursor_values(cursor, _NEWEST_FIRST, 1)
    with fd.uow(read_only=True) as conn:
        return keyset.page_of_query(conn, query, [SortKey(incidents.c.id, descending=True)],
                                    ["id"], _NEWEST_FIRST, page=page, per_page=per_page,
                                    values=values, cap=total_cap)
