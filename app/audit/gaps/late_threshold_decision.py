"""Gap 5: a threshold decision made after its due time, or an open case past it with no decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, and_, literal, not_, or_

from app.audit.gaps.dates import working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import correlated_exists, flag, gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import LONDON, london_date
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import Referral, ReferralStatus, ThresholdDecision


def no_decision_past_due(now: datetime):
    """No threshold decision, and its due time has passed (gap 8 uses it too)."""
    return and_(
        not_(correlated_exists(ThresholdDecision.referral_id == Referral.id)), Referral.threshold_due_at < now
    )


def no_decision_past_due_in_facts(f, now: datetime):
    """`no_decision_past_due`, from the audit facts."""
    return and_(f.has_decision.is_(False), f.threshold_due_at < now)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    decided_late = (
        referral_columns(scope, Referral.threshold_due_at, ThresholdDecision.decided_at)
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(ThresholdDecision.decided_at > Referral.threshold_due_at)
    )
    awaiting = referral_columns(scope, Referral.threshold_due_at, literal(None)).where(
        Referral.status == ReferralStatus.OPEN, no_decision_past_due(scope.now)
    )
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for q in (decided_late, awaiting) for r in db.session.execute(q)]
    listed = []
    for r in db.session.execute(decided_late):
        days = working_days_between(london_date(r[4]), london_date(r[5]))
        listed.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"Decided {r[5].astimezone(LONDON):%-d %b %Y %H:%M}, due {r[4].astimezone(LONDON):%-d %b %Y %H:%M}",
                working_days(days) + " late",
                days,
            )
        )
    for r in db.session.execute(awaiting):
        days = working_days_between(london_date(r[4]), scope.today)
        listed.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"Still awaiting a decision, due {r[4].astimezone(LONDON):%-d %b %Y %H:%M}",
                working_days(days) + " late",
                days,
            )
        )
    return listed


FACTS = (
    FactsColumn(
        "decided_late",
        Boolean,
        lambda: flag(
            correlated_exists(
                ThresholdDecision.referral_id == Referral.id,
                ThresholdDecision.decided_at > Referral.threshold_due_at,
            )
        ),
    ),
)


def owner_bits(f, scope: AuditScope):
    awaiting = and_(f.is_open.is_(True), no_decision_past_due_in_facts(f, scope.now))
    return owner_if(or_(f.decided_late.is_(True), awaiting), SOCIAL_CARE)


def decided_late(referral: Referral) -> bool:
    """Flagged on the case audit page, as on the list."""
    return referral.threshold_decision.decided_at > referral.threshold_due_at


def past_due_without_decision(referral: Referral, now: datetime) -> bool:
    """Flagged on the case audit page, open or closed (the list shows open cases only)."""
    return referral.threshold_decision is None and now > referral.threshold_due_at


GAP = Gap(
    number=5,
    slug="late-threshold-decision",
    title="Late threshold decisions",
    counts="Threshold decisions made after their due time (one working day after receipt), and open notifications "
    "still awaiting a decision after it.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Late by",
    detail_heading="Decision",
)
