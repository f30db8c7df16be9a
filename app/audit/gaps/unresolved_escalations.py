"""Gap 11: a threshold decision escalated to a manager, and no resolution recorded."""

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
from app.models import Referral, ThresholdDecision


def _awaiting_a_manager():
    return ThresholdDecision.escalated.is_(True), ThresholdDecision.resolved_at.is_(None)


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
    return listed


FACTS = (
    FactsColumn(
        "unresolved_escalation",
        Boolean,
        lambda: flag(correlated_exists(ThresholdDecision.referral_id == Referral.id, *_awaiting_a_manager())),
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.unresolved_escalation.is_(True), MANAGER)


def awaiting_resolution(decision: ThresholdDecision) -> bool:
    """Flagged on the case audit page, as on the list."""
    return bool(decision.escalated) and not decision.resolved_at


GAP = Gap(
    number=11,
    slug="unresolved-escalations",
    title="Unresolved threshold disagreements",
    counts="Threshold decisions escalated to a manager with no resolution recorded. How long: working days since "
    "the decision.",
    owners=(MANAGER,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Waiting for",
)
