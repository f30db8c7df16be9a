"""when the notifier recorded a notification in their own system (the police record)

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-02 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
    # Notifications already there said nothing of their own record: it counts as made at receipt.
    op.execute(
        'UPDATE notifications SET recorded_at = '
        '(SELECT referrals.received_at FROM referrals WHERE referrals.id = notifications.referral_id)'
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('recorded_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
