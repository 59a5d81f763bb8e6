"""the access epoch

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

``access_epoch``: one row whose value the services increment in the same transaction as any
change of access (a revoked token, an ended session, a disabled user, changed roles or
groups). Nodes cache the principals they looked up and trust them only while the value stands
still (``store.access_epoch``).
"""
from alembic import op
import sqlalchemy as sa

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'access_epoch',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('value', sa.BigInteger(), nullable=False))
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade() -> None:
    op.drop_table('access_epoch')
