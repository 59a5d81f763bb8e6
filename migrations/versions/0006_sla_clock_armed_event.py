"""SLA clocks remember the event their due-work row is armed for

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

A clock's pending due-work row is re-armed only when its next event moves; the clock row keeps
which event that is (kind and level) and when, so the comparison needs no extra read. NULL
(rows from before) compares unequal, so the first change re-arms as before.
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('armed_event', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('armed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sla_clocks', schema=None) as batch_op:
        batch_op.drop_column('armed_at')
        batch_op.drop_column('armed_event')
