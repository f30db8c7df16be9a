"""Gap 14: a case closed with no further action about a child who had another case closed with no
further action in the 12 months before it.

The cases are linked through the child's person record, across referrals. The later
closure is the one counted: it was decided with the earlier one on the record.
"""

from __future__ import annotations

from sqlalchemy import Boolean, and_, select
from sqlalchemy.orm import aliased

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import SOCIAL_CARE, owner_if
from app.audit.gaps.queries import correlated_exists, flag, gap_row, hours_between, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.extensions import db
from app.models import Referral, ReferralStatus
from app.models.persons import Involvement, PersonRole
from app.people.history import TWELVE_MONTHS

WINDOW_HOURS = TWELVE_MONTHS.total_seconds() / 3600


def _closed_nfa(referral):
    return (
        referral.status == ReferralStatus.CLOSED,
        referral.outcome == "nfa",
        referral.closed_at.is_not(None),
    )


def _earlier_closure(child, theirs, earlier):
    """`earlier`, another case about `child`'s person (through `theirs`), closed with no further
    action in the 12 months up to this case's closure."""
    return (
        child.referral_id == Referral.id,
        child.role == PersonRole.CHILD,
        theirs.person_id == child.person_id,
        theirs.role == PersonRole.CHILD,
        earlier.id == theirs.referral_id,
        earlier.id != Referral.id,
        *_closed_nfa(earlier),
        earlier.closed_at <= Referral.closed_at,
        hours_between(Referral.closed_at, earlier.closed_at) <= WINDOW_HOURS,
    )


def _aliases():
    return aliased(Involvement), aliased(Involvement), aliased(Referral)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    child, theirs, earlier = _aliases()
    query = (
        referral_columns(scope, Referral.closed_at, earlier.reference, earlier.closed_at)
        .join(child, child.referral_id == Referral.id)
        .join(theirs, theirs.person_id == child.person_id)
        .join(earlier, earlier.id == theirs.referral_id)
        .where(*_closed_nfa(Referral), *_earlier_closure(child, theirs, earlier))
        .distinct()
    )
    found: dict[int, tuple] = {}
    earlier_ones: dict[int, list[tuple]] = {}
    for r in db.session.execute(query):
        found.setdefault(r[0], r)
        earlier_ones.setdefault(r[0], []).append((r[6], r[5]))
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for r in found.values()]
    listed = []
    for referral_id, r in found.items():
        before = sorted(set(earlier_ones[referral_id]))
        also = ", ".join(f"{reference} on {london_date(at):%-d %b %Y}" for at, reference in before)
        listed.append(
            gap_row(
                r,
                [SOCIAL_CARE],
                f"Closed with no further action on {london_date(r[4]):%-d %b %Y}; the same child's case "
                f"{also} was closed with no further action in the 12 months before",
                f"Closed {london_date(r[4]):%-d %b %Y}",
                -r[2].timestamp(),
            )
        )
    return listed


def _repeat():
    child, theirs, earlier = _aliases()
    return and_(*_closed_nfa(Referral), correlated_exists(*_earlier_closure(child, theirs, earlier)))


FACTS = (FactsColumn("repeat_nfa", Boolean, lambda: flag(_repeat())),)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.repeat_nfa.is_(True), SOCIAL_CARE)


def repeat_no_further_action(referral: Referral) -> bool:
    """Flagged on the case audit page: closed with no further action, as a case about the same child
    was in the 12 months before. The other case is another referral's record: this asks the database."""
    return bool(db.session.scalar(select(flag(_repeat())).where(Referral.id == referral.id)))


GAP = Gap(
    number=14,
    slug="repeat-no-further-action",
    title="Children closed with no further action twice in 12 months",
    counts="Cases closed with no further action about a child who had another case closed with no further "
    "action in the 12 months before (linked through the child's person record, across referrals).",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Closed",
)
