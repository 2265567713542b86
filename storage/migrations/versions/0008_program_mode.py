"""programs say whether they happen offline, online or both

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Venues that name no place but the internet: those programs are online.
ONLINE_VENUES = ('daring', 'online', 'zoom')


def upgrade() -> None:
    with op.batch_alter_table('programs') as batch:
        batch.add_column(sa.Column('mode', sa.String(length=8), nullable=False,
                                   server_default='offline'))
    programs = sa.table('programs', sa.column('venue', sa.String), sa.column('mode', sa.String))
    op.execute(programs.update()
               .where(sa.func.lower(sa.func.trim(programs.c.venue)).in_(ONLINE_VENUES))
               .values(mode='online'))


def downgrade() -> None:
    with op.batch_alter_table('programs') as batch:
        batch.drop_column('mode')
