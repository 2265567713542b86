"""WhatsApp questions as quick-reply buttons and lists: the Twilio Content resources made
for them, kept by the hash of what they contain so each is made once

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'whatsapp_contents',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('content_sid', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('whatsapp_contents')
