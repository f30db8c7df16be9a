"""audit gap 16: notifications that waited to reach the MASH; the notifier's record time in the audit facts

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# Frozen here rather than imported from app/audit (docs/audit-rules.md, "Adding a gap").
_facts = sa.table("audit_facts", sa.column("referral_id"), sa.column("notifier_recorded_at"))
_notifications = sa.table("notifications", sa.column("referral_id"), sa.column("recorded_at"))


def upgrade():
    with op.batch_alter_table('audit_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notifier_recorded_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        _facts.update().values(
            notifier_recorded_at=sa.select(_notifications.c.recorded_at)
            .where(_notifications.c.referral_id == _facts.c.referral_id)
            .scalar_subquery()
        )
    )


def downgrade():
    with op.batch_alter_table('audit_facts', schema=None) as batch_op:
        batch_op.drop_column('notifier_recorded_at')
