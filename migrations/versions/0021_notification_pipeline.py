"""notification pipeline: audit rows marked for fan-out, the outbox's delivery columns, and
subscriptions per user and per group

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

``audit_log.notify`` is 'pending' on rows of notifiable actions (set by the INSERT that audits
them, ``services.audit``), 'done' once fanned out, NULL for everything else; the partial index
keeps the fan-out's scan to the pending rows. ``notifications`` (the outbox) gains one row per
recipient and channel with its delivery state (``services.notify``). Rows written before this
revision had no sender: they become in-app rows already sent.
"""
from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

PENDING = sa.text("notify = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('notify', sa.String(10), nullable=True))
    op.create_index('ix_audit_log_notify_pending', 'audit_log', ['id'],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('channel', sa.String(20), nullable=False,
                                   server_default='in_app'))
        batch.add_column(sa.Column('target', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('state', sa.String(10), nullable=False,
                                   server_default='sent'))
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch.add_column(sa.Column('urgent', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('digest_key', sa.String(100), nullable=True))
        batch.add_column(sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('lang', sa.String(5), nullable=False, server_default='zh'))
        batch.add_column(sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer, 'sqlite'),
                                   nullable=True))
    op.create_index('ix_notifications_due', 'notifications', ['state', 'next_attempt_at'])
    op.create_index('ix_notifications_inbox', 'notifications', ['recipient', 'channel', 'read_at'])
    op.create_table(
        'notification_subscriptions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('owner_kind', sa.String(10), nullable=False),  # user | group
        sa.Column('owner', sa.String(100), nullable=False),
        sa.Column('channel', sa.String(20), nullable=False),  # email | webhook | in_app
        sa.Column('target', sa.JSON(), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('calendar', sa.String(100), nullable=True),
        sa.Column('lang', sa.String(5), nullable=False, server_default='zh'),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_notification_subscriptions_owner', 'notification_subscriptions',
                    ['owner_kind', 'owner'])


def downgrade() -> None:
    op.drop_index('ix_notification_subscriptions_owner', table_name='notification_subscriptions')
    op.drop_table('notification_subscriptions')
    op.drop_index('ix_notifications_inbox', table_name='notifications')
    op.drop_index('ix_notifications_due', table_name='notifications')
    with op.batch_alter_table('notifications') as batch:
        for column in ('audit_id', 'lang', 'read_at', 'digest_key', 'urgent', 'last_error',
                       'next_attempt_at', 'attempts', 'state', 'target', 'channel'):
            batch.drop_column(column)
    op.drop_index('ix_audit_log_notify_pending', table_name='audit_log')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('notify')
