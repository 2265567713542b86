"""offices, and the office each staff member works for; existing staff join `pusat`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NATIONAL = 'pusat'


def upgrade() -> None:
    offices = op.create_table(
        'offices',
        sa.Column('id', sa.String(length=32), primary_key=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('provinces', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
    )
    op.bulk_insert(offices, [{'id': NATIONAL, 'name': 'Kantor pusat', 'kind': 'national',
                              'provinces': []}])
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('office_id', sa.String(length=32), nullable=True))
        batch.create_foreign_key('fk_users_office_id', 'offices', ['office_id'], ['id'])
    users = sa.table('users', sa.column('staff_roles', sa.JSON), sa.column('office_id', sa.String))
    # Staff given roles before offices existed worked nationally: they stay so.
    op.execute(users.update()
               .where(sa.cast(users.c.staff_roles, sa.String) != '[]')
               .values(office_id=NATIONAL))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_constraint('fk_users_office_id', type_='foreignkey')
        batch.drop_column('office_id')
    op.drop_table('offices')
