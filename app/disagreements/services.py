"""Raising and reviewing a professional disagreement about a threshold decision already made.

Any agency taking part in the referral may raise one, with its reason, within the
partnership's period after the decision (the `disagreement_period` response time).
It reaches the MASH managers at once, as an alert, and stays on the managers'
audit list of unresolved disagreements until a manager records the outcome. Both
the disagreement and its outcome are in the referral's timeline.
"""

from __future__ import annotations

from datetime import datetime

from app.alerts.services import alert, lane_users
from app.domain.clock import utcnow
from app.extensions import db
from app.models import (
    AlertKind,
    DisagreementStatus,
    ProfessionalDisagreement,
    Referral,
    ThresholdDecision,
    User,
)
from app.permissions import Permission, user_can
from app.referrals.services import _record_step
from app.timers import due
from app.workflow.contract import OUTCOME_LABELS


class DisagreementInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def window_closes(decision: ThresholdDecision) -> datetime:
    return due.disagreement_period(decision.decided_at).at


def why_not(user: User, referral: Referral, now: datetime | None = None) -> str | None:
    """Why `user` may not raise a disagreement about this referral's decision now, or None if they may."""
    decision = referral.threshold_decision
    if decision is None:
        return "No threshold decision has been made yet"
    if not (user_can(user, Permission.WORK_TASKS) and referral.can_view(user)):
        return "Only an agency taking part in this referral can disagree with its decision"
    if user_can(user, Permission.REVIEW_DISAGREEMENTS):
        return "A MASH manager reviews disagreements: ask the agency that disagrees to raise it"
    if (now or utcnow()) > window_closes(decision):
        return "The time for raising a disagreement about this decision has passed"
    if any(
        d.agency_id == user.agency_id and d.status is DisagreementStatus.OPEN for d in decision.disagreements
    ):
        return "Your agency's disagreement with this decision is already waiting for a manager"
    return None


def raise_disagreement(actor: User, referral: Referral, reason: str | None) -> ProfessionalDisagreement:
    refusal = why_not(actor, referral)
    if refusal:
        raise DisagreementInvalid({"reason": refusal})
    reason = (reason or "").strip()
    if not reason:
        raise DisagreementInvalid({"reason": "Enter why your agency disagrees with the decision"})
    decision = referral.threshold_decision
    disagreement = ProfessionalDisagreement(
        referral=referral, decision=decision, raised_by=actor, agency_id=actor.agency_id, reason=reason
    )
    db.session.add(disagreement)
    db.session.flush()
    outcome = OUTCOME_LABELS.get(decision.final_outcome or decision.outcome, decision.outcome)
    _record_step(
        referral,
        actor,
        "professional_disagreement",
        "Professional disagreement raised",
        None,
        {"disagreed_with": outcome, "disagreement_reason": reason},
    )
    agency = actor.agency.name if actor.agency else "An agency"
    alert(
        lane_users(referral, "Manager"),
        referral,
        AlertKind.ESCALATION,
        f"{referral.reference}: {agency} disagrees with the threshold decision",
        task_id=None,
        key=f"disagreement:{referral.id}:{disagreement.id}",
        fresh=True,
    )
    return disagreement


def review(
    actor: User, disagreement: ProfessionalDisagreement, upheld: bool | None, resolution: str | None
) -> None:
    errors: dict[str, str] = {}
    if disagreement.status is not DisagreementStatus.OPEN:
        raise DisagreementInvalid({"upheld": "A manager has already reviewed this disagreement"})
    if upheld is None:
        errors["upheld"] = "Select whether you uphold the disagreement"
    if not (resolution or "").strip():
        errors["resolution"] = "Enter what you decided and what happens next"
    if errors:
        raise DisagreementInvalid(errors)
    disagreement.status = DisagreementStatus.UPHELD if upheld else DisagreementStatus.NOT_UPHELD
    disagreement.resolution = resolution.strip()
    disagreement.resolved_by = actor
    disagreement.resolved_at = utcnow()
    _record_step(
        disagreement.referral,
        actor,
        "disagreement_review",
        "Professional disagreement reviewed",
        "Manager",
        {
            "raised_by": disagreement.agency.name,
            "review_outcome": disagreement.status.label,
            "resolution": disagreement.resolution,
        },
    )
