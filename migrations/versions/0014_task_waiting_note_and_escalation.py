"""waiting notes on tasks and cases, and a task's escalation to the supervisors

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-06

``waiting_reason`` stays the short kind the SLA policies match (``waiting_customer``,
``waiting_third_party``); the agent's words go into ``waiting_note`` beside it. A task an
agent escalates by hand keeps who, when and why (``escalated_*``), apart from the SLA
escalation level, which the clocks own.
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('human_tasks', sa.Column('waiting_note', sa.String(length=500), nullable=True))
    op.add_column('human_tasks', sa.Column('escalated_at', sa.DateTime(timezone=True),
                                           nullable=True))
    op.add_column('human_tasks', sa.Column('escalated_by', sa.String(length=64), nullable=True))
    op.add_column('human_tasks', sa.Column('escalation_reason', sa.String(length=500),
                                           nullable=True))
    op.add_column('process_instances', sa.Column('waiting_note', sa.String(length=500),
                                                 nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_instances') as batch:
        batch.drop_column('waiting_note')
    with op.batch_alter_table('human_tasks') as batch:
        for column in ('escalation_reason', 'escalated_by', 'escalated_at', 'waiting_note'):
            batch.drop_column(column)
