"""Benchmark: how well, and how fast, a newly named child is matched to children already known.

Usage: .venv/bin/python scripts/bench_matching.py [--children N] [--seed S]
       DATABASE_URL=postgresql://... .venv/bin/python scripts/bench_matching.py --database --people 1000000

The second form builds a scratch schema in DATABASE_URL (it drops what is
there), writes N generated people with their names and addresses in bulk,
and times the product's own look-up (app.people.services.candidates_for: the
indexed candidate queries, loading and scoring) for 200 children named again.

Generates N fictional children with known true identities (twins, siblings,
common names shared by different children, families that moved), records
each once as already known, then names about half of them again on a new
notification with the slips real notifications carry: a misspelt or
phonetic name, a short form, an added middle name, day and month swapped, a
date one day out, a changed surname, a new address. A fifth of the new
names are children never seen before.

Each new name is looked up as the product does: candidates by date of birth
(and its likely mistypings) or by the sound of the surname with the birth
year, then scored (app.domain.matching). It reports:
- recall: the true child is offered as a possible match;
- precision: of the possible matches offered, the share that are the true child;
- top 3: the true child is among the three best-scored candidates;
- automatic links (only an equal NHS number links automatically) and how many are wrong.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app.domain.matching import (  # noqa: E402
    Identity,
    date_of_birth_variants,
    phonetic,
    score,
)

GIVEN = {
    "F": [
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Ivy",
        "Lily",
        "Isabella",
        "Rosie",
        "Sophia",
        "Grace",
        "Willow",
        "Freya",
        "Florence",
        "Emily",
        "Ella",
        "Poppy",
        "Evie",
        "Elsie",
        "Charlotte",
        "Evelyn",
        "Sienna",
        "Sofia",
        "Daisy",
        "Phoebe",
        "Ruby",
        "Harper",
        "Millie",
        "Matilda",
        "Alice",
        "Maya",
        "Esme",
        "Layla",
        "Emilia",
        "Sophie",
        "Eliza",
        "Hallie",
        "Jessica",
        "Chloe",
        "Erin",
        "Zara",
        "Aria",
        "Violet",
        "Ellie",
        "Holly",
        "Lucy",
        "Scarlett",
        "Georgia",
        "Maisie",
        "Imogen",
        "Casey",
        "Katie",
        "Rebecca",
        "Elizabeth",
        "Samantha",
        "Victoria",
    ],
    "M": [
        "Noah",
        "Muhammad",
        "George",
        "Oliver",
        "Leo",
        "Arthur",
        "Oscar",
        "Theodore",
        "Freddie",
        "Theo",
        "Archie",
        "Alfie",
        "Henry",
        "Charlie",
        "Jack",
        "Finley",
        "Arlo",
        "Lucas",
        "Tommy",
        "Albert",
        "Isaac",
        "Jacob",
        "Luca",
        "Teddy",
        "Mason",
        "Ethan",
        "Harry",
        "Thomas",
        "Reggie",
        "Max",
        "Louie",
        "Jude",
        "Hugo",
        "Rory",
        "Elijah",
        "Jaxon",
        "Joshua",
        "Ezra",
        "Alexander",
        "Edward",
        "Samuel",
        "Finn",
        "Reuben",
        "Daniel",
        "James",
        "William",
        "Riley",
        "Rowan",
        "Mohammed",
        "Toby",
        "Kai",
        "Jayden",
        "Logan",
        "Michael",
        "Benjamin",
        "Christopher",
    ],
}
SURNAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Graham",
    "Pearson",
    "Ahmed",
    "Fletcher",
    "Walsh",
    "Kaur",
    "Gibson",
    "Howard",
    "Andrews",
    "Stewart",
    "Elliott",
    "Reynolds",
    "Saunders",
    "Payne",
    "Fox",
    "Ford",
    "Pearce",
    "Day",
    "Brooks",
    "West",
    "Lawrence",
    "Cole",
    "Atkinson",
    "Bradley",
    "Spencer",
    "Gill",
    "Dawson",
    "Ball",
    "Burton",
    "O'Brien",
    "Watts",
    "Rose",
    "Booth",
    "Perry",
    "Ryan",
    "Grant",
    "Wells",
    "Armstrong",
    "Francis",
    "Rees",
    "Hayes",
    "Hart",
    "Hudson",
    "Newman",
    "Barrett",
    "Webster",
    "Hunter",
    "Gregory",
    "Carr",
    "Lowe",
    "Page",
    "Marsh",
    "Riley",
    "Dunn",
    "Woods",
    "Parsons",
    "Berry",
    "Stone",
    "Reid",
    "Holland",
    "Hawkins",
    "Harding",
    "Porter",
    "Robertson",
    "Newton",
    "Oliver",
    "Reed",
    "Kennedy",
    "Williamson",
    "Bird",
    "Gardner",
    "Shah",
    "Dean",
    "Lane",
    "Cooke",
    "Bates",
    "Henderson",
]
PHONETIC_SWAPS = [("c", "k"), ("ph", "f"), ("y", "ie"), ("ie", "y"), ("ee", "ea"), ("s", "z"), ("k", "c")]
SHORT_FORMS = {
    "Elizabeth": "Liz",
    "Samantha": "Sam",
    "Victoria": "Vicky",
    "Rebecca": "Becky",
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Christopher": "Chris",
    "Daniel": "Danny",
    "Thomas": "Tom",
    "William": "Will",
    "Joshua": "Josh",
    "Samuel": "Sam",
    "Michael": "Mike",
    "Edward": "Ed",
    "James": "Jamie",
    "Jacob": "Jake",
    "Charlotte": "Lottie",
    "Isabella": "Bella",
    "Katie": "Kate",
    "Matilda": "Tilly",
    "Oliver": "Ollie",
}
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Park Avenue",
    "Mill Lane",
]
TOWNS = ["Northtown", "Southby", "Eastham", "Westfield", "Midvale"]


@dataclass(frozen=True)
class Person:
    identity: int
    given: str
    middle: str
    surname: str
    born: date
    sex: str
    address: str
    school: str
    nhs_number: str | None

    def as_identity(self, earlier_surnames: tuple[str, ...] = ()) -> Identity:
        names = [f"{self.given} {self.middle} {self.surname}".replace("  ", " ")]
        names += [f"{self.given} {s}" for s in earlier_surnames]
        return Identity.of(names, self.born, self.sex, [self.address], self.school)


def an_address(rng: random.Random) -> str:
    outward = f"ZZ{rng.randint(1, 99)}"
    return f"{rng.randint(1, 250)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}, {outward} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def population(n: int, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    while len(people) < n:
        surname = rng.choice(SURNAMES)
        address = an_address(rng)
        school = f"{rng.choice(TOWNS)} {rng.choice(['Primary', 'Academy', 'High School', 'Infants'])}"
        family = rng.choices([1, 2, 3, 4], weights=[45, 30, 17, 8])[0]
        twins = rng.random() < 0.04
        for k in range(family):
            sex = rng.choice("MF")
            born = date(2008, 1, 1) + timedelta(days=rng.randint(0, 18 * 365))
            if twins and k == 1:
                born = people[-1].born
                sex = rng.choice("MF")
            given = rng.choice(GIVEN[sex])
            if twins and k == 1 and given == people[-1].given:
                continue
            middle = rng.choice(GIVEN[sex]) if rng.random() < 0.3 else ""
            nhs = f"{len(people):010d}" if rng.random() < 0.4 else None
            people.append(Person(len(people), given, middle, surname, born, sex, address, school, nhs))
    return people[:n]


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word)) if len(word) > 2 else 0
    kind = rng.choice(["drop", "swap", "double", "vowel"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeiou") + word[i + 1 :]


def phonetic_variant(word: str, rng: random.Random) -> str:
    lower = word.lower()
    for a, b in rng.sample(PHONETIC_SWAPS, len(PHONETIC_SWAPS)):
        if a in lower:
            return lower.replace(a, b, 1).capitalize()
    return typo(word, rng)


PERTURBATIONS = [
    "exact",
    "surname_typo",
    "given_typo",
    "phonetic",
    "short_form",
    "middle_name",
    "no_middle_name",
    "double_space",
    "day_month_swap",
    "one_day_out",
    "moved",
    "changed_surname",
    "hyphenated",
]


def perturb(person: Person, rng: random.Random) -> tuple[Person, tuple[str, ...], str]:
    """The child as named again, any new surname the known record was told of, and the
    slips: one, or two in a quarter of cases."""
    person = replace(person, nhs_number=person.nhs_number if rng.random() < 0.3 else None)
    person, earlier, kind = one_slip(person, rng)
    if rng.random() < 0.25:
        person, more, second = one_slip(person, rng)
        earlier, kind = earlier + more, f"{kind}+{second}"
    return person, earlier, kind


def one_slip(p: Person, rng: random.Random) -> tuple[Person, tuple[str, ...], str]:
    kind = rng.choice(PERTURBATIONS)
    earlier: tuple[str, ...] = ()
    if kind == "surname_typo":
        p = replace(p, surname=typo(p.surname, rng))
    elif kind == "given_typo":
        p = replace(p, given=typo(p.given, rng))
    elif kind == "phonetic":
        p = replace(p, given=phonetic_variant(p.given, rng))
    elif kind == "short_form":
        p = replace(p, given=SHORT_FORMS.get(p.given, p.given))
    elif kind == "middle_name":
        p = replace(p, middle=rng.choice(GIVEN[p.sex]))
    elif kind == "no_middle_name":
        p = replace(p, middle="")
    elif kind == "double_space":
        p = replace(p, given=p.given + " ")
    elif kind == "day_month_swap" and p.born.day <= 12:
        p = replace(p, born=p.born.replace(month=p.born.day, day=p.born.month))
    elif kind == "one_day_out":
        p = replace(p, born=p.born + timedelta(days=rng.choice([-1, 1])))
    elif kind == "moved":
        p = replace(p, address=an_address(rng))
    elif kind == "changed_surname":
        # Half the time a partner agency was told and the known record holds the
        # new surname as an alias; otherwise only the family's address and school tie them.
        new_surname = rng.choice(SURNAMES)
        if rng.random() < 0.5:
            earlier = (new_surname,)
        else:
            kind = "changed_surname_untold"
        p = replace(p, surname=new_surname)
    elif kind == "hyphenated":
        p = replace(p, surname=f"{p.surname}-{rng.choice(SURNAMES)}")
    return p, earlier, kind


def sounds_of(identity: Identity) -> tuple[set[str], set[str]]:
    return {phonetic(x)[:16] for x in identity.surnames}, {phonetic(n.given)[:16] for n in identity.names}


class Index:
    """The product's candidate look-ups (app.people.services.candidates_for), in memory."""

    def __init__(self) -> None:
        self.by_dob: dict[date, list[int]] = defaultdict(list)
        self.by_sound: dict[tuple, list[int]] = defaultdict(list)
        self.known: dict[int, Identity] = {}

    def add(self, key: int, identity: Identity) -> None:
        self.known[key] = identity
        if identity.date_of_birth:
            self.by_dob[identity.date_of_birth].append(key)
        surnames, givens = sounds_of(identity)
        for surname in surnames:
            for given in givens:
                self.by_sound[(surname, given, identity.date_of_birth.year)].append(key)

    def candidates(self, new: Identity) -> set[int]:
        surnames, givens = sounds_of(new)
        found: set[int] = set()
        for day in date_of_birth_variants(new.date_of_birth):
            for key in self.by_dob.get(day, ()):
                theirs = self.known[key]
                their_surnames, their_givens = sounds_of(theirs)
                if surnames & their_surnames or givens & their_givens or new.postcodes & theirs.postcodes:
                    found.add(key)
        year = new.date_of_birth.year
        for surname in surnames:
            for given in givens:
                for y in (year - 1, year, year + 1):
                    found.update(self.by_sound.get((surname, given, y), ()))
        return found


def time_in_database(people_count: int, seed: int) -> None:
    from sqlalchemy import insert, text

    from app import create_app
    from app.domain.matching import postcodes_in
    from app.extensions import db
    from app.models import Person, PersonAddress, PersonName
    from app.people.services import candidates_for, given_sound, surname_sound
    from tests.conftest import reset_schema

    if "DATABASE_URL" not in os.environ:
        raise SystemExit("Set DATABASE_URL to a scratch database: its tables are dropped and rebuilt.")
    app = create_app("test")
    reset_schema(app)
    rng = random.Random(seed)
    with app.app_context():
        started = time.perf_counter()
        written = 0
        sample: list[Person] = []
        while written < people_count:
            chunk = population(min(20_000, people_count - written), rng)
            first_id = written + 1
            persons, names, addresses = [], [], []
            for offset, person in enumerate(chunk):
                pid = first_id + offset
                full = f"{person.given} {person.middle} {person.surname}".replace("  ", " ")
                persons.append(
                    {
                        "id": pid,
                        "local_authority_area": "Bench",
                        "full_name": full,
                        "date_of_birth": person.born,
                        "sex": person.sex,
                        "school": person.school,
                    }
                )
                names.append(
                    {
                        "person_id": pid,
                        "kind": "current",
                        "full_name": full,
                        "surname_sound": surname_sound(full),
                        "given_sound": given_sound(full),
                        "birth_year": person.born.year,
                        "date_of_birth": person.born,
                        "local_authority_area": "Bench",
                    }
                )
                postcode = next(iter(postcodes_in(person.address)), None)
                addresses.append({"person_id": pid, "address": person.address, "postcode": postcode})
            db.session.execute(insert(Person), persons)
            db.session.execute(insert(PersonName), names)
            db.session.execute(insert(PersonAddress), addresses)
            db.session.commit()
            written += len(chunk)
            if len(sample) < 200:
                sample += [replace(p, identity=first_id + i) for i, p in enumerate(chunk[:200])]
        if db.engine.dialect.name == "postgresql":
            for table in ("persons", "person_names", "person_addresses"):
                db.session.execute(text(f"ANALYZE {table}"))
            db.session.commit()
        print(f"wrote {written} people in {time.perf_counter() - started:.0f} s")
        timings, found = [], 0
        for person in sample[:200]:
            again, _, _ = perturb(person, rng)
            db.session.expunge_all()
            t0 = time.perf_counter()
            scored = candidates_for("Bench", again.as_identity())
            timings.append((time.perf_counter() - t0) * 1000)
            found += person.identity in [p.id for s, p in scored if s.is_possible_match]
        timings.sort()
        print(
            f"{db.engine.dialect.name}, {written} people: matching one person median "
            f"{statistics.median(timings):.1f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.1f} ms, "
            f"max {timings[-1]:.1f} ms; true person offered {found}/{len(timings)}"
        )
        with open("/proc/loadavg") as load:
            print("load average:", load.read().strip())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", action="store_true", help="time the look-up in DATABASE_URL")
    parser.add_argument("--people", type=int, default=100_000, help="with --database: people to write")
    args = parser.parse_args()
    if args.database:
        if args.people < 1000:
            parser.error("--people must be at least 1000")
        time_in_database(args.people, args.seed)
        return
    if args.children < 100:
        parser.error("--children must be at least 100")
    rng = random.Random(args.seed)
    known_people = population(args.children, rng)
    index = Index()
    by_nhs: dict[str, int] = {}
    for person in known_people:
        index.add(person.identity, person.as_identity())
        if person.nhs_number:
            by_nhs[person.nhs_number] = person.identity

    newcomers = population(args.children // 4, random.Random(args.seed + 1))
    trials: list[tuple[Person, int | None, str]] = []
    for person in rng.sample(known_people, args.children // 2):
        again, earlier, kind = perturb(person, rng)
        if earlier:
            index.add(person.identity, person.as_identity(earlier_surnames=earlier))
        trials.append((again, person.identity, kind))
    trials += [(replace(p, identity=-1, nhs_number=None), None, "never seen") for p in newcomers]

    offered = correct_offered = found = top3 = with_truth = 0
    auto_links = wrong_auto_links = 0
    missed_by_kind: dict[str, int] = defaultdict(int)
    timings = []
    for again, truth, kind in trials:
        started = time.perf_counter()
        if again.nhs_number and again.nhs_number in by_nhs:
            auto_links += 1
            wrong_auto_links += by_nhs[again.nhs_number] != truth
            timings.append(time.perf_counter() - started)
            continue
        new = again.as_identity()
        candidates = index.candidates(new)
        scored = sorted(((score(new, index.known[c]), c) for c in candidates), key=lambda sc: -sc[0].total)
        timings.append(time.perf_counter() - started)
        possible = [c for s, c in scored if s.is_possible_match]
        offered += len(possible)
        correct_offered += truth in possible
        if truth is not None:
            with_truth += 1
            found += truth in possible
            top3 += truth in [c for _, c in scored[:3]]
            if truth not in possible:
                missed_by_kind[kind] += 1

    print(f"children known: {len(known_people)}; named again: {len(trials)} ({len(newcomers)} never seen)")
    print(f"automatic links (equal NHS number): {auto_links}, wrong: {wrong_auto_links}")
    print(f"recall of possible matches: {found / with_truth:.4f} ({found} of {with_truth})")
    print(
        f"precision of possible matches: {correct_offered / max(offered, 1):.4f} ({correct_offered} of {offered})"
    )
    print(f"true child in the top 3: {top3 / with_truth:.4f}")
    print(f"missed, by slip: {dict(sorted(missed_by_kind.items()))}")
    print(
        f"scoring time per name (in memory): median {statistics.median(timings) * 1000:.3f} ms, "
        f"p95 {statistics.quantiles(timings, n=20)[-1] * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
