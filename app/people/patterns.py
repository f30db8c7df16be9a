"""The pattern alert: when a new referral names someone already on another case that is
open, or closed in the last 12 months, the social worker who owns that case is told,
even when the new incident looks low-risk on its own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from app.alerts.services import alert, lane_users
from app.domain.clock import utcnow
from app.extensions import db
from app.models import Referral, StepRecord, User
from app.models.alerts import AlertKind
from app.models.persons import Involvement
from app.models.referrals import ReferralStatus

# A case closed longer ago than this is history, not someone's open concern.
RECENTLY_CLOSED = timedelta(days=365)
SOCIAL_CARE = "Social care"


def case_owners(case: Referral) -> list[User]:
    """Who owns a case: whoever has picked up its social care task, else the social worker who
    last completed a step on it, else every social worker taking part."""
    assigned = [t.assigned_to for t in case.ready_tasks if t.lane == SOCIAL_CARE and t.assigned_to]
    if assigned:
        return assigned
    last = db.session.scalar(
        select(StepRecord)
        .where(
            StepRecord.referral_id == case.id,
            StepRecord.lane == SOCIAL_CARE,
            StepRecord.actor_id.is_not(None),
        )
        .order_by(StepRecord.id.desc())
        .limit(1)
    )
    if last is not None and last.actor is not None and last.actor.active:
        return [last.actor]
    return lane_users(case, SOCIAL_CARE)


def alert_owners_of_linked_cases(new: Referral, person_ids: set[int]) -> int:
    """Tell the owners of other open or recent cases naming these people about the new referral."""
    if not person_ids:
        return 0
    cases = db.session.scalars(
        select(Referral)
        .join(Involvement, Involvement.referral_id == Referral.id)
        .where(
            Involvement.person_id.in_(person_ids),
            Referral.id != new.id,
            or_(Referral.status == ReferralStatus.OPEN, Referral.closed_at >= utcnow() - RECENTLY_CLOSED),
        )
        .distinct()
        .limit(50)
    ).all()
    added = 0
    for case in cases:
        added += alert(
            case_owners(case),
            case,
            AlertKind.PATTERN,
            f"{new.reference} names someone on {case.reference}: check it against your case.",
            task_id=None,
            key=f"pattern:{case.id}:{new.id}",
        )
    db.session.flush()
    return added
