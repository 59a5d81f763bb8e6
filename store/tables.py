"""SQLAlchemy 2.0 tables. The schema itself is created by Alembic migrations, never create_all.

Here the work: definitions, customers, instances and their tasks, the audit trail, incidents, due
work, external tasks, event subscriptions, calendars and SLA clocks. Who may do what is in
``store.tables_access``, the notification outbox and its subscriptions and templates in
``store.tables_notifications``, migration batches in ``store.tables_migrations``, retention in
``store.tables_retention``; all are importable from here (one metadata, ``Base``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, TextClause, BigInteger, Boolean, ForeignKey, Index, Integer, Numeric, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from store.table_base import Base
from store.tables_access import (AccessEpochRow, ApiToken, AppSetting, Group, ProcessGroup,  # noqa: F401
                                 ProcessGroupDesigner, ProcessKey, Secret, SignInFailure,
                                 User, UserGroup, UserIdentity, UserSession)
from store.tables_migrations import MigrationBatch, MigrationItem  # noqa: F401
from store.tables_notifications import (Notification, NotificationSubscription,  # noqa: F401
                                        NotificationTemplate)
from store.tables_retention import ArchivedInstance, ReportRollup, RetentionRule  # noqa: F401


class ProcessDefinition(Base):
    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"), UniqueConstraint("key", "sha256"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    files: Mapped[dict] = mapped_column(JSON)  # file name -> text: every .bpmn/.dmn/.json deployed
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(64), default="")


class Customer(Base):
    """A customer that cases reference by id; tier and class drive priority and routing."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the shop's own customer id
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(10), default="普通")  # 普通|银卡|金卡|钻石|VIP
    abc_class: Mapped[str | None] = mapped_column(String(1))  # A|B|C
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    im_id: Mapped[str | None] = mapped_column(String(100))  # 旺旺 / WeChat id
    birthday: Mapped[date | None]
    dedicated_agent: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Purchase(Base):
    __tablename__ = "customer_purchases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    order_no: Mapped[str] = mapped_column(String(64))
    amount: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False))
    purchased_at: Mapped[datetime]
    items: Mapped[list] = mapped_column(JSON, default=list)


class CaseCounter(Base):
    """The last case number handed out per prefix and day (one row, bumped atomically)."""

    __tablename__ = "case_counters"
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYYYMMDD
    last: Mapped[int] = mapped_column(Integer, default=0)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (Index("ix_instances_status_started", "status", "started_at"),
                      Index("ix_instances_status_id", "status", "id"),
                      Index("ix_instances_key_status_id", "process_key", "status", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    spiff_version: Mapped[str] = mapped_column(String(20))
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock
    started_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    waiting_reason: Mapped[str | None] = mapped_column(String(50))  # pauses instance SLA clocks
    waiting_note: Mapped[str | None] = mapped_column(String(500))  # the agent's words on it
    case_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    related_case_no: Mapped[str | None] = mapped_column(String(40), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)


class HumanTask(Base):
    __tablename__ = "human_tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"),
                                             index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    business_key: Mapped[str | None] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    documentation: Mapped[str] = mapped_column(Text, default="")
    candidate_group: Mapped[str | None] = mapped_column(String(100))
    assignee: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    form_schema: Mapped[dict] = mapped_column(JSON)
    data: Mapped[dict] = mapped_column(JSON)
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime | None]  # indexed over open tasks only (below)
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    sla_state: Mapped[str | None] = mapped_column(String(12))  # ok|at_risk|breached|paused|met
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalation_group: Mapped[str | None] = mapped_column(String(100))  # added candidates
    waiting_reason: Mapped[str | None] = mapped_column(String(50))  # pauses SLA clocks
    waiting_note: Mapped[str | None] = mapped_column(String(500))  # the agent's words on it
    escalated_at: Mapped[datetime | None]  # escalated by hand to the supervisors (not SLA)
    escalated_by: Mapped[str | None] = mapped_column(String(64))
    escalation_reason: Mapped[str | None] = mapped_column(String(500))
    # Delegation (services.task_delegation): who delegated it, and pending | resolved.
    owner: Mapped[str | None] = mapped_column(String(64))
    delegation_state: Mapped[str | None] = mapped_column(String(12))
    delegated_at: Mapped[datetime | None]  # when the pending delegation began (its "since")


# The inbox's indexes (issue 17: fast at 100,000 open tasks and 1,000,000 finished instances).
# Open tasks are a small part of all tasks, so they hold only them (the same condition as
# ``store.queries.IS_ACTIVE``, written as a constant so both databases use them), and each
# starts with what one view (or one branch of a staff member's view, ``services.task_list``)
# fixes and ends in the order it reads: the inbox's default, -priority then created_at then id,
# or the due time. A page is read off the index and stops after its rows instead of sorting
# every match. Escalation groups are rare: their index holds only the tasks that have one, so
# the planner's statistics see how few they are. (The older (state, candidate_group), (assignee,
# state) and due_at indexes misled the planner into sorting every open task, or walking
# finished ones, and are gone.) The inbox order ends in the due time: the id is unique, so the
# order is the same, but a due filter (overdue, due today) on a walk in priority order is then
# checked in the index, and only matches are read from the table; without it PostgreSQL, its
# estimates skewed by a million finished tasks, read every overdue task and sorted them
# (migration 0029). My own tasks have a due-ordered index, as each group's.
ACTIVE_TASK = text("state IN ('open', 'claimed')")
_T = HumanTask.__table__
_INBOX_KEYS = (_T.c.priority.desc(), _T.c.created_at, _T.c.id)
_INBOX_ORDER = (*_INBOX_KEYS, _T.c.due_at)
_DUE_ORDER = (_T.c.due_at, _T.c.id)


def _active_task_index(name: str, *leading: str, order: tuple = _INBOX_ORDER,
                       where: TextClause = ACTIVE_TASK) -> Index:
    return Index(name, *(_T.c[c] for c in leading), *order,
                 sqlite_where=where, postgresql_where=where)


_active_task_index("ix_tasks_open_order")
_active_task_index("ix_tasks_open_assignee", "assignee")
_active_task_index("ix_tasks_open_assignee_due", "assignee", order=_DUE_ORDER)
_active_task_index("ix_tasks_open_group", "candidate_group", "assignee")
_active_task_index("ix_tasks_open_group_order", "candidate_group")
_active_task_index("ix_tasks_open_group_due", "candidate_group", order=_DUE_ORDER)
_active_task_index("ix_tasks_open_escalation", "escalation_group",
                   where=text("state IN ('open', 'claimed') AND escalation_group IS NOT NULL"))
_active_task_index("ix_tasks_open_due", order=_DUE_ORDER)
# "Delegated by me": pending delegations are few, so their index holds only them (the query
# writes the same two conditions as constants, ``services.task_list``).
_active_task_index("ix_tasks_open_delegated", "owner", order=_INBOX_KEYS,
                   where=text("state IN ('open', 'claimed') AND delegation_state = 'pending'"))


class AuditEntry(Base):
    """Append-only: rows are inserted, never updated or deleted by the application."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_notify_pending", "id",
                            postgresql_where=text("notify = 'pending'"),
                            sqlite_where=text("notify = 'pending'")),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(50))
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    definition_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # 'pending' for a notifiable action, 'done' once fanned out (``services.notify.fanout``):
    # the one column the application updates.
    notify: Mapped[str | None] = mapped_column(String(10))
    # The X-Request-Id of the HTTP request that did it (none for the scheduler and the CLI).
    request_id: Mapped[str | None] = mapped_column(String(64))


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "id", sqlite_where=text("resolved_at IS NULL"),
                            postgresql_where=text("resolved_at IS NULL")),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(30))
    task_guid: Mapped[str | None] = mapped_column(String(36))
    bpmn_id: Mapped[str | None] = mapped_column(String(200))
    task_name: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    line: Mapped[int | None]
    error_line: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class DueWork(Base):
    """Everything that must happen at a time (BPMN timers, scheduled starts, SLA events).

    Correctness lives here, not in APScheduler: a row is fired in the same transaction that
    marks it done, so any number of tickers on one database fire it once.
    """

    __tablename__ = "due_work"
    __table_args__ = (Index("ix_due_work_state_due", "state", "due_at"),
                      Index("ix_due_work_instance_state", "instance_id", "state"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # timer | start | sla | throw | deliver
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"))
    definition_id: Mapped[int | None] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(64))  # timer task guid, sla clock id, start event id
    label: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12))  # pending | done | failed | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    fired_by: Mapped[str | None] = mapped_column(String(100))


class ExternalTask(Base):
    """A service task waiting for an outside worker (Camunda's external task pattern).

    Rows mirror the engine's open external tasks after every step; a worker locks a row by
    fetching it (``worker_id``, ``lock_expires_at``), and completes it or reports a failure.
    ``state``: open (fetchable unless locked or waiting for ``retry_at``), done, cancelled
    (the process withdrew it), incident (the worker gave up: an admin retries the instance).
    """

    __tablename__ = "external_tasks"
    __table_args__ = (Index("ix_external_tasks_topic_state", "topic", "state", "priority"),
                      Index("ix_external_tasks_instance_state", "instance_id", "state"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_guid: Mapped[str] = mapped_column(String(36), unique=True)
    bpmn_id: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(12))  # open | done | cancelled | incident
    worker_id: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[datetime | None]
    retries: Mapped[int | None]  # None until a failure says how many are left
    retry_at: Mapped[datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    error_details: Mapped[str | None] = mapped_column(Text)
    input: Mapped[dict] = mapped_column(JSON, default=dict)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BusinessCalendarRow(Base):
    __tablename__ = "business_calendars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    config: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class SlaPolicyRow(Base):
    __tablename__ = "sla_policies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    process_key: Mapped[str] = mapped_column(String(200), index=True)
    config: Mapped[dict] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class SlaClock(Base):
    """One armed SLA clock of one instance or task; ``clock`` holds the pure engine state."""

    __tablename__ = "sla_clocks"
    __table_args__ = (Index("ix_sla_clocks_status_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"),
                                           index=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(30))  # first_response|resolution|instance_resolution
    status: Mapped[str] = mapped_column(String(12))  # running | paused | stopped
    sla_state: Mapped[str] = mapped_column(String(12))  # ok|at_risk|breached|paused|met
    due_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    clock: Mapped[dict] = mapped_column(JSON)
    # The event the clock's pending due-work row is armed for ("breach", "escalation:2"), and
    # when: the row is re-armed only when this moves. None: nothing armed.
    armed_event: Mapped[str | None] = mapped_column(String(30))
    armed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class EventSubscription(Base):
    """A message or signal an instance waits for (``instance_id``), or a process's message or
    signal start event (``definition_id``, the latest version of its key only).

    Synced from the engine after every step, like due timers. Delivery is one indexed lookup
    by (kind, name, correlation) however many instances wait; ``correlation_hash`` is the
    canonical form of the correlation values (``engine.events.correlation_hash``)."""

    __tablename__ = "event_subscriptions"
    __table_args__ = (Index("ix_event_subscriptions_lookup", "kind", "name",
                            "correlation_hash"),
                      Index("ix_event_subscriptions_instance", "instance_id", "kind", "name"),
                      Index("ix_event_subscriptions_definition", "definition_id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(200))
    correlation_hash: Mapped[str] = mapped_column(String(64))
    correlation: Mapped[dict] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"))
    definition_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_definitions.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class IdempotencyKey(Base):
    """A sender's ``Idempotency-Key`` on ``POST /messages`` or ``/signals`` and the answer its
    first call got (``services.idempotency``): a retry with the same key and body is answered
    from here instead of delivered again. Written in the delivery's own transaction, so a key
    is stored exactly when its delivery is; ``answer`` is empty only inside that transaction
    (the key is claimed before the delivery). The housekeeping deletes keys a day old."""

    __tablename__ = "idempotency_keys"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)  # unique (sender, key)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    route: Mapped[str] = mapped_column(String(10))  # message | signal
    body_sha256: Mapped[str] = mapped_column(String(64))
    answer: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)


__all__ = ["Base", "User", "AppSetting", "SignInFailure", "UserSession", "UserIdentity", "Secret", "Group", "UserGroup", "ApiToken", "ProcessGroup", "ProcessGroupDesigner", "ProcessKey", "ProcessDefinition", "Customer", "Purchase", "CaseCounter", "ProcessInstance", "HumanTask", "AuditEntry", "Incident", "DueWork", "ExternalTask", "BusinessCalendarRow", "SlaPolicyRow", "SlaClock", "Notification", "EventSubscription", "IdempotencyKey"]
