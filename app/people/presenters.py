"""The history panel that decision pages and the referral page show, for each child."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Child, Involvement, PossibleMatch, Referral
from app.models.persons import PersonRole
from app.people.history import EarlierReferral, Indicators, earlier_referrals, indicators
from app.people.services import open_matches


@dataclass
class ChildHistory:
    child: Child
    person_id: int | None
    indicators: Indicators
    earlier: list[EarlierReferral]
    matches: list[PossibleMatch] = field(default_factory=list)
    this_is_missing: bool = False

    @property
    def counts(self) -> list[tuple[str, int | str]]:
        """The indicators in words, the ones that say something first."""
        i = self.indicators
        rows = [
            ("Earlier notifications in 12 months", i.notifications_12m),
            ("Missing episodes in 90 days, this one included", i.missing_90d + self.this_is_missing),
            ("Missing episodes ever, this one included", i.missing_ever + self.this_is_missing),
            ("Domestic abuse incidents in the household in 12 months", i.household_domestic_abuse_12m),
            ("Earlier no-further-action outcomes in 12 months", i.earlier_nfa_12m),
            ("Earlier s47 enquiries", i.earlier_s47),
            ("Open protective plans", i.open_plans),
            ("Custody episodes", i.custody_episodes),
        ]
        return [r for r in rows if r[1]] + [r for r in rows if not r[1]]


@dataclass
class AdultHistory:
    involvement: Involvement
    earlier: list[EarlierReferral]
    matches: list[PossibleMatch]
    about_other_children: int


@dataclass
class ReferralHistory:
    children: list[ChildHistory]
    adults: list[AdultHistory]

    @property
    def open_matches(self) -> int:
        return sum(len(c.matches) for c in self.children) + sum(len(a.matches) for a in self.adults)

    @property
    def any_history(self) -> bool:
        return any(c.earlier for c in self.children) or any(a.earlier for a in self.adults)


def referral_history(referral: Referral) -> ReferralHistory:
    """Worked out now, from the people linked so far: never frozen at intake."""
    from sqlalchemy import select

    from app.extensions import db

    involvements = list(db.session.scalars(select(Involvement).where(Involvement.referral_id == referral.id)))
    history = earlier_referrals(referral, involvements)
    counted = indicators(referral, mine=involvements, history=history)
    matches: dict[int, list[PossibleMatch]] = {}
    for match in open_matches(referral):
        matches.setdefault(match.involvement_id, []).append(match)
    by_child = {inv.child_id: inv for inv in involvements if inv.child_id is not None}
    this_is_missing = (
        referral.notification is not None and referral.notification.incident_type.value == "missing"
    )
    children = []
    for child in referral.children:
        inv = by_child.get(child.id)
        children.append(
            ChildHistory(
                child=child,
                person_id=inv.person_id if inv else None,
                indicators=counted.get(child.id, Indicators()),
                earlier=history.get(inv.person_id, []) if inv else [],
                matches=matches.get(inv.id, []) if inv else [],
                this_is_missing=this_is_missing,
            )
        )
    adult_counts = next(iter(counted.values())).adults if counted else []
    adults = []
    for n, inv in enumerate(i for i in involvements if i.role is not PersonRole.CHILD):
        adults.append(
            AdultHistory(
                involvement=inv,
                earlier=history.get(inv.person_id, []),
                matches=matches.get(inv.id, []),
                about_other_children=adult_counts[n][2] if n < len(adult_counts) else 0,
            )
        )
    return ReferralHistory(children, adults)
