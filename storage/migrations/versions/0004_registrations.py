"""sign-ups for programs, with their order of arrival

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'registrations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('program_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('lapas_id', sa.Integer(), nullable=True),
        sa.Column('party', sa.String(length=24), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('funding_route', sa.String(length=16), nullable=True),
        sa.Column('product_ids', sa.JSON(), nullable=False),
        sa.Column('notes', sa.String(length=500), nullable=False),
        sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['program_id'], ['programs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lapas_id'], ['lapas.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('program_id', 'party', name='uq_registrations_program_party'),
    )
    op.create_index('ix_registrations_user_id', 'registrations', ['user_id'])
    op.create_index('ix_registrations_lapas_id', 'registrations', ['lapas_id'])
    op.create_index('ix_registrations_party', 'registrations', ['party'])
    op.create_index('ix_registrations_queue', 'registrations', ['program_id', 'status', 'seq'])


def downgrade() -> None:
    op.drop_index('ix_registrations_queue', table_name='registrations')
    op.drop_index('ix_registrations_party', table_name='registrations')
    op.drop_index('ix_registrations_lapas_id', table_name='registrations')
    op.drop_index('ix_registrations_user_id', table_name='registrations')
    op.drop_table('registrations')
