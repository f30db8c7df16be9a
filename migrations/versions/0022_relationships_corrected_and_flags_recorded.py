"""relationships corrected by a worker, with who, when and why; flags recorded by social care, with their history

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 15:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

FLAGS = ('child_protection_plan', 'child_in_need', 'looked_after', 'registered_sex_offender')


def upgrade():
    with op.batch_alter_table('person_relationships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_person_relationships_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id']
        )
    op.create_table(
        'person_flag_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column(
            'flag',
            sa.Enum(*FLAGS, name='person_flag', native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column('now_set', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_flag_changes_person_id_persons')),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_person_flag_changes_changed_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_flag_changes')),
    )
    with op.batch_alter_table('person_flag_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_flag_changes_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('person_flag_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_flag_changes_person_id'))
    op.drop_table('person_flag_changes')
    with op.batch_alter_table('person_relationships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_person_relationships_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('recorded_at')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('reason')
