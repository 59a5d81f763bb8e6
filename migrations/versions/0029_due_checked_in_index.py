"""the inbox's indexes check a due filter themselves: the inbox-order indexes end in the due
time, and my own tasks get an index in due order

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-21

Issue 17, on PostgreSQL with 1,000,000 finished instances: a due filter (overdue, due today)
on a view sorted by priority, or on my own tasks, was planned from statistics that the
finished tasks skew (nearly every finished task has no due time, so "due before now and still
open" was estimated at a tenth of the real count; in the benchmark every finished task is the
agent's, so "mine and open" at 90,000 for 193). The planner then read every overdue task from
the due index and sorted them (25-130 ms) instead of walking the priority order.

Fixed so the right plan does not depend on those estimates: each index in the inbox's order
(-priority, created_at, id) now ends in ``due_at``; the id is unique, so the order is the
same, but the due filter becomes a condition checked in the index during the walk, and only
matching tasks are read from the table. Walking is then cheap whatever the estimate (at worst
every open task's index entry, not its row). My own tasks get ``(assignee, due_at, id)``: the
due views' "mine" branch (list and count) reads exactly its matches in due order, as each
group's branch already does with ``ix_tasks_open_group_due``.
"""
from alembic import op
import sqlalchemy as sa

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

ACTIVE_TASK = sa.text("state IN ('open', 'claimed')")
ESCALATED_TASK = sa.text("state IN ('open', 'claimed') AND escalation_group IS NOT NULL")
INBOX_ORDER = (sa.column("priority").desc(), "created_at", "id")
DUE_ORDER = ("due_at", "id")

# name -> leading columns and which tasks it holds: each rebuilt with due_at after its order
INBOX_ORDER_INDEXES = {
    "ix_tasks_open_order": ((), ACTIVE_TASK),
    "ix_tasks_open_assignee": (("assignee",), ACTIVE_TASK),
    "ix_tasks_open_group": (("candidate_group", "assignee"), ACTIVE_TASK),
    "ix_tasks_open_group_order": (("candidate_group",), ACTIVE_TASK),
    "ix_tasks_open_escalation": (("escalation_group",), ESCALATED_TASK),
}


def _create(name: str, columns: list, where) -> None:  # type: ignore[no-untyped-def]
    op.create_index(name, 'human_tasks', columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    for name, (leading, where) in INBOX_ORDER_INDEXES.items():
        op.drop_index(name, 'human_tasks')
        _create(name, [*leading, *INBOX_ORDER, "due_at"], where)
    _create("ix_tasks_open_assignee_due", ["assignee", *DUE_ORDER], ACTIVE_TASK)


def downgrade() -> None:
    op.drop_index("ix_tasks_open_assignee_due", 'human_tasks')
    for name, (leading, where) in INBOX_ORDER_INDEXES.items():
        op.drop_index(name, 'human_tasks')
        _create(name, [*leading, *INBOX_ORDER], where)
