"""Everything the case page shows about one case, for whoever may open it.

The case itself comes from ``services.instance_reads.get_instance`` (the visibility rule, the
403 for a case not theirs, the audit of its customer variable). Added here: the process's
name, the variables as labelled fields (titles from its forms, ``engine.form_labels``), the
customer's record (its read audited), the SLA clocks with their due times, and the related
cases the user may open (the one it follows, those that follow it, the customer's others).
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select

from engine.form_labels import field_labels, labelled
from services import customer_reads, instance_reads
from services.context import Flowdesk
from services.principal import Principal
from services.visibility import INSTANCES, case_visible
from store.tables import Customer, HumanTask, ProcessDefinition, SlaClock, SlaPolicyRow

CUSTOMERS, DEFS, TASKS = Customer.__table__, ProcessDefinition.__table__, HumanTask.__table__
CLOCKS, POLICIES = SlaClock.__table__, SlaPolicyRow.__table__
MAX_RELATED = 20
CUSTOMER_FIELDS = ("id", "code", "name", "tier", "abc_class", "phone", "email", "im_id",
                   "dedicated_agent")


def case_page(fd: Flowdesk, user: Principal, instance_id: int) -> dict:
    """The case, its labelled fields, customer, clocks, done tasks and related cases."""
    case = instance_reads.get_instance(fd, user, instance_id)
    with fd.uow(read_only=True) as uow:
        definition = uow.execute(select(DEFS.c.name, DEFS.c.version)
                                 .where(DEFS.c.id == case["definition_id"])).one()
        parsed = fd.parsed(uow, case["definition_id"])
        clocks = uow.execute(
            select(CLOCKS.c.id, CLOCKS.c.kind, CLOCKS.c.status, CLOCKS.c.sla_state,
                   CLOCKS.c.due_at, CLOCKS.c.escalation_level, CLOCKS.c.task_id,
                   POLICIES.c.name.label("policy"), TASKS.c.name.label("task_name"))
            .join(POLICIES, POLICIES.c.id == CLOCKS.c.policy_id)
            .outerjoin(TASKS, TASKS.c.id == CLOCKS.c.task_id)
            .where(CLOCKS.c.instance_id == instance_id).order_by(CLOCKS.c.id)).mappings().all()
        done = uow.execute(
            select(TASKS.c.id, TASKS.c.bpmn_id, TASKS.c.name, TASKS.c.completed_by,
                   TASKS.c.completed_at, TASKS.c.state)
            .where(TASKS.c.instance_id == instance_id, TASKS.c.completed_at.is_not(None))
            .order_by(TASKS.c.completed_at, TASKS.c.id)).mappings().all()
        customer = None
        if case["customer_id"] is not None:
            customer = uow.execute(select(*(CUSTOMERS.c[k] for k in CUSTOMER_FIELDS))
                                   .where(CUSTOMERS.c.id == case["customer_id"])
                                   ).mappings().first()
        related = uow.execute(_related(user, case)).mappings().all()
    if customer is not None:
        with fd.uow() as uow:
            customer_reads.record(uow, fd, user, customer["id"], via="case.page",
                                  instance_id=instance_id)
    fields, others = labelled(case["variables"] or {}, field_labels(parsed.forms))
    return {**case, "process_name": definition.name or case["process_key"],
            "definition_version": definition.version, "fields": fields, "other_fields": others,
            "customer": dict(customer) if customer else None,
            "sla_clocks": [dict(c) for c in clocks], "done_tasks": [dict(t) for t in done],
            "related": [dict(r) for r in related]}


def _related(user: Principal, case: dict):  # type: ignore[no-untyped-def]
    """Cases linked to this one that the user may open: the one it follows, those following
    it, and the same customer's other cases."""
    links = []
    if case.get("related_case_no"):
        links.append(INSTANCES.c.case_no == case["related_case_no"])
    if case.get("case_no"):
        links.append(INSTANCES.c.related_case_no == case["case_no"])
    if case.get("customer_id") is not None:
        links.append(INSTANCES.c.customer_id == case["customer_id"])
    if not links:
        links.append(INSTANCES.c.id.is_(None))  # nothing to relate
    return (select(INSTANCES.c.id, INSTANCES.c.case_no, INSTANCES.c.process_key,
                   INSTANCES.c.status, INSTANCES.c.started_at,
                   DEFS.c.name.label("process_name"))
            .join(DEFS, DEFS.c.id == INSTANCES.c.definition_id)
            .where(and_(INSTANCES.c.id != case["id"], or_(*links), case_visible(user)))
            .order_by(INSTANCES.c.id.desc()).limit(MAX_RELATED))
