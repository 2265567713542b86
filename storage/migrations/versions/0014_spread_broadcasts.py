"""a broadcast belongs to an office and may be spread over a window of hours in each
recipient's zone; its messages carry that window; a form sends one broadcast however
often it is submitted

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('window_opens', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('window_closes', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('broadcasts') as batch:
        batch.add_column(sa.Column('office_id', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('spread', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('form_key', sa.String(length=40), nullable=True))
        batch.create_unique_constraint('uq_broadcasts_form_key', ['form_key'])
        batch.create_foreign_key('fk_broadcasts_office_id', 'offices', ['office_id'], ['id'])
    # A broadcast sent before offices kept theirs is its sender's office's.
    broadcasts = sa.table('broadcasts', sa.column('created_by', sa.Integer),
                          sa.column('office_id', sa.String))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('office_id', sa.String))
    op.execute(broadcasts.update().values(office_id=sa.select(users.c.office_id).where(
        users.c.id == broadcasts.c.created_by).scalar_subquery()))


def downgrade() -> None:
    with op.batch_alter_table('broadcasts') as batch:
        batch.drop_constraint('fk_broadcasts_office_id', type_='foreignkey')
        batch.drop_constraint('uq_broadcasts_form_key', type_='unique')
        batch.drop_column('form_key')
        batch.drop_column('spread')
        batch.drop_column('office_id')
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_column('window_closes')
        batch.drop_column('window_opens')
