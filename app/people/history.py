"""A child's history across referrals, and the cumulative indicators decisions use.

Everything here is worked out when it is asked for (when triage or the
threshold decision opens), never frozen at intake: confirming a possible match
at triage changes what the threshold decision sees.

Each function runs a fixed number of set-based queries, whatever the number
of earlier referrals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.domain.clock import utcnow
from app.extensions import db
from app.models import Notification, ProtectivePlan, Referral
from app.models.persons import ADULT_ROLES, Involvement, Person, PersonRole
from app.models.referrals import IncidentType, PlanStatus

# The windows the indicators count over (seed report; MARAC's 3-in-12-months).
TWELVE_MONTHS = timedelta(days=365)
NINETY_DAYS = timedelta(days=90)


@dataclass(frozen=True)
class EarlierReferral:
    """Another referral that named the same person."""

    referral_id: int
    reference: str
    received_at: datetime
    incident_type: IncidentType
    outcome: str | None
    status: str
    role: PersonRole
    person_id: int
    open_plan: bool


@dataclass
class Indicators:
    """What the history says about one child (or, for the DMN, the referral as a whole)."""

    notifications_12m: int = 0
    by_incident_12m: dict[str, int] = field(default_factory=dict)
    missing_90d: int = 0
    missing_ever: int = 0
    household_domestic_abuse_12m: int = 0
    earlier_nfa_12m: int = 0
    earlier_s47: int = 0
    open_plans: int = 0
    custody_episodes: int = 0
    flags: list[str] = field(default_factory=list)
    # For each adult on this referral: (name, role label, earlier referrals about other children).
    adults: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def has_history(self) -> bool:
        return bool(self.notifications_12m or self.missing_ever or self.earlier_s47 or self.flags)


def _involvements(referral: Referral) -> list[Involvement]:
    return list(db.session.scalars(select(Involvement).where(Involvement.referral_id == referral.id)))


def earlier_referrals(
    referral: Referral, mine: list[Involvement] | None = None
) -> dict[int, list[EarlierReferral]]:
    """For each person this referral names (by person id), the other referrals naming them,
    oldest first. Only referrals received before this one count as earlier."""
    mine = _involvements(referral) if mine is None else mine
    person_ids = {inv.person_id for inv in mine}
    if not person_ids:
        return {}
    other = aliased(Involvement)
    open_plan = (
        select(ProtectivePlan.id)
        .where(ProtectivePlan.referral_id == Referral.id, ProtectivePlan.status != PlanStatus.CLOSED)
        .exists()
    )
    rows = db.session.execute(
        select(
            other.person_id,
            other.role,
            Referral.id,
            Referral.reference,
            Referral.received_at,
            Referral.outcome,
            Referral.status,
            Notification.incident_type,
            open_plan,
        )
        .join(Referral, Referral.id == other.referral_id)
        .join(Notification, Notification.referral_id == Referral.id)
        .where(
            other.person_id.in_(person_ids),
            other.referral_id != referral.id,
            Referral.received_at < referral.received_at,
        )
        .order_by(Referral.received_at, Referral.id)
    ).all()
    history: dict[int, list[EarlierReferral]] = {pid: [] for pid in person_ids}
    for person_id, role, rid, ref, received, outcome, status, incident, has_plan in rows:
        history[person_id].append(
            EarlierReferral(
                rid, ref, received, incident, outcome, str(status), role, person_id, bool(has_plan)
            )
        )
    return history


def _children_on(referral_ids: set[int]) -> dict[int, set[int]]:
    """The child persons named on each of these referrals."""
    if not referral_ids:
        return {}
    rows = db.session.execute(
        select(Involvement.referral_id, Involvement.person_id).where(
            Involvement.referral_id.in_(referral_ids), Involvement.role == PersonRole.CHILD
        )
    ).all()
    children: dict[int, set[int]] = {}
    for rid, pid in rows:
        children.setdefault(rid, set()).add(pid)
    return children


def _count(rows: list[EarlierReferral], now: datetime) -> Indicators:
    unique = {r.referral_id: r for r in rows}.values()
    recent = [r for r in unique if r.received_at >= now - TWELVE_MONTHS]
    return Indicators(
        notifications_12m=len(recent),
        by_incident_12m=dict(Counter(r.incident_type.value for r in recent)),
        missing_90d=sum(
            r.incident_type is IncidentType.MISSING and r.received_at >= now - NINETY_DAYS for r in unique
        ),
        missing_ever=sum(r.incident_type is IncidentType.MISSING for r in unique),
        earlier_nfa_12m=sum(r.outcome == "nfa" for r in recent),
        earlier_s47=sum(r.outcome in ("s47", "immediate_protection") for r in unique),
        open_plans=sum(r.open_plan for r in unique),
        custody_episodes=sum(r.incident_type is IncidentType.CHILD_IN_CUSTODY for r in unique),
    )


def indicators(
    referral: Referral,
    now: datetime | None = None,
    mine: list[Involvement] | None = None,
    history: dict[int, list[EarlierReferral]] | None = None,
) -> dict[int, Indicators]:
    """Cumulative indicators for each child on the referral, keyed by the child's record id.
    A caller that has already read the involvements and earlier referrals passes them in."""
    now = now or utcnow()
    mine = _involvements(referral) if mine is None else mine
    history = earlier_referrals(referral, mine) if history is None else history
    persons = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(history)))}
    everyone = [r for rows in history.values() for r in rows]
    household_da = len(
        {
            r.referral_id
            for r in everyone
            if r.incident_type is IncidentType.DOMESTIC_ABUSE and r.received_at >= now - TWELVE_MONTHS
        }
    )
    my_children = {inv.person_id for inv in mine if inv.role is PersonRole.CHILD}
    adults = [inv for inv in mine if inv.role in ADULT_ROLES]
    children_elsewhere = _children_on(
        {r.referral_id for inv in adults for r in history.get(inv.person_id, [])}
    )
    adult_lines = []
    for inv in adults:
        about_others = {
            r.referral_id
            for r in history.get(inv.person_id, [])
            if children_elsewhere.get(r.referral_id, set()) - my_children
        }
        adult_lines.append((inv.full_name, inv.role.label, len(about_others)))
    result: dict[int, Indicators] = {}
    for inv in mine:
        if inv.role is not PersonRole.CHILD or inv.child_id is None:
            continue
        counted = _count(history.get(inv.person_id, []), now)
        counted.household_domestic_abuse_12m = household_da
        counted.flags = persons[inv.person_id].flags if inv.person_id in persons else []
        counted.adults = adult_lines
        result[inv.child_id] = counted
    return result


def decision_inputs(referral: Referral, now: datetime | None = None) -> dict:
    """The history as the threshold DMN reads it: the most any child on the referral has."""
    per_child = indicators(referral, now).values()
    infant_injured = any(
        c.injuries and c.age_on(referral.received_at.date()) < 1 for c in referral.children if c.date_of_birth
    )
    this_is_domestic_abuse = (
        referral.notification is not None
        and referral.notification.incident_type is IncidentType.DOMESTIC_ABUSE
    )
    this_is_missing = (
        referral.notification is not None and referral.notification.incident_type is IncidentType.MISSING
    )
    return {
        "prior_notifications_12m": max((i.notifications_12m for i in per_child), default=0),
        "missing_episodes_90d": max((i.missing_90d for i in per_child), default=0) + this_is_missing,
        "missing_episodes_ever": max((i.missing_ever for i in per_child), default=0) + this_is_missing,
        "household_domestic_abuse_12m": max((i.household_domestic_abuse_12m for i in per_child), default=0)
        + this_is_domestic_abuse,
        "earlier_nfa_12m": max((i.earlier_nfa_12m for i in per_child), default=0),
        "earlier_s47": max((i.earlier_s47 for i in per_child), default=0),
        "suspect_linked_to_other_children": max(
            (n for i in per_child for _, role, n in i.adults if role == PersonRole.SUSPECT.label), default=0
        ),
        "infant_injured": infant_injured,
    }


# --- A person's chronology -------------------------------------------------------


@dataclass(frozen=True)
class ChronologyEntry:
    at: datetime
    referral_id: int
    reference: str
    what: str
    detail: str = ""


@dataclass
class PersonRecord:
    """What the person page shows: the chronology, the child's words, open work and links."""

    chronology: list[ChronologyEntry]
    voices: list[tuple[datetime, str, str]]  # (when, reference, the child's own words)
    open_work: list[tuple[int, str, str, str]]  # (referral id, reference, task title, lane)
    linked: list[tuple[Person, str, int]]  # (person, how they appear, referrals naming them)
    hidden_referrals: int  # referrals naming the person that this user may not see


def person_record(person: Person, user) -> PersonRecord:
    """Everything recorded about a person across the referrals `user` may see, oldest first."""
    from sqlalchemy import func
    from sqlalchemy.orm import selectinload

    from app.models.referrals import referral_agencies
    from app.workflow.contract import OUTCOME_LABELS

    involvements = list(db.session.scalars(select(Involvement).where(Involvement.person_id == person.id)))
    referral_ids = {inv.referral_id for inv in involvements}
    visible_ids = set(
        db.session.scalars(
            select(referral_agencies.c.referral_id).where(
                referral_agencies.c.referral_id.in_(referral_ids),
                referral_agencies.c.agency_id == user.agency_id,
            )
        )
    )
    referrals = db.session.scalars(
        select(Referral)
        .where(Referral.id.in_(visible_ids))
        .options(
            selectinload(Referral.threshold_decisions),
            selectinload(Referral.strategy_discussions),
            selectinload(Referral.plans),
            selectinload(Referral.ready_tasks),
        )
    ).all()
    by_id = {r.id: r for r in referrals}
    entries: list[ChronologyEntry] = []
    voices = []
    for inv in involvements:
        referral = by_id.get(inv.referral_id)
        if referral is None:
            continue
        n = referral.notification
        entries.append(
            ChronologyEntry(
                n.occurred_at,
                referral.id,
                referral.reference,
                f"{n.incident_type.label} ({inv.role.label.lower()})",
                n.description,
            )
        )
        if n.pp_started_at:
            entries.append(
                ChronologyEntry(n.pp_started_at, referral.id, referral.reference, "Police protection began")
            )
        if n.pp_rescinded_at:
            entries.append(
                ChronologyEntry(n.pp_rescinded_at, referral.id, referral.reference, "Police protection ended")
            )
        if n.custody_arrived_at:
            entries.append(
                ChronologyEntry(n.custody_arrived_at, referral.id, referral.reference, "Arrived in custody")
            )
        child = next((c for c in referral.children if c.id == inv.child_id), None)
        if child is not None and child.voice:
            voices.append((n.occurred_at, referral.reference, child.voice))
    for referral in referrals:
        for decision in referral.threshold_decisions:
            entries.append(
                ChronologyEntry(
                    decision.decided_at,
                    referral.id,
                    referral.reference,
                    "Threshold decision: " + OUTCOME_LABELS.get(decision.outcome, decision.outcome),
                    decision.rationale,
                )
            )
        for discussion in referral.strategy_discussions:
            entries.append(
                ChronologyEntry(
                    discussion.held_at, referral.id, referral.reference, "Strategy discussion held"
                )
            )
        for plan in referral.plans:
            entries.append(
                ChronologyEntry(plan.agreed_at, referral.id, referral.reference, "Protective plan agreed")
            )
            if plan.closed_at:
                entries.append(
                    ChronologyEntry(plan.closed_at, referral.id, referral.reference, "Protective plan closed")
                )
    entries.sort(key=lambda e: (e.at, e.referral_id))
    open_work = [
        (r.id, r.reference, t.title, t.lane)
        for r in referrals
        for t in r.ready_tasks
        if r.status.value == "open"
    ]
    others = db.session.execute(
        select(Involvement.person_id, Involvement.role, func.count(func.distinct(Involvement.referral_id)))
        .where(Involvement.referral_id.in_(visible_ids), Involvement.person_id != person.id)
        .group_by(Involvement.person_id, Involvement.role)
    ).all()
    linked_people = {
        p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_({o[0] for o in others})))
    }
    totals = dict(
        db.session.execute(
            select(Involvement.person_id, func.count(func.distinct(Involvement.referral_id)))
            .where(Involvement.person_id.in_(linked_people))
            .group_by(Involvement.person_id)
        ).all()
    )
    linked = sorted(
        (
            (linked_people[pid], role.label, totals.get(pid, 0))
            for pid, role, _ in others
            if pid in linked_people
        ),
        key=lambda row: (row[0].full_name, row[0].id),
    )
    return PersonRecord(entries, sorted(voices), open_work, linked, len(referral_ids - visible_ids))
