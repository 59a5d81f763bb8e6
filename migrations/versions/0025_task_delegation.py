"""task delegation: the owner who delegated a task and the delegation's state

Revision ID: 0025
Revises: 0027
Create Date: 2026-12-07

Camunda's delegation (``services.task_delegation``): the assignee of a claimed task delegates
it; ``owner`` keeps who delegated it and ``delegation_state`` is 'pending' until the delegate
resolves it ('resolved': back with the owner, who completes it). Both NULL on a task never
delegated. Other branches add 0022–0024 in parallel: the chain is joined at merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0025'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.add_column(sa.Column('owner', sa.String(64), nullable=True))
        batch.add_column(sa.Column('delegation_state', sa.String(12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('human_tasks') as batch:
        batch.drop_column('delegation_state')
        batch.drop_column('owner')
