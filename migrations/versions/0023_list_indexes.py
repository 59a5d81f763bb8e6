"""the long lists' indexes: the inbox's views over open tasks in its default order, the
instance list by status and process, open incidents

Revision ID: 0023
Revises: 0025
Create Date: 2026-12-20

Issue 17 (fast at 100,000 open tasks and 1,000,000 finished instances): each inbox view reads
its first page off an index that holds only open tasks and ends in the inbox's default order
(-priority, created_at, id), so a page stops after its rows instead of sorting every match
(``services.task_list``, ``store.keyset``). Statistics for the planner are gathered right after
(``store.statistics``; the housekeeping keeps them current).
"""
from alembic import op
import sqlalchemy as sa

revision = '0023'
down_revision = '0025'
branch_labels = None
depends_on = None

ACTIVE_TASK = sa.text("state IN ('open', 'claimed')")
INBOX_ORDER = (sa.column("priority").desc(), "created_at", "id")
OPEN_INCIDENT = sa.text("resolved_at IS NULL")

# name -> leading columns, and whether the inbox's order follows them
TASK_INDEXES = {
    "ix_tasks_open_order": ((), True),
    "ix_tasks_open_assignee": (("assignee",), True),
    "ix_tasks_open_group": (("candidate_group", "assignee"), True),
    "ix_tasks_open_escalation": (("escalation_group", "assignee"), False),
    "ix_tasks_open_due": (("due_at",), False),
}


def upgrade() -> None:
    for name, (leading, order) in TASK_INDEXES.items():
        op.create_index(name, 'human_tasks', [*leading, *(INBOX_ORDER if order else ())],
                        sqlite_where=ACTIVE_TASK, postgresql_where=ACTIVE_TASK)
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
