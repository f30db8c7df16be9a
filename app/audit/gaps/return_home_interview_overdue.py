"""Gap 13: a child found after a missing or absent episode, and no return home interview
recorded 72 hours later (only offered, or nothing at all)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import LONDON
from app.extensions import db
from app.models import Child, Referral
from app.models.missing import INTERVIEW_OUTSTANDING, RETURN_HOME_INTERVIEW_HOURS, MissingEpisode
from app.models.types import UTCDateTime


def _latest_found(now: datetime) -> datetime:
    """Found before this, the interview is overdue at `now` (72 hours after the child was found)."""
    return now - timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)


def _awaited():
    return MissingEpisode.found_at.is_not(None), MissingEpisode.interview_status.in_(INTERVIEW_OUTSTANDING)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(scope, MissingEpisode.found_at, MissingEpisode.interview_status, Child.full_name)
        .join(MissingEpisode, MissingEpisode.referral_id == Referral.id)
        .join(Child, Child.id == MissingEpisode.child_id)
        .where(*_awaited(), MissingEpisode.found_at < _latest_found(scope.now))
    )
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for r in db.session.execute(query)]
    listed = []
    for r in db.session.execute(query):
        hours = (scope.now - r[4]).total_seconds() / 3600
        listed.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"{r[6]}: found {r[4].astimezone(LONDON):%-d %b %Y %H:%M}; return home interview "
                + r[5].label.lower(),
                f"{hours:.0f} hours since found",
                hours,
            )
        )
    return listed


FACTS = (
    # When the first child still waiting was found, not a verdict: 72 hours depend on the time now.
    FactsColumn(
        "interview_awaited_since",
        UTCDateTime(),
        lambda: (
            select(func.min(MissingEpisode.found_at))
            .where(MissingEpisode.referral_id == Referral.id, *_awaited())
            .correlate(Referral)
            .scalar_subquery()
        ),
        nullable=True,
    ),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.interview_awaited_since < _latest_found(scope.now), SOCIAL_CARE)


def interview_overdue(episode: MissingEpisode, now: datetime) -> bool:
    """Flagged on the case audit page, as on the list."""
    return (
        episode.interview_outstanding
        and episode.interview_due_at is not None
        and episode.interview_due_at < now
    )


GAP = Gap(
    number=13,
    slug="return-home-interview-overdue",
    title="Return home interviews not recorded after 72 hours",
    counts=f"Missing or absent episodes where the child was found more than {RETURN_HOME_INTERVIEW_HOURS} hours "
    "ago and no return home interview is recorded as held or declined (one only offered is still awaited).",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Since the child was found",
)
