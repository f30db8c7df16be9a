"""the cases an agency takes part in, read from the index alone: the agency's index carries the
referral too, so the audit's scope (every case an agency takes part in) is an index-only scan
rather than a visit to each row

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:35:00

"""
from alembic import op


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_agencies_agency_id_basis')
        batch_op.create_index(
            'ix_referral_agencies_agency_id_basis_referral_id', ['agency_id', 'basis', 'referral_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_agencies_agency_id_basis_referral_id')
        batch_op.create_index('ix_referral_agencies_agency_id_basis', ['agency_id', 'basis'], unique=False)
