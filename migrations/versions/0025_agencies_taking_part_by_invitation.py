"""agencies taking part by invitation: why each agency takes part in a referral, who invited an
agency from outside the MASH (a school), when and why; the education role; the invitation alert

Until now every agency of an area took part in every referral of that area, schools included.
Only the MASH's police, social care and health agencies now do. An agency of any other kind
keeps the referrals it made (as the referrer) and loses the rest: it is invited from now on.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

ROLES_BEFORE = ("police", "social_care", "health", "mash_manager", "auditor", "administrator")
ROLES_AFTER = (*ROLES_BEFORE, "education")
ALERTS_BEFORE = ('new_task', 'escalation', 'due_soon', 'pattern')
ALERTS_AFTER = (*ALERTS_BEFORE, 'invitation')
BASES = ("mash", "referrer", "strategy_discussion", "plan_action")
MASH_KINDS = ("police", "childrens_social_care", "health")

# Frozen here rather than imported from the app.
_taking_part = sa.table(
    "referral_agencies", sa.column("referral_id"), sa.column("agency_id"), sa.column("basis")
)
_agencies = sa.table("agencies", sa.column("id"), sa.column("kind"))
_referrals = sa.table("referrals", sa.column("id"), sa.column("created_by_id"))
_users = sa.table("users", sa.column("id"), sa.column("agency_id"))


def _listed(names):
    return ", ".join(f"'{name}'" for name in names)


def upgrade():
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.String(length=32), server_default='mash', nullable=False))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_referral_agencies_invited_by_id_users'), 'users', ['invited_by_id'], ['id']
        )
        batch_op.create_check_constraint(
            op.f('ck_referral_agencies_participation_basis'), sa.text(f"basis IN ({_listed(BASES)})")
        )
    outside = sa.select(_agencies.c.id).where(_agencies.c.kind.not_in(MASH_KINDS))
    referrer_agency = (
        sa.select(_users.c.agency_id)
        .join(_referrals, _referrals.c.created_by_id == _users.c.id)
        .where(_referrals.c.id == _taking_part.c.referral_id)
        .scalar_subquery()
    )
    # An agency outside the MASH keeps the referrals it made, as their referrer...
    op.execute(
        _taking_part.update()
        .where(_taking_part.c.agency_id.in_(outside), _taking_part.c.agency_id == referrer_agency)
        .values(basis="referrer")
    )
    # ...and no longer takes part in the others, which it was in only because it was in the area.
    op.execute(
        _taking_part.delete().where(
            _taking_part.c.agency_id.in_(outside), _taking_part.c.basis != "referrer"
        )
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_roles_role_name"), type_="check")
        batch_op.create_check_constraint(op.f("ck_roles_role_name"), sa.text(f"name IN ({_listed(ROLES_AFTER)})"))
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_alerts_alert_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_alerts_alert_kind'), sa.column('kind').in_(ALERTS_AFTER))


def downgrade():
    op.execute(sa.text("DELETE FROM alerts WHERE kind = 'invitation'"))
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_alerts_alert_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_alerts_alert_kind'), sa.column('kind').in_(ALERTS_BEFORE))
    op.execute(
        sa.text(
            "DELETE FROM user_roles WHERE role_id IN (SELECT id FROM roles WHERE name = 'education')"
        )
    )
    op.execute(sa.text("DELETE FROM roles WHERE name = 'education'"))
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_roles_role_name"), type_="check")
        batch_op.create_check_constraint(op.f("ck_roles_role_name"), sa.text(f"name IN ({_listed(ROLES_BEFORE)})"))
    with op.batch_alter_table('referral_agencies', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_referral_agencies_participation_basis'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_referral_agencies_invited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reason')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('basis')
