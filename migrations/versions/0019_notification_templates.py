"""notification templates: admins' wording of a notification per kind and language

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06

One row per (kind, lang) overrides the default template in code
(``services.notify.templates``); deleting the row goes back to the default. Other branches may
add 0018 in parallel: the chain is joined at merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notification_templates',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('markdown', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'lang'),
    )


def downgrade() -> None:
    op.drop_table('notification_templates')
