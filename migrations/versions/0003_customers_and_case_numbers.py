"""customers and case numbers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_counters',
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'day')
    )
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('abc_class', sa.String(length=1), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('im_id', sa.String(length=100), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('dedicated_agent', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('customer_purchases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=64), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2, asdecimal=False), nullable=False),
    sa.Column('purchased_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('customer_purchases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_purchases_customer_id'), ['customer_id'], unique=False)

    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_no', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('related_case_no', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_instances_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_process_instances_related_case_no'), ['related_case_no'], unique=False)
        batch_op.create_unique_constraint('uq_process_instances_case_no', ['case_no'])
        batch_op.create_foreign_key('fk_process_instances_customer_id', 'customers',
                                    ['customer_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_constraint('fk_process_instances_customer_id', type_='foreignkey')
        batch_op.drop_constraint('uq_process_instances_case_no', type_='unique')
        batch_op.drop_index(batch_op.f('ix_process_instances_related_case_no'))
        batch_op.drop_index(batch_op.f('ix_process_instances_customer_id'))
        batch_op.drop_column('customer_id')
        batch_op.drop_column('related_case_no')
        batch_op.drop_column('case_no')

    with op.batch_alter_table('customer_purchases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_purchases_customer_id'))

    op.drop_table('customer_purchases')
    op.drop_table('customers')
    op.drop_table('case_counters')

