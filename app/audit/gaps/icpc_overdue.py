"""Gap 10: s47 enquiries started, and no initial child protection conference within 15 working days."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.audit.gaps.dates import latest_date_past_target, working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date, start_of_london_day
from app.domain.working_days import ICPC_WORKING_DAYS, add_working_days, working_days_between
from app.extensions import db
from app.models import Referral, StrategyDiscussion
from app.models.types import UTCDateTime
from app.workflow.contract import S47_DECISIONS


def _awaiting_a_conference():
    """The discussion started s47 enquiries, and neither a conference nor 'not required' is recorded."""
    return (
        StrategyDiscussion.decision.in_(S47_DECISIONS),
        StrategyDiscussion.icpc_required.is_not(False),
        StrategyDiscussion.icpc_held_on.is_(None),
        StrategyDiscussion.icpc_not_required_reason.is_(None),
    )


def _held_too_long_ago(held_at, scope: AuditScope):
    cutoff = latest_date_past_target(scope.today, ICPC_WORKING_DAYS)
    return held_at < start_of_london_day(cutoff + timedelta(days=1))


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(scope, StrategyDiscussion.held_at)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(*_awaiting_a_conference(), _held_too_long_ago(StrategyDiscussion.held_at, scope))
    )
    listed = []
    for r in db.session.execute(query):
        if brief:
            listed.append(gap_row(r, [SOCIAL_CARE]))
            continue
        held = london_date(r[4])
        target = add_working_days(held, ICPC_WORKING_DAYS)
        days = working_days_between(target, scope.today)
        detail = f"Strategy discussion {held:%-d %b %Y}; conference due by {target:%-d %b %Y}; none recorded"
        listed.append(gap_row(r, [SOCIAL_CARE], detail, working_days(days) + " past the target", days))
    return listed


FACTS = (
    # The earliest such discussion: whether it is past the target depends on the day.
    FactsColumn(
        "icpc_awaited_since",
        UTCDateTime(),
        lambda: (
            select(func.min(StrategyDiscussion.held_at))
            .where(StrategyDiscussion.referral_id == Referral.id, *_awaiting_a_conference())
            .correlate(Referral)
            .scalar_subquery()
        ),
        nullable=True,
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(_held_too_long_ago(f.icpc_awaited_since, scope), SOCIAL_CARE)


def conference_overdue(discussion: StrategyDiscussion, today: date) -> bool:
    """Flagged on the case audit page: past the conference's target date and none recorded."""
    return today > discussion.icpc_target_date


GAP = Gap(
    number=10,
    slug="icpc-overdue",
    title="Initial child protection conferences overdue",
    counts=f"Strategy discussions that started s47 enquiries, more than {ICPC_WORKING_DAYS} working days ago, with no "
    "conference date and no 'not required' recorded.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Past the target by",
)
