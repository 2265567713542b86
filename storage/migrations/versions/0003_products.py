"""products sent for curation

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
    op.create_table(
        'products',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('lapas_id', sa.Integer(), nullable=True),
        sa.Column('producer_code', sa.String(length=20), nullable=True),
        sa.Column('province', sa.String(length=40), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('category', sa.String(length=24), nullable=False),
        sa.Column('materials', sa.String(length=200), nullable=False),
        sa.Column('size', sa.String(length=80), nullable=False),
        sa.Column('price', sa.Integer(), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('description', sa.String(length=1000), nullable=False),
        sa.Column('photos', sa.JSON(), nullable=False),
        sa.Column('packaging_photo', sa.JSON(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('curator_note', sa.String(length=1000), nullable=True),
        sa.Column('claimed_by', sa.Integer(), nullable=True),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lapas_id'], ['lapas.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_products_owner_id', 'products', ['owner_id'])
    op.create_index('ix_products_lapas_id', 'products', ['lapas_id'])
    op.create_index('ix_products_queue', 'products', ['status', 'submitted_at'])


def downgrade() -> None:
    op.drop_index('ix_products_queue', table_name='products')
    op.drop_index('ix_products_lapas_id', table_name='products')
    op.drop_index('ix_products_owner_id', table_name='products')
    op.drop_table('products')
