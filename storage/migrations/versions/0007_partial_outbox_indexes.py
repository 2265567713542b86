"""the outbox's provider id and topic indexed only where a message has one

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

PARTIAL = ('provider_id', 'topic')


def upgrade() -> None:
    for column in PARTIAL:
        name = f'ix_outbox_messages_{column}'
        op.drop_index(name, table_name='outbox_messages')
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(name, 'outbox_messages', [column], sqlite_where=where,
                        postgresql_where=where)


def downgrade() -> None:
    for column in PARTIAL:
        name = f'ix_outbox_messages_{column}'
        op.drop_index(name, table_name='outbox_messages')
        op.create_index(name, 'outbox_messages', [column])
