"""retention of finished cases: rules per process, report rollups, archived instances

Revision ID: 0027
Revises: 0022
Create Date: 2026-12-20

``retention_rules``: per process key, completed and cancelled instances ended more than
``days`` ago are deleted or archived. Before they go, ``report_rollups`` receives what the
reports count from them (per hour and the reports' keys), so the reports keep their figures;
archived cases land in ``archived_instances`` as JSON (``services.retention``).
"""
from alembic import op
import sqlalchemy as sa

revision = '0027'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'retention_rules',
        sa.Column('process_key', sa.String(200), primary_key=True),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(10), nullable=False),  # delete | archive
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.String(64), nullable=False),
    )
    op.create_table(
        'report_rollups',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('process_key', sa.String(200), nullable=True),
        sa.Column('group_name', sa.String(100), nullable=True),
        sa.Column('assignee', sa.String(64), nullable=True),
        sa.Column('completed_by', sa.String(64), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
    )
    op.create_index('ix_report_rollups_kind_at', 'report_rollups', ['kind', 'at'])
    op.create_table(
        'archived_instances',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('process_key', sa.String(200), nullable=False),
        sa.Column('case_no', sa.String(40), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
    )
    op.create_index('ix_archived_instances_process_key', 'archived_instances', ['process_key'])
    op.create_index('ix_archived_instances_case_no', 'archived_instances', ['case_no'])


def downgrade() -> None:
    op.drop_index('ix_archived_instances_case_no', table_name='archived_instances')
    op.drop_index('ix_archived_instances_process_key', table_name='archived_instances')
    op.drop_table('archived_instances')
    op.drop_index('ix_report_rollups_kind_at', table_name='report_rollups')
    op.drop_table('report_rollups')
    op.drop_table('retention_rules')
