"""the history of each product in curation: sent, sent again, decided

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'product_events',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('product_id', sa.Integer(),
                  sa.ForeignKey('products.id', ondelete='CASCADE'), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('note', sa.String(length=1000), nullable=True),
    )
    op.create_index('ix_product_events_product_id', 'product_events', ['product_id'])
    # What the products' rows still tell of their past: when each was (last) sent, and its
    # latest decision with the curator's note.
    op.execute(
        "INSERT INTO product_events (product_id, at, kind, actor_id, note) "
        "SELECT id, submitted_at, 'submitted', owner_id, NULL FROM products")
    op.execute(
        "INSERT INTO product_events (product_id, at, kind, actor_id, note) "
        "SELECT p.id, p.decided_at, CASE p.status WHEN 'accepted' THEN 'accepted' "
        "WHEN 'needs_revision' THEN 'revise' ELSE 'rejected' END, u.id, p.curator_note "
        "FROM products p LEFT JOIN users u ON u.id = p.decided_by "
        "WHERE p.decided_at IS NOT NULL "
        "AND p.status IN ('accepted', 'needs_revision', 'rejected')")


def downgrade() -> None:
    op.drop_index('ix_product_events_product_id', table_name='product_events')
    op.drop_table('product_events')
