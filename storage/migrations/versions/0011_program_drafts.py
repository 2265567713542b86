"""a program may be a draft, seen by its office alone until published

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-10
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every program made before drafts existed is published.
    with op.batch_alter_table('programs') as batch:
        batch.add_column(sa.Column('draft', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('programs') as batch:
        batch.drop_column('draft')
