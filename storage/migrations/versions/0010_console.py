"""programs belong to an office; the console's login links, sessions and audit log

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa



revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

NATIONAL = 'pusat'


def upgrade() -> None:
    # Programs made before offices existed were everyone's: the national office runs them.
    with op.batch_alter_table('programs') as batch:
        batch.add_column(sa.Column('office_id', sa.String(length=32), nullable=False,
                                   server_default=NATIONAL))
        batch.create_foreign_key('fk_programs_office_id', 'offices', ['office_id'], ['id'])
        batch.create_index('ix_programs_office_id', ['office_id'])
    with op.batch_alter_table('programs') as batch:
        batch.alter_column('office_id', server_default=None)
    op.create_table(
        'login_links',
        sa.Column('token_hash', sa.String(length=64), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_login_links_user_id', 'login_links', ['user_id'])
    op.create_table(
        'staff_sessions',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False, unique=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('agent', sa.String(length=200), nullable=False),
    )
    op.create_index('ix_staff_sessions_user_id', 'staff_sessions', ['user_id'])
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('office_id', sa.String(length=32), nullable=True),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('via', sa.String(length=8), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('object_kind', sa.String(length=24), nullable=False),
        sa.Column('object_id', sa.String(length=64), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
    )
    op.create_index('ix_audit_log_at', 'audit_log', ['at'])
    op.create_index('ix_audit_log_office_id', 'audit_log', ['office_id'])


def downgrade() -> None:
    op.drop_table('audit_log')
    op.drop_table('staff_sessions')
    op.drop_table('login_links')
    with op.batch_alter_table('programs') as batch:
        batch.drop_index('ix_programs_office_id')
        batch.drop_constraint('fk_programs_office_id', type_='foreignkey')
        batch.drop_column('office_id')
