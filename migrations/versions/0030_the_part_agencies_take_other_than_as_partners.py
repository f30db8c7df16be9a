"""the part agencies take in referrals: the agency's index carries the basis too, so whether an
agency is a MASH partner in any case is one probe, and a partial index holds the few rows of any
other part; the audit's area choices are read from them without visiting every case of an agency

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 22:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_agencies_agency_id')
        batch_op.create_index('ix_referral_agencies_agency_id_basis', ['agency_id', 'basis'], unique=False)
    condition = sa.text("basis <> 'mash'")
    op.create_index(
        'ix_referral_agencies_not_mash', 'referral_agencies', ['agency_id'], unique=False,
        postgresql_where=condition, sqlite_where=condition,
    )


def downgrade():
    op.drop_index('ix_referral_agencies_not_mash', table_name='referral_agencies')
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_agencies_agency_id_basis')
        batch_op.create_index('ix_referral_agencies_agency_id', ['agency_id'], unique=False)
