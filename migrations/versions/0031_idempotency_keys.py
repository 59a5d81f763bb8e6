"""idempotency keys of messages and signals from outside

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-22

Webhook senders retry on timeouts; a retried message started a second case (message start
event) or got a 404/409 although its first call had moved the case. ``idempotency_keys`` keeps,
per sender and ``Idempotency-Key`` header, the route, a SHA-256 of the canonical request body
and the answer of the first successful call, written in the delivery's transaction
(``services.idempotency``); a repeat is answered from it. The primary key (sender, key) is the
uniqueness two concurrent calls with one key meet; the index on ``created_at`` finds the keys
the housekeeping deletes after a day.
"""
from alembic import op
import sqlalchemy as sa

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'idempotency_keys',
        sa.Column('sender', sa.String(64), primary_key=True),
        sa.Column('key', sa.String(200), primary_key=True),
        sa.Column('route', sa.String(10), nullable=False),  # message | signal
        sa.Column('body_sha256', sa.String(64), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_idempotency_keys_created_at', 'idempotency_keys', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_idempotency_keys_created_at', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
