"""How people are related, and who lives together, as the records show it and as workers
correct it; and the flags social care records on a person.

Relationships follow from the referrals that name two people together:
- a parent or carer named with a child is that child's parent or carer;
- the victim and the alleged perpetrator of a domestic abuse incident are partners;
- children named together at one address are siblings;
- people named together at one address live together.
A worker can add one the records do not show, or say one they show is wrong or has
ended, with a reason (a `PersonRelationship` row). The correction wins over the records.
The household is the person and everyone they live with whose latest address is the
person's latest address, with anyone a worker has said lives with them.

Services flush; the request commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from app.domain.clock import london_today, utcnow
from app.domain.matching import address_key
from app.extensions import db
from app.models import IncidentType, Notification, User, record_audit_event
from app.models.persons import (
    Involvement,
    Person,
    PersonFlag,
    PersonFlagChange,
    PersonRelationship,
    PersonRole,
    RelationshipKind,
)
from app.models.referrals import referral_agencies
from app.people.services import PersonInvalid

# How many referrals naming a person are read to work out their relationships.
MAX_REFERRALS = 200
REASON_LENGTH = 2000

Key = tuple[int, int, RelationshipKind]


def key_for(person_id: int, other_id: int, kind: RelationshipKind) -> Key:
    """One key per relationship: a symmetric kind has the lower id first."""
    if kind.symmetric and other_id < person_id:
        person_id, other_id = other_id, person_id
    return (person_id, other_id, kind)


@dataclass
class Relationship:
    """One relationship of the person whose page it is, to `other`."""

    other: Person
    kind: RelationshipKind
    label: str  # as the page reads: "Parent or carer of", "Child of"
    references: list[tuple[int, str]] = field(default_factory=list)  # referrals that show it
    correction: PersonRelationship | None = None  # a worker's addition

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.other.id}"


@dataclass
class Relationships:
    shown: list[Relationship]
    ended: list[PersonRelationship]  # what workers have said is wrong or over
    household_address: str | None
    household: list[Person]


def _derive(involvements: list[Involvement], incident: IncidentType | None) -> set[Key]:
    """The relationships one referral shows between the people it names."""
    keys: set[Key] = set()
    children = [i for i in involvements if i.role is PersonRole.CHILD]
    for inv in involvements:
        if inv.role is PersonRole.PARENT_CARER:
            keys |= {key_for(inv.person_id, c.person_id, RelationshipKind.PARENT_OF) for c in children}
    if incident is IncidentType.DOMESTIC_ABUSE:
        victims = [i for i in involvements if i.role is PersonRole.VICTIM]
        suspects = [i for i in involvements if i.role is PersonRole.SUSPECT]
        keys |= {
            key_for(v.person_id, s.person_id, RelationshipKind.PARTNER_OF)
            for v in victims
            for s in suspects
            if v.person_id != s.person_id
        }
    by_address: dict[str, list[Involvement]] = defaultdict(list)
    for inv in involvements:
        if inv.address and inv.role is not PersonRole.REFERRER:
            by_address[address_key(inv.address)].append(inv)
    for together in by_address.values():
        for n, a in enumerate(together):
            for b in together[n + 1 :]:
                if a.person_id == b.person_id:
                    continue
                keys.add(key_for(a.person_id, b.person_id, RelationshipKind.LIVES_WITH))
                if a.role is PersonRole.CHILD and b.role is PersonRole.CHILD:
                    keys.add(key_for(a.person_id, b.person_id, RelationshipKind.SIBLING_OF))
    return keys


def _survivor(person_id: int, merged_into: dict[int, int | None]) -> int:
    seen = set()
    while merged_into.get(person_id) and person_id not in seen:
        seen.add(person_id)
        person_id = merged_into[person_id]
    return person_id


def relationships_of(person: Person, user: User) -> Relationships:
    """Everyone related to `person` on the referrals `user` may see, with the corrections."""
    visible_referrals = (
        select(Involvement.referral_id)
        .where(
            Involvement.person_id == person.id,
            Involvement.referral_id.in_(
                select(referral_agencies.c.referral_id).where(referral_agencies.c.agency_id == user.agency_id)
            ),
        )
        .distinct()
        .limit(MAX_REFERRALS)
    )
    rows = db.session.execute(
        select(Involvement, Notification.incident_type, Notification.referral_id)
        .join(Notification, Notification.referral_id == Involvement.referral_id)
        .where(Involvement.referral_id.in_(visible_referrals))
    ).all()
    on_referral: dict[int, list[Involvement]] = defaultdict(list)
    incidents: dict[int, IncidentType] = {}
    for inv, incident, rid in rows:
        on_referral[rid].append(inv)
        incidents[rid] = incident
    from app.models import Referral

    references = dict(
        db.session.execute(select(Referral.id, Referral.reference).where(Referral.id.in_(on_referral))).all()
    )
    derived: dict[Key, list[tuple[int, str]]] = defaultdict(list)
    for rid, involvements in sorted(on_referral.items()):
        for key in _derive(involvements, incidents.get(rid)):
            if person.id in key[:2]:
                derived[key].append((rid, references[rid]))

    corrections = list(
        db.session.scalars(
            select(PersonRelationship)
            .where(PersonRelationship.corrected.is_(True))
            .where((PersonRelationship.person_id == person.id) | (PersonRelationship.other_id == person.id))
        )
    )
    # Corrections recorded against a record since merged into this one follow it too.
    merged_ids = list(db.session.scalars(select(Person.id).where(Person.merged_into_id == person.id)))
    if merged_ids:
        corrections += db.session.scalars(
            select(PersonRelationship).where(
                PersonRelationship.corrected.is_(True),
                PersonRelationship.person_id.in_(merged_ids) | PersonRelationship.other_id.in_(merged_ids),
            )
        )
    ids = {i for k in derived for i in k[:2]} | {i for c in corrections for i in (c.person_id, c.other_id)}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    merged_into = {pid: p.merged_into_id for pid, p in people.items()}
    visible_people = set(db.session.scalars(Person.visible_ids(user).where(Involvement.person_id.in_(ids))))

    added: dict[Key, PersonRelationship] = {}
    ended: dict[Key, PersonRelationship] = {}
    for c in sorted(corrections, key=lambda c: (c.recorded_at or utcnow(), c.id)):
        key = key_for(_survivor(c.person_id, merged_into), _survivor(c.other_id, merged_into), c.kind)
        if person.id not in key[:2] or key[0] == key[1]:
            continue
        other = key[1] if key[0] == person.id else key[0]
        if other not in visible_people:
            continue
        (ended if c.ended else added)[key] = c
        (added if c.ended else ended).pop(key, None)

    shown = []
    for key in set(derived) | set(added):
        if key in ended:
            continue
        first, second, kind = key
        other_id = second if first == person.id else first
        if other_id not in people:
            continue
        label = kind.label if first == person.id else kind.reverse_label
        shown.append(Relationship(people[other_id], kind, label, derived.get(key, []), added.get(key)))
    shown.sort(key=lambda r: (list(RelationshipKind).index(r.kind), r.other.full_name, r.other.id))

    latest = person.addresses[-1].address if person.addresses else None
    household = []
    for r in shown:
        if r.kind is not RelationshipKind.LIVES_WITH:
            continue
        theirs = r.other.addresses[-1].address if r.other.addresses else None
        if r.correction is not None or (latest and theirs and address_key(theirs) == address_key(latest)):
            household.append(r.other)
    return Relationships(shown, list(ended.values()), latest, household)


def _reason(reason: str | None, errors: dict[str, str]) -> str:
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter why you are making this change"
    elif len(reason) > REASON_LENGTH:
        errors["reason"] = f"The reason must be {REASON_LENGTH} characters or fewer"
    return reason


def correct_relationship(
    actor: User, person: Person, other: Person, kind: RelationshipKind, *, ended: bool, reason: str | None
) -> PersonRelationship:
    """Add a relationship the records do not show, or say one is wrong or has ended."""
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    if other.id == person.id:
        errors["other"] = "A person cannot be related to themselves"
    elif other.local_authority_area != person.local_authority_area or not other.can_view(actor):
        errors["other"] = "Choose someone named on a referral you can see, in the same area"
    elif other.merged_into_id is not None:
        errors["other"] = "That record has been joined to another. Choose the person again"
    if errors:
        raise PersonInvalid(errors)
    first, second, kind = key_for(person.id, other.id, kind)
    row = db.session.scalar(
        select(PersonRelationship).where(
            PersonRelationship.person_id == first,
            PersonRelationship.other_id == second,
            PersonRelationship.kind == kind,
        )
    )
    if row is None:
        row = PersonRelationship(person_id=first, other_id=second, kind=kind)
        db.session.add(row)
    row.corrected, row.ended, row.reason = True, ended, reason
    row.recorded_by_id, row.recorded_at = actor.id, utcnow()
    db.session.flush()
    record_audit_event(
        actor,
        "relationship_ended" if ended else "relationship_added",
        f"person:{person.id}",
        other=other.id,
        kind=kind.value,
        why=reason,
    )
    return row


def set_flags(
    actor: User, person: Person, wanted: set[PersonFlag], reason: str | None
) -> list[PersonFlagChange]:
    """Set and clear social care's flags on a person, each change with who, when and why."""
    errors: dict[str, str] = {}
    reason = _reason(reason, errors)
    age = person.age_on(london_today())
    for flag in sorted(wanted):
        if flag.adults_only and age is not None and age < 18:
            errors["flags"] = f"{flag.label} is recorded for adults only, and {person.full_name} is under 18"
        if flag.children_only and age is not None and age >= 18:
            errors["flags"] = (
                f"{flag.label} is recorded for children only, and {person.full_name} is 18 or over"
            )
    changes = [flag for flag in PersonFlag if (flag in wanted) != getattr(person, flag.value)]
    if not changes and not errors:
        errors["flags"] = "The flags are already as you chose: change at least one"
    if errors:
        raise PersonInvalid(errors)
    made = []
    for flag in changes:
        setattr(person, flag.value, flag in wanted)
        made.append(
            PersonFlagChange(
                person_id=person.id, flag=flag, now_set=flag in wanted, reason=reason, changed_by_id=actor.id
            )
        )
    db.session.add_all(made)
    db.session.flush()
    record_audit_event(
        actor,
        "person_flags_changed",
        f"person:{person.id}",
        set=[f.value for f in changes if f in wanted],
        cleared=[f.value for f in changes if f not in wanted],
        why=reason,
    )
    return made


def flag_history(person: Person) -> list[PersonFlagChange]:
    return list(
        db.session.scalars(
            select(PersonFlagChange)
            .where(PersonFlagChange.person_id == person.id)
            .order_by(PersonFlagChange.changed_at, PersonFlagChange.id)
        )
    )
