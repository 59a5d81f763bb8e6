"""user identities: accounts at an OpenID Connect provider, by issuer and subject

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Single sign-on (``web/oidc.py``, ``services/oidc_users.py``) finds the Flowdesk user of a
provider's account by the provider's stable key for it (issuer and ``sub``), never by name.
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_identities',
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('issuer', 'subject')
    )
    op.create_index(op.f('ix_user_identities_user_id'), 'user_identities', ['user_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_user_identities_user_id'), table_name='user_identities')
    op.drop_table('user_identities')
