"""Gap 15: a possible match still open (neither confirmed nor rejected) more than one working day
after it was offered, in the working time of the product's calendar (app/timers/settings.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.audit.gaps.dates import latest_start_past_working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import LONDON
from app.extensions import db
from app.models import Referral
from app.models.persons import Involvement, MatchStatus, PossibleMatch
from app.models.types import UTCDateTime
from app.timers.settings import working_calendar

# The MASH confirms or rejects a possible match at triage, within the local standard of one working day.
WORKING_DAYS = 1


def latest_offered(now: datetime) -> datetime:
    """Offered before this, a match still open at `now` has waited more than one working day."""
    return latest_start_past_working_days(working_calendar(), now, WORKING_DAYS)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    latest = latest_offered(scope.now)
    query = (
        referral_columns(scope, PossibleMatch.created_at, Involvement.full_name)
        .join(PossibleMatch, PossibleMatch.referral_id == Referral.id)
        .join(Involvement, Involvement.id == PossibleMatch.involvement_id)
        .where(PossibleMatch.status == MatchStatus.OPEN, PossibleMatch.created_at < latest)
    )
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for r in db.session.execute(query)]
    calendar = working_calendar()
    listed = []
    for r in db.session.execute(query):
        hours = calendar.hours_between(r[4], scope.now)
        listed.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"{r[5]}: a possible match offered {r[4].astimezone(LONDON):%-d %b %Y %H:%M}, "
                "neither confirmed nor rejected",
                f"{hours:.0f} working hours",
                hours,
            )
        )
    return listed


FACTS = (
    # When the first match still open was offered, not a verdict: the working day depends on the time now.
    FactsColumn(
        "match_open_since",
        UTCDateTime(),
        lambda: (
            select(func.min(PossibleMatch.created_at))
            .where(PossibleMatch.referral_id == Referral.id, PossibleMatch.status == MatchStatus.OPEN)
            .correlate(Referral)
            .scalar_subquery()
        ),
        nullable=True,
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.match_open_since < latest_offered(scope.now), SOCIAL_CARE)


def left_unresolved(match: PossibleMatch, now: datetime) -> bool:
    """Flagged on the case audit page, as on the list."""
    return match.status is MatchStatus.OPEN and match.created_at < latest_offered(now)


GAP = Gap(
    number=15,
    slug="possible-match-unresolved",
    title="Possible matches left unresolved",
    counts="Possible matches between a person just named and one already known, offered more than one working "
    "day ago (in working hours) and neither confirmed nor rejected. How long: working hours since offered.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Waiting for",
)
