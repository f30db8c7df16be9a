"""What is recorded on a referral after its workflow steps: the conference, the end of police protection.

Both close audit gaps (docs/audit-rules.md, rules 9 and 10). Each validates,
changes the records, adds a timeline entry and flushes; the route commits.
"""

from __future__ import annotations

from datetime import date, datetime

from app.domain.clock import utcnow
from app.models import Referral, User
from app.referrals import workflow
from app.referrals.services import StepInvalid, _record_step
from app.workflow.contract import S47_DECISIONS

#: The lanes that record each: social care the conference, police the end of police protection.
CONFERENCE_LANE = "Social care"
POLICE_PROTECTION_LANE = "Police"


def conference_can_be_recorded(referral: Referral) -> bool:
    sd = referral.strategy_discussion
    return (
        sd is not None
        and sd.decision in S47_DECISIONS
        and sd.icpc_held_on is None
        and sd.icpc_not_required_reason is None
    )


def record_conference(
    actor: User, referral: Referral, held_on: date | None, not_required_reason: str | None, today: date
) -> None:
    """The initial child protection conference was held on `held_on`, or is not required (with the reason)."""
    sd = referral.strategy_discussion
    if not conference_can_be_recorded(referral):
        raise StepInvalid(
            {
                "outcome": "The conference outcome for this referral is already recorded, or no s47 enquiry was started"
            }
        )
    if (held_on is None) == (not not_required_reason):
        raise StepInvalid({"outcome": "Select whether the conference was held or is not required"})
    if held_on is not None:
        if held_on > today:
            raise StepInvalid({"held_on": "The conference date must be today or in the past"})
        if held_on < sd.held_at.date():
            raise StepInvalid({"held_on": "The conference date must be on or after the strategy discussion"})
    sd.icpc_held_on = held_on
    sd.icpc_not_required_reason = not_required_reason
    sd.icpc_recorded_by_id = actor.id
    sd.icpc_recorded_at = utcnow()
    answers = {"held_on": held_on} if held_on else {"not_required_reason": not_required_reason}
    _record_step(
        referral,
        actor,
        "conference_recorded",
        "Initial child protection conference recorded",
        CONFERENCE_LANE,
        answers,
    )


def police_protection_end_can_be_recorded(referral: Referral) -> bool:
    n = referral.notification
    return n is not None and n.pp_started_at is not None and n.pp_rescinded_at is None


def record_police_protection_ended(
    actor: User, referral: Referral, ended_at: datetime, now: datetime
) -> None:
    """Police protection (s46) ended (was rescinded) at `ended_at`."""
    n = referral.notification
    if not police_protection_end_can_be_recorded(referral):
        raise StepInvalid(
            {"ended_date": "When police protection ended is already recorded, or it was not used"}
        )
    if ended_at > now:
        raise StepInvalid({"ended_date": "The time police protection ended must be now or in the past"})
    if ended_at <= n.pp_started_at:
        raise StepInvalid({"ended_date": "Police protection must end after it started"})
    n.pp_rescinded_at = ended_at
    # Its 72-hour clock stops: the process no longer waits for the end.
    workflow.end_wait(referral, "police_protection_in_force")
    _record_step(
        referral,
        actor,
        "police_protection_ended",
        "Police protection ended",
        POLICE_PROTECTION_LANE,
        {"rescinded_at": ended_at},
    )
