"""a channel's pace adapts to what the platform takes: the pace now, the pace to climb
back to quickly, and the seconds of sending since the last 429

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('channel_pace') as batch:
        batch.add_column(sa.Column('rate', sa.Float(), nullable=True))
        batch.add_column(sa.Column('refused_rate', sa.Float(), nullable=True))
        batch.add_column(sa.Column('steady_seconds', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('channel_pace') as batch:
        batch.drop_column('steady_seconds')
        batch.drop_column('refused_rate')
        batch.drop_column('rate')
