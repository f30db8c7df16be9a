"""the inbox read in order: an index of ready tasks by lane in the inbox's order (earliest due
first, none due last), so that a page of the inbox reads its own rows and stops

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_ready_tasks_inbox',
        'ready_tasks',
        ['lane', sa.text('(due_at IS NULL)'), 'due_at', 'id'],
        unique=False,
    )


def downgrade():
    op.drop_index('ix_ready_tasks_inbox', table_name='ready_tasks')
