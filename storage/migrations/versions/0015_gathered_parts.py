"""parts of one answer that arrive apart (an album's photos) are gathered in the database,
so that every server process sees them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'gatherings',
        sa.Column('group_key', sa.String(length=200), primary_key=True),
        sa.Column('leader', sa.String(length=32), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'gathered_parts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('group_key', sa.String(length=200), nullable=False),
        sa.Column('part_key', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('group_key', 'part_key', name='uq_gathered_parts_group_part'),
    )


def downgrade() -> None:
    op.drop_table('gathered_parts')
    op.drop_table('gatherings')
