"""Gap 8: children in custody: (a) not referred to social care; (b) the appropriate adult late;
(c) alternative accommodation refused and the refusal not escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Boolean, and_, case, false, or_, true

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.late_threshold_decision import no_decision_past_due, no_decision_past_due_in_facts
from app.audit.gaps.owners import POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import flag, gap_row, hours_between, referral_columns
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import IncidentType, Notification, Referral
from app.models.types import UTCDateTime

# A custody notification becomes a referral to children's social care when the
# threshold outcome is s17, s47 or immediate protection; these outcomes are not.
NOT_REFERRED_OUTCOMES = ("nfa", "early_help")


def appropriate_adult_hours() -> float:
    """How long the appropriate adult may take to arrive (AUDIT_APPROPRIATE_ADULT_HOURS, default 4)."""
    return float(current_app.config["AUDIT_APPROPRIATE_ADULT_HOURS"])


def _appropriate_adult_late_by(requested, arrived, now: datetime):
    """Arrived more than the allowed hours after the request, or not arrived and that long has passed."""
    limit = appropriate_adult_hours()
    return and_(
        requested.is_not(None),
        or_(
            and_(arrived.is_not(None), hours_between(arrived, requested) > limit),
            and_(arrived.is_(None), requested < now - timedelta(hours=limit)),
        ),
    )


def _refusal_not_escalated():
    return and_(
        Notification.custody_accommodation_refused.is_(True),
        Notification.custody_refusal_escalated.is_not(True),
    )


def _in_custody():
    return Notification.incident_type == IncidentType.CHILD_IN_CUSTODY


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    not_referred = and_(
        _in_custody(),
        or_(Referral.outcome.in_(NOT_REFERRED_OUTCOMES), no_decision_past_due(scope.now)),
    )
    aa_late = _appropriate_adult_late_by(
        Notification.custody_aa_requested_at, Notification.custody_aa_arrived_at, scope.now
    )
    refusal = _refusal_not_escalated()
    query = (
        referral_columns(
            scope,
            case((not_referred, true()), else_=false()),
            case((aa_late, true()), else_=false()),
            case((refusal, true()), else_=false()),
            Notification.custody_aa_requested_at,
            Notification.custody_aa_arrived_at,
            Referral.outcome,
        )
        .join(Notification, Notification.referral_id == Referral.id)
        .where(or_(not_referred, aa_late, refusal))
    )
    listed = []
    for r in db.session.execute(query):
        owners, parts, hours = [], [], 0.0
        if r[4]:
            owners.append(SOCIAL_CARE)
            parts.append(
                "No referral to children's social care"
                + (f" (outcome: {r[9]})" if r[9] else " (no decision)")
            )
        if r[5]:
            owners.append(POLICE)
            end = r[8] or scope.now
            hours = (end - r[7]).total_seconds() / 3600
            parts.append(
                f"Appropriate adult {'arrived' if r[8] else 'not arrived after'} {hours:.1f} hours after being requested"
            )
        if r[6]:
            if POLICE not in owners:
                owners.append(POLICE)
            parts.append("Alternative accommodation refused and not escalated")
        listed.append(gap_row(r, owners, "; ".join(parts), f"{hours:.1f} hours" if r[5] else "", hours))
    return listed


def _custody_notification():
    return and_(Notification.id.is_not(None), _in_custody())


FACTS = (
    FactsColumn("custody", Boolean, lambda: flag(_custody_notification())),
    FactsColumn(
        "custody_not_referred",
        Boolean,
        lambda: flag(and_(_custody_notification(), Referral.outcome.in_(NOT_REFERRED_OUTCOMES))),
    ),
    # The times, not a verdict: whether the adult is late depends on the time now.
    FactsColumn(
        "aa_requested_at", UTCDateTime(), lambda: Notification.custody_aa_requested_at, nullable=True
    ),
    FactsColumn("aa_arrived_at", UTCDateTime(), lambda: Notification.custody_aa_arrived_at, nullable=True),
    FactsColumn("refusal_not_escalated", Boolean, lambda: flag(_refusal_not_escalated())),
)


def owner_bits(f, scope: AuditScope):
    not_referred = or_(
        f.custody_not_referred.is_(True),
        and_(f.custody.is_(True), no_decision_past_due_in_facts(f, scope.now)),
    )
    police = or_(
        _appropriate_adult_late_by(f.aa_requested_at, f.aa_arrived_at, scope.now),
        f.refusal_not_escalated.is_(True),
    )
    return owner_if(not_referred, SOCIAL_CARE) + owner_if(police, POLICE)


# Flagged on the case audit page.


def appropriate_adult_late(requested: datetime, arrived: datetime) -> bool:
    """The adult arrived more than the allowed hours after the request (the page flags a
    missing arrival at once, as not recorded)."""
    return (arrived - requested).total_seconds() / 3600 > appropriate_adult_hours()


def referred_to_social_care(outcome: str | None) -> bool:
    return outcome is not None and outcome not in NOT_REFERRED_OUTCOMES


def refusal_not_escalated(notification: Notification) -> bool:
    return (
        notification.custody_accommodation_refused is True
        and notification.custody_refusal_escalated is not True
    )


GAP = Gap(
    number=8,
    slug="children-in-custody",
    title="Children in custody",
    counts="Child-in-custody notifications with no referral to children's social care (outcome no further action or "
    "early help, or no decision past its due time); or where the appropriate adult arrived more than the "
    "allowed hours after being requested; or where alternative accommodation was refused and not escalated.",
    owners=(SOCIAL_CARE, POLICE),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Appropriate adult delay",
)
