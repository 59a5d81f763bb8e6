"""process groups: each process key in one group, with designers of its own

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10

A designer deploys and reads the XML only of the keys in their process groups (admins: all).
Membership is a table of its own, not a user group: user groups are lanes that receive tasks.
Keys deployed before this revision go into the default group ``cs`` (客服流程), and the users
who had the designer role become its designers, so nobody loses what they could do.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DEFAULT_GROUP, DEFAULT_DESCRIPTION = 'cs', '客服流程'


def upgrade() -> None:
    op.create_table('process_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('process_group_designers',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['process_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id')
    )
    op.create_index(op.f('ix_process_group_designers_user_id'), 'process_group_designers',
                    ['user_id'], unique=False)
    op.create_table('process_keys',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['process_groups.id'], ),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_process_keys_group_id'), 'process_keys', ['group_id'],
                    unique=False)
    _existing_keys_into_default_group()


def _existing_keys_into_default_group() -> None:
    bind = op.get_bind()
    keys = list(bind.execute(sa.text('SELECT DISTINCT key FROM process_definitions')).scalars())
    designers = [user_id for user_id, roles in bind.execute(sa.text('SELECT id, roles FROM users'))
                 if 'designer' in (roles or '').split(',')]
    if not keys and not designers:
        return
    bind.execute(sa.text('INSERT INTO process_groups (name, description, created_at) '
                         'VALUES (:name, :description, :now)'),
                 {'name': DEFAULT_GROUP, 'description': DEFAULT_DESCRIPTION,
                  'now': datetime.now(timezone.utc)})
    group_id = bind.execute(sa.text('SELECT id FROM process_groups WHERE name = :name'),
                            {'name': DEFAULT_GROUP}).scalar_one()
    for key in keys:
        bind.execute(sa.text('INSERT INTO process_keys (key, group_id) VALUES (:key, :group)'),
                     {'key': key, 'group': group_id})
    for user_id in designers:
        bind.execute(sa.text('INSERT INTO process_group_designers (group_id, user_id) '
                             'VALUES (:group, :user)'), {'group': group_id, 'user': user_id})


def downgrade() -> None:
    op.drop_index(op.f('ix_process_keys_group_id'), table_name='process_keys')
    op.drop_table('process_keys')
    op.drop_index(op.f('ix_process_group_designers_user_id'),
                  table_name='process_group_designers')
    op.drop_table('process_group_designers')
    op.drop_table('process_groups')
