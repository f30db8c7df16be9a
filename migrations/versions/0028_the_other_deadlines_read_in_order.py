"""the other deadlines read in order: partial indexes of the open plan actions, the plans in
force, the conferences awaited and the return home interviews outstanding, each in due order

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03 16:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# Frozen here rather than built from the models: (name, table, columns, rows indexed).
INDEXES = (
    ('ix_plan_actions_open_by_due_date', 'plan_actions', ['due_date', 'id'],
     "status IN ('not_started', 'in_progress')"),
    ('ix_protective_plans_in_force_by_review_date', 'protective_plans', ['review_date'],
     "status = 'in_force'"),
    ('ix_strategy_discussions_conference_awaited', 'strategy_discussions', ['icpc_target_date'],
     "icpc_required IS {true} AND icpc_held_on IS NULL AND icpc_not_required_reason IS NULL"
     " AND icpc_target_date IS NOT NULL"),
    ('ix_missing_episodes_interview_outstanding', 'missing_episodes', ['found_at'],
     "interview_status IN ('not_yet', 'offered')"),
)


def upgrade():
    true = 'true' if op.get_bind().dialect.name == 'postgresql' else '1'
    for name, table, columns, where in INDEXES:
        condition = sa.text(where.format(true=true))
        op.create_index(name, table, columns, unique=False, postgresql_where=condition, sqlite_where=condition)


def downgrade():
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
