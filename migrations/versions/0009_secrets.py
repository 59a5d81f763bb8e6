"""secrets: named values encrypted with a key kept outside the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

The HTTP connector's API keys (the shop, the SMS gateway) are stored here as Fernet tokens;
the key that opens them comes from FLOWDESK_SECRETS_KEY or a key file, never from this
database (services/secret_keys.py). Other branches add 0007 and 0008 in parallel: the chain is
joined when they merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('secrets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('ciphertext', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('secrets')
