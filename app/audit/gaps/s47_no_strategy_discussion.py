"""Gap 1: an s47 threshold outcome, not awaiting a manager, and no strategy discussion."""

from __future__ import annotations

from sqlalchemy import Boolean, and_, func, not_, or_

from app.audit.gaps.dates import working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import correlated_exists, flag, gap_row, has_strategy_discussion, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import Referral, ThresholdDecision
from app.workflow.contract import S47_OUTCOMES


def _not_awaiting_a_manager():
    # Until a manager resolves a disagreement the case is in gap 11 instead.
    return or_(ThresholdDecision.escalated.is_(False), ThresholdDecision.resolved_at.is_not(None))


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    decided = func.coalesce(ThresholdDecision.resolved_at, ThresholdDecision.decided_at)
    query = (
        referral_columns(scope, decided, Referral.outcome)
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(Referral.outcome.in_(S47_OUTCOMES), _not_awaiting_a_manager(), not_(has_strategy_discussion()))
    )
    found = []
    for r in db.session.execute(query):
        if brief:
            found.append(gap_row(r, [SOCIAL_CARE]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        label = "Immediate protection" if r[5] == "immediate_protection" else "s47 enquiry"
        found.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"{label} decided {london_date(r[4]):%-d %b %Y}; no strategy discussion",
                working_days(days),
                days,
            )
        )
    return found


FACTS = (
    FactsColumn(
        "s47_no_discussion",
        Boolean,
        lambda: flag(
            and_(
                Referral.outcome.in_(S47_OUTCOMES),
                correlated_exists(ThresholdDecision.referral_id == Referral.id, _not_awaiting_a_manager()),
                not_(has_strategy_discussion()),
            )
        ),
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.s47_no_discussion.is_(True), SOCIAL_CARE)


def needs_a_strategy_discussion(referral: Referral) -> bool:
    """Flagged on the case audit page: an s47 outcome and no strategy discussion recorded.

    Unlike the list, a decision awaiting a manager is flagged too: the auditor reads the
    record as it stands.
    """
    return referral.strategy_discussion is None and referral.outcome in S47_OUTCOMES


GAP = Gap(
    number=1,
    slug="s47-no-strategy-discussion",
    title="s47 decisions with no strategy discussion",
    counts="Cases whose threshold outcome is an s47 enquiry or immediate protection (not awaiting a manager's "
    "resolution) and which have no strategy discussion recorded. How long: working days since the decision.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Working days since the decision",
)
