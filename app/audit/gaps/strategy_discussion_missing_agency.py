"""Gap 3: a strategy discussion with no attendee from social care, police or health."""

from __future__ import annotations

from sqlalchemy import Integer, case, exists, func, not_, or_, select

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import HEALTH, KIND_OWNER, OWNER_LABELS, POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import chunks, correlated_exists, gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.extensions import db
from app.models import AgencyAbsence, Referral, StrategyAttendee, StrategyDiscussion
from app.models.people import AgencyKind

# The agencies every strategy discussion needs (an absence reason is shown, but does not excuse it).
EXPECTED_AGENCIES = (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    kinds = EXPECTED_AGENCIES
    # Which agencies attended each discussion, worked out once for all discussions.
    attended = (
        select(
            StrategyAttendee.discussion_id,
            *(
                func.max(case((StrategyAttendee.agency_kind == k, 1), else_=0)).label(f"k{i}")
                for i, k in enumerate(kinds)
            ),
        )
        .group_by(StrategyAttendee.discussion_id)
        .subquery()
    )
    flags = [func.coalesce(attended.c[f"k{i}"], 0) for i in range(len(kinds))]
    query = (
        referral_columns(scope, StrategyDiscussion.id, StrategyDiscussion.held_at, *flags)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .outerjoin(attended, attended.c.discussion_id == StrategyDiscussion.id)
        .where(or_(*(flag == 0 for flag in flags)))
    )
    found = db.session.execute(query).all()
    reasons: dict[tuple[int, AgencyKind], str] = {}
    for chunk in [] if brief else chunks([r[4] for r in found]):
        for absence in db.session.scalars(
            select(AgencyAbsence).where(AgencyAbsence.discussion_id.in_(chunk))
        ):
            reasons[(absence.discussion_id, absence.agency_kind)] = absence.reason
    listed = []
    for r in found:
        missing = [k for k, n in zip(kinds, r[6:9], strict=True) if not n]
        if brief:
            listed.append(gap_row(r, [KIND_OWNER[k] for k in missing]))
            continue
        parts = []
        for kind in missing:
            reason = reasons.get((r[4], kind))
            name = OWNER_LABELS[KIND_OWNER[kind]]
            parts.append(
                f"{name} not present" + (f" (reason given: {reason})" if reason else " (no reason recorded)")
            )
        listed.append(
            gap_row(
                r,
                [KIND_OWNER[k] for k in missing],
                "; ".join(parts),
                f"Held {london_date(r[5]):%-d %b %Y}",
                -r[5].timestamp(),
            )
        )
    return listed


def _missing_from_a_discussion(kind: AgencyKind):
    return correlated_exists(
        StrategyDiscussion.referral_id == Referral.id,
        not_(
            exists().where(
                StrategyAttendee.discussion_id == StrategyDiscussion.id,
                StrategyAttendee.agency_kind == kind,
            )
        ),
    )


FACTS = (
    # The agencies missing from any of the case's strategy discussions.
    FactsColumn(
        "missing_agencies",
        Integer,
        lambda: sum(
            owner_if(_missing_from_a_discussion(kind), KIND_OWNER[kind]) for kind in EXPECTED_AGENCIES
        ),
    ),
)


def owner_bits(f, scope: AuditScope):
    return f.missing_agencies


def attended(discussion: StrategyDiscussion, kind: AgencyKind) -> bool:
    """Flagged on the case audit page when not: no attendee from that agency."""
    return any(attendee.agency_kind == kind for attendee in discussion.attendees)


GAP = Gap(
    number=3,
    slug="strategy-discussion-missing-agency",
    title="Strategy discussions without police, health or social care",
    counts="Strategy discussions with no attendee from children's social care, police or health. A reason for the "
    "absence is shown but does not remove the case.",
    owners=(SOCIAL_CARE, POLICE, HEALTH),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="When",
)
