"""Gap 2: a strategy discussion that did not decide "no s47", and no joint plan in force."""

from __future__ import annotations

from sqlalchemy import Integer, and_, case, func, not_, or_, select
from sqlalchemy.orm import aliased

from app.audit.gaps.dates import working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import HEALTH, OWNER_BITS, OWNER_LABELS, POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import (
    chunks,
    correlated_exists,
    gap_row,
    has_plan_in_force,
    referral_columns,
)
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import ProtectivePlan, Referral, StrategyDiscussion
from app.workflow.contract import S47_DECISIONS


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(scope, StrategyDiscussion.held_at)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(StrategyDiscussion.decision != "no_s47", not_(has_plan_in_force()))
    )
    found = db.session.execute(query).all()
    # The latest plan of each case, to say who holds it up (one query for all of them).
    plans: dict[int, tuple[bool | None, bool | None]] = {}
    for chunk in chunks([r[0] for r in found]):
        for referral_id, police, health in db.session.execute(
            select(
                ProtectivePlan.referral_id, ProtectivePlan.police_confirmed, ProtectivePlan.health_confirmed
            )
            .where(ProtectivePlan.referral_id.in_(chunk))
            .order_by(ProtectivePlan.id)
        ):
            plans[referral_id] = (police, health)
    listed = []
    for r in found:
        plan = plans.get(r[0])
        if plan is None:
            owners, detail = [SOCIAL_CARE], "No joint protective plan recorded"
        elif False in plan:
            owners, detail = [SOCIAL_CARE], "Plan declined by a partner: awaiting revision"
        else:
            owners = [o for o, ok in zip((POLICE, HEALTH), plan, strict=True) if not ok]
            detail = "Plan awaiting confirmation by " + " and ".join(OWNER_LABELS[o].lower() for o in owners)
        if brief:
            listed.append(gap_row(r, owners or [SOCIAL_CARE]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        listed.append(gap_row(r, owners or [SOCIAL_CARE], detail, working_days(days), days))
    return listed


def _who_holds_up_the_plan():
    """Owner bits from the case's latest plan, as the list works them out."""
    latest_plan = (
        select(func.max(ProtectivePlan.id))
        .where(ProtectivePlan.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )
    plan = aliased(ProtectivePlan)

    def latest(column):
        return select(column).where(plan.id == latest_plan).correlate(Referral).scalar_subquery()

    police_ok, health_ok = latest(plan.police_confirmed), latest(plan.health_confirmed)
    in_gap = and_(
        correlated_exists(
            StrategyDiscussion.referral_id == Referral.id, StrategyDiscussion.decision != "no_s47"
        ),
        not_(has_plan_in_force()),
    )
    social_care = OWNER_BITS[SOCIAL_CARE]
    return case(
        (not_(in_gap), 0),
        (latest_plan.is_(None), social_care),
        (or_(police_ok.is_(False), health_ok.is_(False)), social_care),
        (and_(police_ok.is_(True), health_ok.is_(True)), social_care),
        else_=owner_if(police_ok.is_not(True), POLICE) + owner_if(health_ok.is_not(True), HEALTH),
    )


FACTS = (FactsColumn("no_plan_owners", Integer, _who_holds_up_the_plan),)


def owner_bits(f, scope: AuditScope):
    return f.no_plan_owners


def needs_a_plan(referral: Referral) -> bool:
    """Flagged on the case audit page when no plan is recorded: the discussion started s47 enquiries."""
    sd = referral.strategy_discussion
    return sd is not None and sd.decision in S47_DECISIONS


def confirmation_outstanding(confirmed: bool | None) -> bool:
    """Flagged on the case audit page: police or health has not confirmed the plan (declined or not answered)."""
    return confirmed is not True


GAP = Gap(
    number=2,
    slug="strategy-discussion-no-plan",
    title="Strategy discussions with no joint plan in force",
    counts="Cases with a strategy discussion that did not decide 'no s47', and no joint protective plan confirmed "
    "by police and health (a draft or declined plan does not count). How long: working days since the discussion.",
    owners=(SOCIAL_CARE, POLICE, HEALTH),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Working days since the discussion",
)
