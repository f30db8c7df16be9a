"""when the notifier recorded a notification in their own system (the police record); the return home
interview's clock for the timer worker

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 15:30:00

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

RETURN_HOME_INTERVIEW_HOURS = 72


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

    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview_timer_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('interview_escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_missing_episodes_interview_timer_at'), ['interview_timer_at'], unique=False)
    # Interviews still outstanding get their clock: 72 hours after the child was found (worked out
    # here rather than in SQL, which adds hours differently on each database). Those already past
    # it are escalated by the timer worker's next pass.
    episodes = sa.table(
        'missing_episodes',
        sa.column('id', sa.Integer()),
        sa.column('found_at', sa.DateTime(timezone=True)),
        sa.column('interview_status', sa.String()),
        sa.column('interview_timer_at', sa.DateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(episodes.c.id, episodes.c.found_at).where(
            episodes.c.found_at.is_not(None), episodes.c.interview_status.in_(['not_yet', 'offered'])
        )
    ).all()
    for episode_id, found_at in rows:
        if isinstance(found_at, str):  # SQLite hands back text
            found_at = datetime.fromisoformat(found_at)
        if found_at.tzinfo is None:
            found_at = found_at.replace(tzinfo=timezone.utc)
        due = (found_at + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)).astimezone(timezone.utc)
        if connection.dialect.name == 'sqlite':  # stored as naive UTC there, as the app stores it
            due = due.replace(tzinfo=None)
        connection.execute(episodes.update().where(episodes.c.id == episode_id).values(interview_timer_at=due))


def downgrade():
    with op.batch_alter_table('missing_episodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missing_episodes_interview_timer_at'))
        batch_op.drop_column('interview_escalated_at')
        batch_op.drop_column('interview_timer_at')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('recorded_at')
