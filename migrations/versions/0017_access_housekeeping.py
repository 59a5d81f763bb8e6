"""access housekeeping: when a token was last used; indexes for the per-address sign-in
budget and for deleting old sessions and sign-in failures

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06

``api_tokens.last_used_at`` is written at most every few minutes per token
(``services.authentication``), so admins see which tokens are still in use. The sign-in
throttle now also counts failures per client address across names (``client`` index), and
the ticker's housekeeping deletes ended sessions and old failures (the time indexes). Other
branches may add 0016 in parallel: the chain is joined at merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_sign_in_failures_client', 'sign_in_failures', ['client'])
    op.create_index('ix_sign_in_failures_last_failed_at', 'sign_in_failures',
                    ['last_failed_at'])
    op.create_index('ix_user_sessions_expires_at', 'user_sessions', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_user_sessions_expires_at', table_name='user_sessions')
    op.drop_index('ix_sign_in_failures_last_failed_at', table_name='sign_in_failures')
    op.drop_index('ix_sign_in_failures_client', table_name='sign_in_failures')
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('last_used_at')
