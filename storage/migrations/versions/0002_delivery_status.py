"""delivery status reported by the platform

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('error_code', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_provider_id'), ['provider_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_provider_id'))
        batch_op.drop_column('error_code')
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('provider_id')
