"""Is this newly named person someone already known? Scoring, with no database.

A person already known is matched on what a notification usually carries:
names (with aliases and earlier surnames), date of birth, addresses and
school. NHS numbers are handled before this: an equal NHS number links
automatically. Nothing scored here is ever linked automatically; a strong
score is offered to a MASH worker as a *possible match* to confirm or reject.

The rules, each written once below:
- Names. Given names match on Jaro-Winkler similarity, a shared phonetic key
  (Kasey and Casey) or a known short form (Liz and Elizabeth). Middle names
  are ignored when one side lacks them. Surnames match on any part of a
  hyphenated or double-barrelled surname, and on any earlier surname.
- Date of birth. Equal; day and month swapped; one day out; or one digit of
  the year mistyped. Anything else counts against the match.
  A different surname still counts when the given name, the date of birth and
  the address or school agree: a surname changed without anyone being told.
- Address. An equal postcode (current or past) or a near-equal first line.
- School. An equal school name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import jellyfish
from rapidfuzz import fuzz

# A possible match needs at least this total score (0..1), a name at least
# this similar, and a date of birth that is not plainly different. The
# figures come from scripts/bench_matching.py (see docs/performance.md).
POSSIBLE_MATCH_SCORE = 0.78
MIN_NAME_SCORE = 0.80
MIN_GIVEN_NAME_SCORE = 0.85
CHANGED_SURNAME_NAME_SCORE = 0.82

WEIGHTS = {"name": 0.55, "date_of_birth": 0.30, "address": 0.10, "school": 0.05}

# Common English short forms and variants, as groups of one name. Kept short
# on purpose: phonetic keys and edit similarity catch most spelling variants.
NAME_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "alexander alex alexandra alexa sandy",
        "andrew andy drew",
        "anthony tony",
        "benjamin ben benji",
        "catherine katherine kathryn kate katie kat cathy",
        "charles charlie chas",
        "charlotte lottie charlie",
        "christopher chris kit",
        "daniel dan danny",
        "david dave davy",
        "edward ed eddie ted",
        "elizabeth liz lizzie beth betty eliza libby",
        "frederick fred freddie",
        "isabella isabel bella izzy",
        "jacob jake",
        "james jim jimmy jamie",
        "jennifer jen jenny",
        "john jack johnny",
        "jonathan jon jonny",
        "joseph joe joey",
        "joshua josh",
        "margaret maggie meg peggy",
        "matthew matt",
        "michael mike mick mikey",
        "nicholas nick nicky",
        "oliver ollie",
        "patricia pat patty tricia",
        "rebecca becky becca",
        "richard rich rick ricky dick",
        "robert rob bob bobby robbie",
        "samuel sam sammy",
        "samantha sam sammy",
        "stephen steven steve",
        "susan sue susie",
        "thomas tom tommy",
        "victoria vicky tori",
        "william will bill billy liam",
        "zachary zach zak",
    )
)
_NAME_GROUP_OF: dict[str, set[int]] = {}
for _i, _group in enumerate(NAME_GROUPS):
    for _name in _group:
        _NAME_GROUP_OF.setdefault(_name, set()).add(_i)

_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][0-9A-Z]?)\s*([0-9][A-Z]{2})\b")
_NOT_LETTERS = re.compile(r"[^a-z' -]+")


def fold(text: str) -> str:
    """Lower case, accents removed, spacing collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NOT_LETTERS.sub(" ", plain).replace("'", "").split())


def address_key(text: str | None) -> str:
    """An address for comparing with another: lower case, its words and numbers only."""
    return " ".join(re.findall(r"[a-z0-9]+", (text or "").lower()))


def postcodes_in(text: str) -> set[str]:
    """UK postcodes found in an address, normalised as 'AB1 2CD'."""
    return {f"{a} {b}" for a, b in _POSTCODE.findall((text or "").upper())}


@dataclass(frozen=True)
class Name:
    given: str
    middle: tuple[str, ...]
    surname_parts: tuple[str, ...]

    @classmethod
    def parse(cls, full_name: str) -> Name | None:
        tokens = fold(full_name).replace("-", " - ").split()
        words = [t for t in tokens if t != "-"]
        if not words:
            return None
        if len(words) == 1:
            return cls(given=words[0], middle=(), surname_parts=())
        # A hyphenated surname keeps all its parts: "Ann Smith-Jones" -> smith, jones.
        last = len(tokens) - 1
        while last >= 2 and tokens[last - 1] == "-":
            last -= 2
        surname = tuple(t for t in tokens[last:] if t != "-")
        before = [t for t in tokens[:last] if t != "-"]
        if not before:
            # Every word is joined by hyphens ("Ann - Smith"): the first is the given name.
            return cls(given=words[0], middle=(), surname_parts=tuple(words[1:]))
        return cls(given=before[0], middle=tuple(before[1:]), surname_parts=surname)

    @property
    def all_words(self) -> tuple[str, ...]:
        return (self.given, *self.middle, *self.surname_parts)


@cache
def phonetic(word: str) -> str:
    return jellyfish.metaphone(word) if word else ""


def word_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    similarity = jellyfish.jaro_winkler_similarity(a, b)
    if phonetic(a) == phonetic(b):
        similarity = max(similarity, 0.92)
    return similarity


def given_name_similarity(a: str, b: str) -> float:
    if _NAME_GROUP_OF.get(a, set()) & _NAME_GROUP_OF.get(b, set()):
        return max(0.95, word_similarity(a, b))
    return word_similarity(a, b)


def surname_similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """The best agreement between any part of one surname and any part of the other.
    Both sides list every surname known (current, earlier, aliases)."""
    a, b = tuple(a), tuple(b)
    if not a or not b:
        return 0.5  # not known on one side: neither for nor against
    best = max(word_similarity(x, y) for x in a for y in b)
    joined = max(word_similarity("".join(a), y) for y in b)
    return max(best, joined, max(word_similarity(x, "".join(b)) for x in a))


def name_similarity(a: Name, b: Name, a_surnames: tuple[str, ...], b_surnames: tuple[str, ...]) -> float:
    given = given_name_similarity(a.given, b.given)
    # First and last given the wrong way round, or a middle name used as the first.
    given = max(
        [given]
        + [0.9 * given_name_similarity(a.given, m) for m in b.middle]
        + [0.9 * given_name_similarity(m, b.given) for m in a.middle]
    )
    if given >= MIN_GIVEN_NAME_SCORE:
        return 0.5 * given + 0.5 * surname_similarity(a_surnames, b_surnames)
    # Given name and surname recorded the wrong way round ("Smith Casey").
    crossed = fuzz.token_sort_ratio(" ".join(a.all_words), " ".join(b.all_words)) / 100
    return 0.9 * crossed if crossed >= 0.95 else 0.5 * given


def date_of_birth_similarity(a: date | None, b: date | None) -> float:
    if a is None or b is None:
        return 0.5
    if a == b:
        return 1.0
    if (a.day, a.month) == (b.month, b.day) and a.year == b.year:
        return 0.9
    if abs((a - b).days) == 1:
        return 0.85
    if (a.month, a.day) == (b.month, b.day) and _one_digit_apart(a.year, b.year):
        return 0.8
    if a.year == b.year and (a.month == b.month or a.day == b.day):
        return 0.4
    return 0.0


def _one_digit_apart(x: int, y: int) -> bool:
    sx, sy = str(x), str(y)
    return len(sx) == len(sy) and sum(c != d for c, d in zip(sx, sy, strict=True)) == 1


def date_of_birth_variants(day: date) -> set[date]:
    """The dates a mistyped date of birth might have been: for finding candidates."""
    variants = {day, day - timedelta(days=1), day + timedelta(days=1)}
    if day.day <= 12 and day.day != day.month:
        # Always a real date: the new month is at most 12, the new day at most 12.
        variants.add(day.replace(month=day.day, day=day.month))
    return variants


@dataclass(frozen=True)
class Identity:
    """What is known about one person, already folded for comparison."""

    names: tuple[Name, ...]
    date_of_birth: date | None = None
    sex: str | None = None
    postcodes: frozenset[str] = frozenset()
    address_lines: tuple[str, ...] = ()
    school: str | None = None
    surnames: tuple[str, ...] = field(default=())

    @classmethod
    def of(
        cls,
        names: Iterable[str],
        date_of_birth: date | None = None,
        sex: str | None = None,
        addresses: Iterable[str] = (),
        school: str | None = None,
    ) -> Identity:
        parsed = tuple(n for n in (Name.parse(x) for x in names) if n is not None)
        addresses = [a for a in addresses if a]
        surnames = tuple(dict.fromkeys(part for n in parsed for part in n.surname_parts))
        return cls(
            names=parsed,
            date_of_birth=date_of_birth,
            sex=(sex or "").upper()[:1] or None,
            postcodes=frozenset(p for a in addresses for p in postcodes_in(a)),
            address_lines=tuple(fold(a.split(",")[0]) for a in addresses),
            school=fold(school) if school else None,
            surnames=surnames,
        )


@dataclass(frozen=True)
class Score:
    total: float
    name: float
    date_of_birth: float
    address: float
    school: float
    reasons: tuple[str, ...]

    @property
    def is_possible_match(self) -> bool:
        return self.total >= POSSIBLE_MATCH_SCORE and self.name >= MIN_NAME_SCORE and self.date_of_birth > 0.0


def address_similarity(a: Identity, b: Identity) -> float:
    if not (a.postcodes or a.address_lines) or not (b.postcodes or b.address_lines):
        return 0.0
    if a.postcodes & b.postcodes:
        return 1.0
    best = max(
        (fuzz.token_set_ratio(x, y) / 100 for x in a.address_lines for y in b.address_lines if x and y),
        default=0.0,
    )
    return best if best >= 0.85 else 0.0


def score(new: Identity, known: Identity) -> Score:
    """How alike two people's records are, with the reasons a worker is shown."""
    name = max(
        (name_similarity(a, b, new.surnames, known.surnames) for a in new.names for b in known.names),
        default=0.0,
    )
    dob = date_of_birth_similarity(new.date_of_birth, known.date_of_birth)
    address = address_similarity(new, known)
    school = 1.0 if new.school and new.school == known.school else 0.0
    surname_changed = False
    if name < MIN_NAME_SCORE and dob >= 0.85 and (address == 1.0 or school == 1.0):
        # A changed surname nobody has told us of: the same given name and
        # birthday at the same address or school still point to one child.
        given = max(
            (given_name_similarity(a.given, b.given) for a in new.names for b in known.names), default=0.0
        )
        if given >= 0.9:
            name, surname_changed = max(name, CHANGED_SURNAME_NAME_SCORE), True
    total = (
        WEIGHTS["name"] * name
        + WEIGHTS["date_of_birth"] * dob
        + WEIGHTS["address"] * address
        + WEIGHTS["school"] * school
    )
    if new.sex and known.sex and new.sex != known.sex and new.sex in "MF" and known.sex in "MF":
        total -= 0.15
    reasons = []
    if surname_changed:
        reasons.append("same given name; surname differs (changed?)")
    elif name >= 0.99:
        reasons.append("same name")
    elif name >= MIN_NAME_SCORE:
        reasons.append("similar name")
    if dob == 1.0:
        reasons.append("same date of birth")
    elif dob >= 0.8:
        reasons.append("date of birth nearly the same")
    if address == 1.0:
        reasons.append("same postcode, now or before")
    elif address > 0:
        reasons.append("similar address")
    if school:
        reasons.append("same school")
    return Score(round(total, 4), round(name, 4), dob, address, school, tuple(reasons))
