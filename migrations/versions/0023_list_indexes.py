"""the long lists' indexes: the inbox's views over open tasks in its default order, the
instance list by status and process, open incidents

Revision ID: 0023
Revises: 0025
Create Date: 2026-12-20

Issue 17 (fast at 100,000 open tasks and 1,000,000 finished instances): each inbox view reads
its first page off an index that holds only open tasks and ends in the inbox's default order
(-priority, created_at, id), so a page stops after its rows instead of sorting every match
(``services.task_list``, ``store.keyset``). Statistics for the planner are gathered right after
(``store.statistics``; the housekeeping keeps them current). Staff views read one index per
branch (me, each of my groups, each escalation group), by group in the inbox's or the due
order. The older (state, candidate_group), (assignee, state) and due_at indexes made the
planner sort every open task once it had statistics (or walk finished tasks for the due
views), and the new ones cover every query they served: they are dropped.
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0025'
branch_labels = None
depends_on = None

ACTIVE_TASK = sa.text("state IN ('open', 'claimed')")
ESCALATED_TASK = sa.text("state IN ('open', 'claimed') AND escalation_group IS NOT NULL")
INBOX_ORDER = (sa.column("priority").desc(), "created_at", "id")
DUE_ORDER = ("due_at", "id")
OPEN_INCIDENT = sa.text("resolved_at IS NULL")

# name -> leading columns, the order that follows them, and which tasks it holds
TASK_INDEXES = {
    "ix_tasks_open_order": ((), INBOX_ORDER, ACTIVE_TASK),
    "ix_tasks_open_assignee": (("assignee",), INBOX_ORDER, ACTIVE_TASK),
    "ix_tasks_open_group": (("candidate_group", "assignee"), INBOX_ORDER, ACTIVE_TASK),
    "ix_tasks_open_group_order": (("candidate_group",), INBOX_ORDER, ACTIVE_TASK),
    "ix_tasks_open_group_due": (("candidate_group",), DUE_ORDER, ACTIVE_TASK),
    "ix_tasks_open_escalation": (("escalation_group",), INBOX_ORDER, ESCALATED_TASK),
    "ix_tasks_open_due": ((), DUE_ORDER, ACTIVE_TASK),
}
OLD_TASK_INDEXES = {"ix_tasks_state_group": ["state", "candidate_group"],
                    "ix_tasks_assignee_state": ["assignee", "state"],
                    "ix_human_tasks_due_at": ["due_at"]}


def upgrade() -> None:
    for name in OLD_TASK_INDEXES:
        op.drop_index(name, 'human_tasks')
    for name, (leading, order, where) in TASK_INDEXES.items():
        op.create_index(name, 'human_tasks', [*leading, *order],
                        sqlite_where=where, postgresql_where=where)
    op.create_index('ix_instances_status_id', 'process_instances', ['status', 'id'])
    op.create_index('ix_instances_key_status_id', 'process_instances',
                    ['process_key', 'status', 'id'])
    op.create_index('ix_incidents_open', 'incidents', ['id'], sqlite_where=OPEN_INCIDENT,
                    postgresql_where=OPEN_INCIDENT)


def downgrade() -> None:
    op.drop_index('ix_incidents_open', 'incidents')
    op.drop_index('ix_instances_key_status_id', 'process_instances')
    op.drop_index('ix_instances_status_id', 'process_instances')
    for name in reversed(list(TASK_INDEXES)):
        op.drop_index(name, 'human_tasks')
    for name, columns in OLD_TASK_INDEXES.items():
        op.create_index(name, 'human_tasks', columns)
