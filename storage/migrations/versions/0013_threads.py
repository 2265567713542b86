"""questions people ask an office in the chat, and the answers of its staff

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'threads',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('office_id', sa.String(length=32), sa.ForeignKey('offices.id'),
                  nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('assigned_to', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_user_message_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('closed_by', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                  nullable=True),
    )
    op.create_index('ix_threads_user_id', 'threads', ['user_id'])
    op.create_index('ix_threads_office_status', 'threads', ['office_id', 'status'])
    op.create_table(
        'thread_messages',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('thread_id', sa.Integer(), sa.ForeignKey('threads.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('from_staff', sa.Boolean(), nullable=False),
        sa.Column('staff_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='SET NULL'),
                  nullable=True),
        sa.Column('text', sa.String(length=4000), nullable=False),
        sa.Column('photo', sa.String(length=200), nullable=True),
        sa.Column('thumb', sa.String(length=200), nullable=True),
    )
    op.create_index('ix_thread_messages_thread_id', 'thread_messages', ['thread_id'])


def downgrade() -> None:
    op.drop_table('thread_messages')
    op.drop_table('threads')
