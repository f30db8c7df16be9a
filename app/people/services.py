"""People across referrals: recording who a referral names, matching them to people
already known, confirming or rejecting possible matches, and merging and unmerging.

Services flush; the request (or command) commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from app.domain.clock import utcnow
from app.domain.matching import Identity, Score, date_of_birth_variants, fold, phonetic, postcodes_in, score
from app.extensions import db
from app.models import Child, Referral, User, record_audit_event
from app.models.persons import (
    Involvement,
    MatchStatus,
    NameKind,
    Person,
    PersonAddress,
    PersonMerge,
    PersonName,
    PersonRole,
    PossibleMatch,
)

# How many candidates one new person is scored against, and how many possible
# matches are offered for them. Both bound the work of an intake.
MAX_CANDIDATES = 40  # scored in full, of the people sharing the most look-up keys
MAX_OFFERED = 3


class PersonInvalid(ValueError):
    """A change to people that breaks a rule; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Named:
    """One person as a referral names them."""

    role: PersonRole
    full_name: str
    date_of_birth: object = None
    sex: str | None = None
    nhs_number: str | None = None
    address: str | None = None
    school: str | None = None
    aliases: tuple[str, ...] = ()
    child: Child | None = None


def surname_sound(full_name: str) -> str:
    words = fold(full_name).replace("-", " ").split()
    return phonetic(words[-1])[:16] if len(words) > 1 else ""


def given_sound(full_name: str) -> str:
    words = fold(full_name).replace("-", " ").split()
    return phonetic(words[0])[:16] if words else ""


def identity_of(person: Person) -> Identity:
    return _identity(
        person.full_name,
        [n.full_name for n in person.names],
        person.date_of_birth,
        person.sex,
        [a.address for a in person.addresses],
        person.school,
    )


def _identity(full_name, names, date_of_birth, sex, addresses, school) -> Identity:
    """What the matcher compares of a person: every name recorded (the record's own if none)."""
    return Identity.of(names or [full_name], date_of_birth, sex, addresses, school)


def _add_name(person: Person, full_name: str, kind: NameKind) -> PersonName | None:
    if not full_name or any(fold(n.full_name) == fold(full_name) for n in person.names):
        return None
    name = PersonName(
        kind=kind,
        full_name=full_name.strip(),
        surname_sound=surname_sound(full_name),
        given_sound=given_sound(full_name),
        birth_year=person.date_of_birth.year if person.date_of_birth else None,
        date_of_birth=person.date_of_birth,
        local_authority_area=person.local_authority_area,
    )
    person.names.append(name)
    return name


def _add_address(person: Person, address: str | None) -> PersonAddress | None:
    if not address or any(fold(a.address) == fold(address) for a in person.addresses):
        return None
    postcode = next(iter(sorted(postcodes_in(address))), None)
    row = PersonAddress(address=address.strip(), postcode=postcode)
    person.addresses.append(row)
    return row


def candidates_for(
    area: str | None, identity: Identity, exclude: Iterable[int] = ()
) -> list[tuple[Score, int]]:
    """People already known in the area who might be this person, best first: each one's score
    and person id.

    Candidates come from indexed look-ups, then each is scored in full:
    - born on the date of birth or one of its likely mistypings, and sharing
      the sound of a surname or of the given name, or a postcode;
    - sharing the sound of a surname and of the given name, born within a year
      either side (a date of birth mistyped in other ways).
    Of those, the MAX_CANDIDATES sharing the most keys (an exact date of birth first), the most
    recently recorded first among equals, are scored; so only a handful of people are scored,
    however many are known and however often the same family is named."""
    sounds = sorted({phonetic(s)[:16] for s in identity.surnames if s})
    given = sorted({phonetic(n.given)[:16] for n in identity.names if n.given})
    # How many of the look-ups' keys a name shares, most telling first: the scorer reads only the
    # likeliest MAX_CANDIDATES, so a family named many times is not scored in full every time.
    keys = []
    if identity.date_of_birth is not None:
        keys.append(case((PersonName.date_of_birth == identity.date_of_birth, 4), else_=0))
    if sounds:
        keys.append(case((PersonName.surname_sound.in_(sounds), 2), else_=0))
    if given:
        keys.append(case((PersonName.given_sound.in_(given), 1), else_=0))
    agreement = sum(keys, literal(0))

    def lookup(*conditions):
        return select(PersonName.person_id, agreement.label("agreement")).where(
            PersonName.local_authority_area == area, *conditions
        )

    lookups = []
    if identity.date_of_birth is not None:
        born = sorted(date_of_birth_variants(identity.date_of_birth))
        lookups.append(
            lookup(
                PersonName.date_of_birth.in_(born),
                or_(PersonName.surname_sound.in_(sounds), PersonName.given_sound.in_(given)),
            )
        )
        if identity.postcodes:
            lookups.append(
                lookup(
                    PersonName.date_of_birth.in_(born),
                    PersonAddress.postcode.in_(sorted(identity.postcodes)),
                ).join(PersonAddress, PersonAddress.person_id == PersonName.person_id)
            )
    if sounds:
        by_sound = lookup(PersonName.surname_sound.in_(sounds), PersonName.given_sound.in_(given))
        if identity.date_of_birth is not None:
            year = identity.date_of_birth.year
            by_sound = by_sound.where(PersonName.birth_year.between(year - 1, year + 1))
        lookups.append(by_sound)
    if not lookups:
        return []
    found = union_all(*lookups).subquery() if len(lookups) > 1 else lookups[0].subquery()
    likeliest = (
        select(found.c.person_id)
        .join(Person, Person.id == found.c.person_id)
        .where(Person.merged_into_id.is_(None))
        .group_by(found.c.person_id)
        .order_by(func.max(found.c.agreement).desc(), found.c.person_id.desc())
        .limit(MAX_CANDIDATES)
    )
    excluded = list(exclude)
    if excluded:
        likeliest = likeliest.where(Person.id.not_in(excluded))
    # One statement, of plain rows: each candidate has a name or two and an address or two, so
    # joining both lists repeats few rows; and nothing is made of them but the identity scored.
    rows = db.session.execute(
        select(
            Person.id,
            Person.full_name,
            Person.date_of_birth,
            Person.sex,
            Person.school,
            PersonName.id,
            PersonName.full_name,
            PersonAddress.id,
            PersonAddress.address,
        )
        .outerjoin(PersonName, PersonName.person_id == Person.id)
        .outerjoin(PersonAddress, PersonAddress.person_id == Person.id)
        .where(Person.id.in_(likeliest.scalar_subquery()))
        .order_by(Person.id, PersonName.id, PersonAddress.id)
    )
    found: dict[int, tuple] = {}
    for person_id, full_name, born, sex, school, name_id, name, address_id, address in rows:
        _, _, _, _, names, addresses = found.setdefault(person_id, (full_name, born, sex, school, {}, {}))
        if name_id is not None:
            names[name_id] = name
        if address_id is not None:
            addresses[address_id] = address
    scored = [
        (
            score(
                identity, _identity(full_name, [*names.values()], born, sex, [*addresses.values()], school)
            ),
            pid,
        )
        for pid, (full_name, born, sex, school, names, addresses) in found.items()
    ]
    return sorted(scored, key=lambda pair: (-pair[0].total, pair[1]))


def _person_by_nhs_number(area: str | None, nhs_number: str | None) -> Person | None:
    if not nhs_number:
        return None
    return db.session.scalar(
        select(Person)
        .where(
            Person.local_authority_area == area,
            Person.nhs_number == nhs_number,
            Person.merged_into_id.is_(None),
        )
        .limit(1)
    )


@dataclass(frozen=True)
class Recorded:
    """The people a new referral names: each one's involvement, and which people were already
    known (linked by NHS number). Anyone else has a record made now, and is on no other case yet."""

    involvements: list[Involvement]
    known: set[int]


def record_people(referral: Referral, named: list[Named]) -> Recorded:
    """Link everyone a new referral names to a person, and offer possible matches.

    An equal NHS number links to the person already known. Anyone else gets a
    person record of their own, and strong likenesses to people already known
    are recorded as possible matches for the MASH to confirm or reject. No
    likeness is ever linked automatically."""
    area = referral.local_authority_area
    involvements = []
    for one in named:
        person = _person_by_nhs_number(area, one.nhs_number)
        new = person is None
        if new:
            person = Person(
                local_authority_area=area,
                full_name=one.full_name.strip(),
                date_of_birth=one.date_of_birth,
                sex=one.sex,
                nhs_number=one.nhs_number or None,
                school=one.school or None,
            )
            db.session.add(person)
        elif one.school:
            person.school = one.school
        _add_name(person, one.full_name, NameKind.CURRENT if new else NameKind.ALIAS)
        for alias in one.aliases:
            _add_name(person, alias, NameKind.ALIAS)
        _add_address(person, one.address)
        involvement = Involvement(
            person=person,
            role=one.role,
            full_name=one.full_name.strip(),
            date_of_birth=one.date_of_birth,
            address=one.address,
        )
        involvement.referral_id = referral.id
        if one.child is not None:
            involvement.child_id = one.child.id
        db.session.add(involvement)
        involvements.append((involvement, new))
    db.session.flush()
    just_named = {inv.person_id for inv, _ in involvements}
    for involvement, new in involvements:
        if not new:
            continue
        identity = identity_of(involvement.person)
        offered = [
            (s, p) for s, p in candidates_for(area, identity, exclude=just_named) if s.is_possible_match
        ][:MAX_OFFERED]
        for s, candidate_id in offered:
            db.session.add(
                PossibleMatch(
                    referral_id=referral.id,
                    involvement=involvement,
                    candidate_id=candidate_id,
                    score=s.total,
                    reasons=list(s.reasons),
                )
            )
    db.session.flush()
    return Recorded([inv for inv, _ in involvements], {inv.person_id for inv, new in involvements if not new})


# --- Confirming, rejecting, merging ---------------------------------------------


def open_matches(referral: Referral) -> list[PossibleMatch]:
    return list(
        db.session.scalars(
            select(PossibleMatch)
            .where(PossibleMatch.referral_id == referral.id, PossibleMatch.status == MatchStatus.OPEN)
            .options(
                # One of each a match: joined. A candidate's names and addresses: read after.
                joinedload(PossibleMatch.involvement, innerjoin=True),
                joinedload(PossibleMatch.candidate, innerjoin=True).selectinload(Person.names),
                joinedload(PossibleMatch.candidate, innerjoin=True).selectinload(Person.addresses),
            )
            .order_by(PossibleMatch.involvement_id, PossibleMatch.score.desc())
        )
    )


def confirm_match(actor: User, match: PossibleMatch) -> PersonMerge:
    """The MASH worker says the person just named is the person already known."""
    if match.status is not MatchStatus.OPEN:
        raise PersonInvalid({"match": "This possible match has already been resolved. Reload the page"})
    merged = match.involvement.person
    merge_record = merge(actor, survivor=match.candidate, merged=merged, reason="Possible match confirmed")
    from app.people.patterns import alert_owners_of_linked_cases

    alert_owners_of_linked_cases(db.session.get(Referral, match.referral_id), {match.candidate_id})
    match.status = MatchStatus.CONFIRMED
    match.resolved_at, match.resolved_by_id = utcnow(), actor.id
    # The other offers for the same person are answered by this one.
    for other in db.session.scalars(
        select(PossibleMatch).where(
            PossibleMatch.involvement_id == match.involvement_id,
            PossibleMatch.id != match.id,
            PossibleMatch.status == MatchStatus.OPEN,
        )
    ):
        other.status = MatchStatus.REJECTED
        other.resolved_at, other.resolved_by_id = utcnow(), actor.id
    db.session.flush()
    return merge_record


def reject_match(actor: User, match: PossibleMatch) -> None:
    if match.status is not MatchStatus.OPEN:
        raise PersonInvalid({"match": "This possible match has already been resolved. Reload the page"})
    match.status = MatchStatus.REJECTED
    match.resolved_at, match.resolved_by_id = utcnow(), actor.id
    record_audit_event(
        actor,
        "possible_match_rejected",
        f"person:{match.involvement.person_id}",
        candidate=match.candidate_id,
        referral=match.referral_id,
    )
    db.session.flush()


def merge(actor: User, survivor: Person, merged: Person, reason: str | None = None) -> PersonMerge:
    """Join two records of one person. The merged record's involvements move to the
    survivor, with any names and addresses the survivor lacked; exactly what moved
    is kept so that `unmerge` restores the links as they were."""
    if survivor.id == merged.id:
        raise PersonInvalid({"person": "A person cannot be merged with themselves"})
    if survivor.local_authority_area != merged.local_authority_area:
        raise PersonInvalid(
            {
                "person": "These people are recorded in different areas "
                f"({survivor.local_authority_area or 'none'} and {merged.local_authority_area or 'none'}), "
                "so they cannot be merged"
            }
        )
    if survivor.merged_into_id or merged.merged_into_id:
        raise PersonInvalid({"person": "One of these records has already been merged into another"})
    moved_involvements = [inv.id for inv in merged.involvements]
    for involvement in list(merged.involvements):
        involvement.person = survivor
    added_names = [n for n in (_add_name(survivor, n.full_name, NameKind.ALIAS) for n in merged.names) if n]
    added_addresses = [a for a in (_add_address(survivor, a.address) for a in merged.addresses) if a]
    filled = {}
    for attribute in ("nhs_number", "school", "sex"):
        if getattr(survivor, attribute) is None and getattr(merged, attribute) is not None:
            filled[attribute] = getattr(merged, attribute)
            setattr(survivor, attribute, getattr(merged, attribute))
    merged.merged_into_id = survivor.id
    db.session.flush()
    record = PersonMerge(
        survivor_id=survivor.id,
        merged_id=merged.id,
        moved={
            "involvements": moved_involvements,
            "names": [n.id for n in added_names],
            "addresses": [a.id for a in added_addresses],
            "filled": filled,
        },
        reason=reason,
        merged_by_id=actor.id,
    )
    db.session.add(record)
    db.session.flush()
    record_audit_event(
        actor, "person_merged", f"person:{survivor.id}", merged=merged.id, merge=record.id, why=reason
    )
    return record


def unmerge(actor: User, record: PersonMerge, reason: str | None = None) -> None:
    """Undo a merge: exactly the involvements that moved go back, and what was added goes."""
    if record.undone_at is not None:
        raise PersonInvalid({"merge": "This merge has already been undone"})
    moved = record.moved
    for involvement in db.session.scalars(
        select(Involvement).where(Involvement.id.in_(moved["involvements"]))
    ):
        involvement.person_id = record.merged_id
    for model, key in ((PersonName, "names"), (PersonAddress, "addresses")):
        for row in db.session.scalars(select(model).where(model.id.in_(moved[key]))):
            db.session.delete(row)
    survivor = db.session.get(Person, record.survivor_id)
    for attribute in moved.get("filled", {}):
        setattr(survivor, attribute, None)
    db.session.get(Person, record.merged_id).merged_into_id = None
    record.undone_at, record.undone_by_id = utcnow(), actor.id
    for match in db.session.scalars(
        select(PossibleMatch).where(
            PossibleMatch.candidate_id == record.survivor_id,
            PossibleMatch.status == MatchStatus.CONFIRMED,
            PossibleMatch.involvement_id.in_(moved["involvements"]),
        )
    ):
        match.status = MatchStatus.OPEN
        match.resolved_at = match.resolved_by_id = None
    db.session.flush()
    db.session.expire_all()
    record_audit_event(
        actor,
        "person_unmerged",
        f"person:{record.survivor_id}",
        merged=record.merged_id,
        merge=record.id,
        why=reason,
    )


def possible_duplicates(person: Person, user: User) -> list[tuple[Score, Person]]:
    """Other records the matcher thinks may be this person, among those the user may see:
    for joining records that no intake offered as a possible match."""
    visible = set(db.session.scalars(Person.visible_ids(user).where(Involvement.person_id != person.id)))
    offered = [
        (s, person_id)
        for s, person_id in candidates_for(
            person.local_authority_area, identity_of(person), exclude={person.id}
        )
        if s.is_possible_match and person_id in visible
    ][:MAX_OFFERED]
    if not offered:
        return []
    found = {
        p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_([i for _, i in offered])))
    }
    return [(s, found[person_id]) for s, person_id in offered]
