"""the inbox's "delegated by me" view: when a delegation began, and an index of pending ones

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-22

Camunda's delegation (``services.task_delegation``) hands a task to a delegate while its owner
waits for it back. ``delegated_at`` says since when (the owner's view shows it). The view
(``GET /tasks?delegated_by=me``, ``services.task_list``) reads ``ix_tasks_open_delegated``:
only open tasks with a pending delegation, by owner in the inbox's order, so listing and
counting them stay a few index rows however many tasks are open.
"""
from alembic import op
import sqlalchemy as sa

revision = '0028'
down_revision = '0026'
branch_labels = None
depends_on = None

PENDING = sa.text("state IN ('open', 'claimed') AND delegation_state = 'pending'")
INBOX_ORDER = (sa.column("priority").desc(), "created_at", "id")


def upgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('delegated_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_tasks_open_delegated', 'human_tasks', ['owner', *INBOX_ORDER],
                    sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index('ix_tasks_open_delegated', 'human_tasks')
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('delegated_at')
