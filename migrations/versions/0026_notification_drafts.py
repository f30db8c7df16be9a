"""notification drafts: a police notification being written, seen only by its author

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notification_drafts_author_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_drafts')),
    )
    op.create_index('ix_notification_drafts_author', 'notification_drafts', ['author_id', 'updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_notification_drafts_author', table_name='notification_drafts')
    op.drop_table('notification_drafts')
