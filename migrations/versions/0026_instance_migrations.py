"""instance migrations: batches that move running instances to another version of their process

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-10

``migration_batches`` holds the plan a batch runs (mapping, variables) and its counts;
``migration_items`` one row per instance (pending, migrated with its report, failed with why),
so progress is a read and the background run picks the next pending item (``services.migrations``).
"""
from alembic import op
import sqlalchemy as sa

revision = '0026'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'migration_batches',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('process_key', sa.String(200), nullable=False),
        sa.Column('source_definition_id', sa.Integer(),
                  sa.ForeignKey('process_definitions.id'), nullable=False),
        sa.Column('target_definition_id', sa.Integer(),
                  sa.ForeignKey('process_definitions.id'), nullable=False),
        sa.Column('mapping', sa.JSON(), nullable=False),
        sa.Column('variables', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('succeeded', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'migration_items',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('batch_id', sa.Integer(),
                  sa.ForeignKey('migration_batches.id', ondelete='CASCADE'), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(12), nullable=False),
        sa.Column('report', sa.JSON(), nullable=True),
        sa.Column('error', sa.JSON(), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_migration_items_batch', 'migration_items', ['batch_id', 'status'])


def downgrade() -> None:
    op.drop_index('ix_migration_items_batch', table_name='migration_items')
    op.drop_table('migration_items')
    op.drop_table('migration_batches')
