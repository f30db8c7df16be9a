"""Gap 11: a threshold decision escalated to a manager, or a professional disagreement raised
after the decision, and no resolution recorded."""

from __future__ import annotations

from sqlalchemy import Boolean

from app.audit.gaps.dates import working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import MANAGER, owner_if
from app.audit.gaps.queries import correlated_exists, flag, gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import DisagreementStatus, ProfessionalDisagreement, Referral, ThresholdDecision
from app.workflow.contract import OUTCOME_LABELS


def _awaiting_a_manager():
    return ThresholdDecision.escalated.is_(True), ThresholdDecision.resolved_at.is_(None)


def _open_disagreement():
    return ProfessionalDisagreement.referral_id == Referral.id, ProfessionalDisagreement.status == (
        DisagreementStatus.OPEN
    )


def _disagreements(scope: AuditScope, brief: bool) -> list[GapRow]:
    """Disagreements raised after the decision and not yet reviewed, oldest first, one row per referral."""
    query = (
        referral_columns(scope, ProfessionalDisagreement.raised_at, ThresholdDecision.outcome)
        .join(ProfessionalDisagreement, ProfessionalDisagreement.referral_id == Referral.id)
        .join(ThresholdDecision, ThresholdDecision.id == ProfessionalDisagreement.threshold_decision_id)
        .where(ProfessionalDisagreement.status == DisagreementStatus.OPEN)
        .order_by(ProfessionalDisagreement.raised_at)
    )
    listed, seen = [], set()
    for r in db.session.execute(query):
        if r[0] in seen:
            continue
        seen.add(r[0])
        if brief:
            listed.append(gap_row(r, [MANAGER]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        detail = (
            f"Disagreement with the decision {OUTCOME_LABELS.get(r[5], r[5])} raised "
            f"{london_date(r[4]):%-d %b %Y}; not reviewed"
        )
        listed.append(gap_row(r, [MANAGER], detail, working_days(days), days))
    return listed


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(
            scope,
            ThresholdDecision.decided_at,
            ThresholdDecision.outcome,
            ThresholdDecision.recommended_outcome,
        )
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(*_awaiting_a_manager())
    )
    listed = []
    for r in db.session.execute(query):
        if brief:
            listed.append(gap_row(r, [MANAGER]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        detail = f"Decision {r[5]} (recommended {r[6]}) escalated {london_date(r[4]):%-d %b %Y}; not resolved"
        listed.append(gap_row(r, [MANAGER], detail, working_days(days), days))
    escalated = {row.referral_id for row in listed}
    return listed + [row for row in _disagreements(scope, brief) if row.referral_id not in escalated]


FACTS = (
    FactsColumn(
        "unresolved_escalation",
        Boolean,
        lambda: flag(
            correlated_exists(ThresholdDecision.referral_id == Referral.id, *_awaiting_a_manager())
            | correlated_exists(*_open_disagreement())
        ),
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.unresolved_escalation.is_(True), MANAGER)


def awaiting_resolution(decision: ThresholdDecision) -> bool:
    """Flagged on the case audit page, as on the list."""
    return (bool(decision.escalated) and not decision.resolved_at) or any(
        d.status is DisagreementStatus.OPEN for d in decision.disagreements
    )


GAP = Gap(
    number=11,
    slug="unresolved-escalations",
    title="Unresolved threshold disagreements",
    counts="Threshold decisions escalated to a manager, and professional disagreements raised after a decision, "
    "with no resolution recorded. How long: working days since the decision or the disagreement.",
    owners=(MANAGER,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Waiting for",
)
