"""group display names: what people read for a group (前台客服, 投诉组, 主管)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12

A group's ``name`` stays the key the processes' lanes and candidate groups use; the UI shows
its ``display_name``. The groups the shipped processes and the demo users use get theirs
(``services.identity.SHIPPED_GROUP_NAMES`` seeds them for groups created later). Other
branches add 0012–0014 in parallel: the chain is joined at merge.
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# a copy, not an import: a migration must not change when the application's code does
SHIPPED = {
    'Agent': '前台客服', 'ComplaintGroup': '投诉组', 'Supervisor': '主管',
    'AfterSales': '售后组', 'Finance': '财务', 'ServiceAssistant': '客服助理',
    'Technician': '维修技师', 'RegionalLogistics': '区域物流', 'HQ': '总部',
    'DayShift': '白班', 'EveningShift': '晚班',
}


def upgrade() -> None:
    with op.batch_alter_table('groups') as batch:
        batch.add_column(sa.Column('display_name', sa.String(length=100), nullable=True))
    groups = sa.table('groups', sa.column('name', sa.String), sa.column('display_name', sa.String))
    for name, display in SHIPPED.items():
        op.execute(groups.update().where(groups.c.name == name).values(display_name=display))


def downgrade() -> None:
    with op.batch_alter_table('groups') as batch:
        batch.drop_column('display_name')
