"""manager sign-off of no further action and early help; professional disagreements raised after a decision

Revision ID: 0021
Revises: 0015
Create Date: 2026-12-02 11:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0015'
branch_labels = None
depends_on = None

STATUSES = ('open', 'upheld', 'not_upheld')


def upgrade():
    with op.batch_alter_table('threshold_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_off_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('signed_off', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('signed_off_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sign_off_note', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_threshold_decisions_signed_off_by_id_users'), 'users', ['signed_off_by_id'], ['id']
        )

    op.create_table(
        'professional_disagreements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('referral_id', sa.Integer(), nullable=False),
        sa.Column('threshold_decision_id', sa.Integer(), nullable=False),
        sa.Column('raised_by_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='disagreement_status', native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'],
                                name=op.f('fk_professional_disagreements_agency_id_agencies')),
        sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'],
                                name=op.f('fk_professional_disagreements_raised_by_id_users')),
        sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ondelete='CASCADE',
                                name=op.f('fk_professional_disagreements_referral_id_referrals')),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_professional_disagreements_resolved_by_id_users')),
        sa.ForeignKeyConstraint(['threshold_decision_id'], ['threshold_decisions.id'], ondelete='CASCADE',
                                name=op.f('fk_professional_disagreements_threshold_decision_id_threshold_decisions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_professional_disagreements')),
    )
    with op.batch_alter_table('professional_disagreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_disagreements_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index('ix_professional_disagreements_open', ['status', 'raised_at'], unique=False)


def downgrade():
    op.drop_table('professional_disagreements')
    with op.batch_alter_table('threshold_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_threshold_decisions_signed_off_by_id_users'), type_='foreignkey')
        batch_op.drop_column('sign_off_note')
        batch_op.drop_column('signed_off_at')
        batch_op.drop_column('signed_off_by_id')
        batch_op.drop_column('signed_off')
        batch_op.drop_column('sign_off_required')
