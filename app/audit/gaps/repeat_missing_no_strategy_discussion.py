"""Gap 12: a child's third (or later) missing episode in 90 days, and no strategy discussion or plan.

The episodes are counted across referrals, through the child's person record: every
missing episode of every child record linked to the same person.
"""

from __future__ import annotations

from sqlalchemy import Boolean, and_, func, not_, select
from sqlalchemy.orm import aliased

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import (
    correlated_exists,
    flag,
    gap_row,
    has_plan_in_force,
    has_strategy_discussion,
    hours_between,
    referral_columns,
)
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.extensions import db
from app.models import Referral
from app.models.missing import EpisodeKind, MissingEpisode
from app.models.persons import Involvement
from app.people.history import NINETY_DAYS

# The pattern that calls for a strategy discussion (threshold.dmn's missing episodes row).
EPISODES = 3
WINDOW_HOURS = NINETY_DAYS.total_seconds() / 3600


def _episodes_in_window(episode, child):
    """How many missing episodes the episode's child had in the 90 days up to it, it included."""
    earlier, theirs = aliased(MissingEpisode), aliased(Involvement)
    return (
        select(func.count(earlier.id))
        .join(theirs, theirs.child_id == earlier.child_id)
        .where(
            theirs.person_id == child.person_id,
            earlier.kind == EpisodeKind.MISSING,
            earlier.reported_at <= episode.reported_at,
            hours_between(episode.reported_at, earlier.reported_at) <= WINDOW_HOURS,
        )
        .scalar_subquery()
    )


def _pattern(episode, child):
    """The rule's pattern, on one episode of the referral and its child's involvement."""
    return (
        episode.referral_id == Referral.id,
        child.child_id == episode.child_id,
        episode.kind == EpisodeKind.MISSING,
        _episodes_in_window(episode, child) >= EPISODES,
    )


def _no_discussion_or_plan():
    return not_(has_strategy_discussion()), not_(has_plan_in_force())


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    episode, child = aliased(MissingEpisode), aliased(Involvement)
    count = _episodes_in_window(episode, child)
    query = (
        referral_columns(scope, episode.reported_at, count)
        .join(episode, episode.referral_id == Referral.id)
        .join(child, child.child_id == episode.child_id)
        .where(*_pattern(episode, child), *_no_discussion_or_plan())
    )
    found: dict[int, tuple] = {}
    for r in db.session.execute(query):
        if r[0] not in found or r[5] > found[r[0]][5]:
            found[r[0]] = r  # one row a case: its child with the most episodes
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for r in found.values()]
    return [
        gap_row(
            r,
            [SOCIAL_CARE],
            f"{r[5]} missing episodes in the 90 days to {london_date(r[4]):%-d %b %Y}; "
            "no strategy discussion and no plan in force",
            f"{r[5]} episodes",
            r[5],
        )
        for r in found.values()
    ]


def _in_pattern():
    episode, child = aliased(MissingEpisode), aliased(Involvement)
    return correlated_exists(*_pattern(episode, child))


FACTS = (FactsColumn("missing_pattern", Boolean, lambda: flag(_in_pattern())),)


def owner_bits(f, scope: AuditScope):
    return owner_if(
        and_(f.missing_pattern.is_(True), f.has_discussion.is_(False), f.has_plan_in_force.is_(False)),
        SOCIAL_CARE,
    )


def missing_pattern(referral: Referral) -> bool:
    """Flagged on the case audit page: a child's third missing episode in 90 days (or more) is on
    this case. The episodes are other cases' records too, so this asks the database."""
    return bool(db.session.scalar(select(_in_pattern()).where(Referral.id == referral.id)))


GAP = Gap(
    number=12,
    slug="repeat-missing-no-strategy-discussion",
    title="Repeat missing episodes with no strategy discussion",
    counts=f"Cases about a missing episode of a child who has had {EPISODES} or more in the 90 days up to it, "
    "counted across referrals through the child's person record, with no strategy discussion and no joint "
    "plan in force.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Missing episodes in 90 days",
)
