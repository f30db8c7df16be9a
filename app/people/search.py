"""Finding people and referrals: by a referral's reference, by NHS number, by date of
birth (mistypings included), by postcode or address (past ones too), or by name
(misspellings included). Only people named on referrals the user may see, and only
referrals the user may see, are found."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.domain.matching import date_of_birth_variants, fold, given_name_similarity, phonetic, postcodes_in
from app.domain.nhs_number import normalise_nhs_number
from app.domain.whole_numbers import is_whole_number
from app.extensions import db
from app.models import Person, PersonAddress, PersonName, Referral, User

PAGE_SIZE = 25
MAX_CANDIDATES = 500
_DATE = re.compile(r"^\s*(\d{1,2})[\s/.-](\d{1,2})[\s/.-](\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_REFERENCE = re.compile(r"^\s*FD-?\d{2}-?[A-Z0-9]{6}\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class SearchResult:
    people: list[Person]
    searched_for: str  # in words, for the page: "NHS number 943 476 5919"
    problem: str | None = None
    referrals: tuple[Referral, ...] = ()


def _as_date(text: str) -> date | None | str:
    found = _DATE.match(text) or _ISO_DATE.match(text)
    if not found:
        return None
    parts = [int(g) for g in found.groups()]
    day, month, year = parts if _DATE.match(text) else (parts[2], parts[1], parts[0])
    try:
        return date(year, month, day)
    except ValueError:
        return "That is not a real date. Enter a date of birth like 4 3 2013"


# How alike every word searched for must be, on average, to some word of a name.
NAME_LIKENESS = 0.85


def name_likeness(words: list[str], full_name: str) -> float:
    """Each word searched for against its best partner in the name: misspellings and
    sound-alikes count, and the words may come in any order."""
    theirs = fold(full_name).replace("-", " ").split()
    if not theirs:
        return 0.0
    return sum(max(given_name_similarity(w, t) for t in theirs) for w in words) / len(words)


def search_people(user: User, q: str) -> SearchResult:
    q = (q or "").strip()
    if not q:
        return SearchResult([], "")
    if len(q) > 200:
        return SearchResult([], q[:200], "Search for at most 200 characters")
    visible = (
        select(Person)
        .where(Person.id.in_(Person.visible_ids(user)), Person.merged_into_id.is_(None))
        .options(selectinload(Person.names), selectinload(Person.addresses))
    )
    if _REFERENCE.match(q):
        compact = re.sub(r"[\s-]", "", q).upper()
        reference = f"{compact[:2]}-{compact[2:4]}-{compact[4:]}"
        found = db.session.scalars(Referral.visible_to(user).where(Referral.reference == reference)).all()
        return SearchResult([], f"the reference {reference}", referrals=tuple(found))
    digits = re.sub(r"[\s-]", "", q)
    if is_whole_number(digits) and len(digits) == 10:
        nhs = normalise_nhs_number(digits)
        people = db.session.scalars(visible.where(Person.nhs_number == nhs).limit(PAGE_SIZE)).all()
        return SearchResult(list(people), f"NHS number {q}")
    born = _as_date(q)
    if isinstance(born, str):
        return SearchResult([], q, born)
    if born is not None:
        people = db.session.scalars(
            visible.where(Person.date_of_birth.in_(sorted(date_of_birth_variants(born))))
            .order_by(Person.full_name, Person.id)
            .limit(PAGE_SIZE)
        ).all()
        # The date as typed first, then its likely mistypings.
        return SearchResult(
            sorted(people, key=lambda p: (p.date_of_birth != born, p.full_name)),
            f"date of birth {born:%-d %B %Y}",
        )
    postcode = postcodes_in(q)
    if postcode and len(re.sub(r"\s", "", q)) <= 8:
        (postcode,) = postcode
        ids = select(PersonAddress.person_id).where(PersonAddress.postcode == postcode)
        people = db.session.scalars(
            visible.where(Person.id.in_(ids)).order_by(Person.full_name, Person.id).limit(PAGE_SIZE)
        ).all()
        return SearchResult(list(people), f"the postcode {postcode}, now or before")
    if any(c.isdigit() for c in q):
        # A house number and a street: an address, now or before.
        pattern = "%" + "%".join(re.findall(r"[A-Za-z0-9]+", q)) + "%"
        ids = (
            select(PersonAddress.person_id).where(PersonAddress.address.ilike(pattern)).limit(MAX_CANDIDATES)
        )
        people = db.session.scalars(
            visible.where(Person.id.in_(ids)).order_by(Person.full_name, Person.id).limit(PAGE_SIZE)
        ).all()
        return SearchResult(list(people), f"the address {q}, now or before")
    words = fold(q).replace("-", " ").split()
    if not words:
        return SearchResult(
            [], q, "Enter a name, a date of birth, an NHS number, an address, a postcode or a reference"
        )
    sounds = sorted({phonetic(w)[:16] for w in words if w})
    ids = select(PersonName.person_id).where(PersonName.surname_sound.in_(sounds)).limit(MAX_CANDIDATES)
    candidates = db.session.scalars(
        visible.where(or_(Person.id.in_(ids), Person.full_name.ilike(f"%{q}%"))).limit(MAX_CANDIDATES)
    ).all()
    scored = []
    for person in candidates:
        likeness = max(name_likeness(words, n.full_name) for n in person.names) if person.names else 0.0
        if likeness >= NAME_LIKENESS:
            scored.append((likeness, person))
    scored.sort(key=lambda pair: (-pair[0], pair[1].full_name, pair[1].id))
    return SearchResult([p for _, p in scored[:PAGE_SIZE]], f"the name {q}")
