"""Event subscriptions: the messages and signals instances wait for, and message/signal starts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

One row per waiting catch event of a running instance (or per message/signal start event of the
latest version of a process), indexed by (kind, name, correlation hash) so that delivering a
message is one lookup however many instances wait. Instances running before this revision get
their rows at their next step; definitions deployed before it get their start-event rows when
they are deployed again (``flowdesk deploy`` of the same files re-registers them).
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_subscriptions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('correlation_hash', sa.String(length=64), nullable=False),
        sa.Column('correlation', sa.JSON(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=True),
        sa.Column('definition_id', sa.Integer(), nullable=True),
        sa.Column('process_key', sa.String(length=200), nullable=False),
        sa.Column('bpmn_id', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definitions.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_event_subscriptions_lookup', 'event_subscriptions',
                    ['kind', 'name', 'correlation_hash'])
    op.create_index('ix_event_subscriptions_instance', 'event_subscriptions',
                    ['instance_id', 'kind', 'name'])
    op.create_index('ix_event_subscriptions_definition', 'event_subscriptions',
                    ['definition_id'])


def downgrade() -> None:
    op.drop_index('ix_event_subscriptions_definition', table_name='event_subscriptions')
    op.drop_index('ix_event_subscriptions_instance', table_name='event_subscriptions')
    op.drop_index('ix_event_subscriptions_lookup', table_name='event_subscriptions')
    op.drop_table('event_subscriptions')
