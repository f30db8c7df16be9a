"""workflow state compressed with lz4 on PostgreSQL: the serialised workflow (about 17 KB of
JSON a referral) is written on every step; lz4 compresses it about five times faster than
PostgreSQL's default (pglz), and a little smaller. Values already stored stay as they are
until they are next written. Nothing changes on SQLite, or where the server lacks lz4.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 22:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def _lz4_available(bind) -> bool:
    """PostgreSQL 14 and later, built with lz4: the setting then lists it among its values."""
    return bind.dialect.name == 'postgresql' and bool(bind.scalar(sa.text(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
    )))


def _compress_with(method: str) -> None:
    bind = op.get_bind()
    if _lz4_available(bind):
        op.execute(f'ALTER TABLE referrals ALTER COLUMN workflow_state SET COMPRESSION {method}')


def upgrade():
    _compress_with('lz4')


def downgrade():
    _compress_with('pglz')
