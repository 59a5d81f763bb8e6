"""the request id on audit rows

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

``audit_log.request_id``: the ``X-Request-Id`` of the HTTP request that wrote the row
(``services.request_context``), so an operator goes from a log line to what it changed and
back. Rows written by the scheduler or the CLI have none. Other branches add 0018 and 0019 in
parallel: the chain is joined at merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('request_id', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('request_id')
