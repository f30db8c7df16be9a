"""The people on generated referrals: a person record for every child and adult, their
involvements, missing episodes and possible matches, with repeat histories.

Cases are given their people in the order of receipt, so a family named again
is one known already:

- A gap-free case is sometimes about a family already known in its area
  (`REPEAT`): the same children and carer, perhaps at a new address or under
  a new surname, perhaps with a new brother or sister. It is only linked when
  that keeps every case gap-free: no second closure with no further action in
  12 months, and never a third missing episode in 90 days.
- Planted cases whose gap is about a history (12, 14 and 15) carry a family
  key in their flags (see `app.sample_data.planting`): every case with the same
  key is about the same family, and no other case is.
- New families sometimes have twins, and the small lists of fictional names
  give common names that are different people; a few of those were offered as
  possible matches and rejected.

The rows are plain dicts, as the rest of the generator's; ids are reserved here,
per batch, so that involvements, episodes and matches can point at them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.audit.gaps.possible_match_unresolved import latest_offered
from app.domain.matching import postcodes_in
from app.models import Child
from app.models.missing import RETURN_HOME_INTERVIEW_HOURS, MissingEpisode
from app.models.persons import Involvement, Person, PersonAddress, PersonName, PossibleMatch
from app.people.history import NINETY_DAYS, TWELVE_MONTHS
from app.people.services import given_sound, surname_sound
from app.sample_data.areas import POSTCODES, TOWNS
from app.sample_data.bulk_writer import BulkWriter
from app.sample_data.cases import Case
from app.sample_data.fictional import (
    ADULT_FIRST,
    FOUND_WHERE,
    FOUND_WITH,
    INTERVIEW_DECLINED,
    INTERVIEW_FINDINGS,
    STREETS,
    SURNAMES,
    choice,
    randint,
)
from app.sample_data.timeline import london_day

# How often a gap-free case is about a family already known, and how far back it looks for one.
REPEAT = 0.25
RECENT_FAMILIES = 400
# Of the families named again: a move, a new surname.
MOVED, RENAMED = 0.2, 0.08
TWINS = 0.06
# A new person sharing a name with someone already known: how often that was offered and rejected.
SAME_NAME_OFFERED = 0.3
OLDER_INCIDENTS = ("child_in_custody", "cse", "cce", "missing", "online_abuse")
HOUR = timedelta(hours=1)


@dataclass(slots=True, eq=False)
class Known:
    """A person the generator has recorded, and the history the gaps read."""

    row: dict
    names: set[str]
    addresses: set[str]
    missing: list[datetime] = field(default_factory=list)  # when each missing episode was reported
    nfa_closed: list[datetime] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Family:
    children: list[Known]
    carer: Known
    surname: str
    address: str
    suspect: Known | None = None


@dataclass(slots=True, eq=False)
class Rows:
    """One batch's rows of the people tables (ids reserved in `PeopleRegister.write`)."""

    persons: list[dict] = field(default_factory=list)
    names: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    involvements: list[tuple[dict, Known]] = field(default_factory=list)
    episodes: list[tuple[dict, dict]] = field(default_factory=list)  # with the child's row
    matches: list[tuple[dict, dict, Known]] = field(default_factory=list)  # with the involvement, candidate


class PeopleRegister:
    """Everyone named so far, by area: families to name again, and names to find again."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.families: dict[str, list[Family]] = {}  # reusable (gap-free) families by area
        self.keyed: dict[str, Family] = {}  # planted families by key
        self.by_name: dict[tuple[str, str], Known] = {}  # (area, full name) -> the first person of that name
        self.latest_offered = latest_offered(now)  # a match offered before this is in gap 15
        self.rows = Rows()

    # ------------------------------------------------------------------ one case

    def name_people(self, case: Case) -> None:
        """Link each child and adult on the case to a person, new or known, and add its episodes and matches."""
        plan = case.plan
        rng = random.Random(plan.seed + 7)
        key = plan.flags.get("family")
        family = self.keyed.get(key) if key else None
        if family is None and not key and not plan.slugs and not plan.flags.get("match_of"):
            family = self._known_family(case, rng)
        new_family = family is None
        if new_family:
            family = self._new_family(case, rng)
            if key:
                self.keyed[key] = family
            elif not plan.slugs and not plan.flags.get("match_of"):
                self.families.setdefault(case.area.name, []).append(family)
        else:
            self._moved_or_renamed(case, family, rng)
        child_persons = []
        for i, child in enumerate(case.children):
            child["id"] = None  # reserved with the batch
            if not new_family:
                if i >= len(family.children):  # a brother or sister not named before
                    first = child["full_name"].split()[0]
                    child.update(full_name=f"{first} {family.surname}", address=family.address)
                    family.children.append(self._new_person(case, child, rng))
                else:
                    self._as_known(case, child, family.children[i], family)
            child_persons.append(family.children[i])
        candidate = self._unconfirmed_likeness(case, child_persons) if plan.flags.get("match_of") else None
        for child, known in zip(case.children, child_persons, strict=True):
            self._involve(case, known, "child", child)
        if candidate is not None:
            offered = case.received + timedelta(minutes=randint(rng, 2, 30))
            self._match(
                case,
                child_persons[0],
                candidate,
                offered,
                "open",
                0.86,
                ["Same name", "Date of birth one day out"],
            )
        carer_role = "victim" if plan.incident == "domestic_abuse" else "parent_carer"
        self._involve(case, family.carer, carer_role, None, family.address)
        if plan.incident in ("domestic_abuse", "person_posing_risk"):
            if family.suspect is None:
                family.suspect = self._new_adult(case, rng, "1", choice(rng, SURNAMES), family.address)
            self._involve(case, family.suspect, "suspect", None, family.address)
        if plan.incident == "missing":
            self._missing_episodes(case, child_persons, rng)
        if case.referral["status"] == "closed" and case.referral["outcome"] == "nfa":
            for known in child_persons:
                known.nfa_closed.append(case.referral["closed_at"])
        if not plan.slugs and not key:
            self._same_name_offers(case, child_persons, new_family, rng)

    def _known_family(self, case: Case, rng: random.Random) -> Family | None:
        """A family already known in the area that this gap-free case can be about, if it draws one."""
        if rng.random() >= REPEAT:
            return None
        known = self.families.get(case.area.name, [])[-RECENT_FAMILIES:]
        for _ in range(3):
            if not known:
                return None
            family = known[int(rng.random() * len(known))]
            if self._fits(case, family):
                return family
        return None

    def _fits(self, case: Case, family: Family) -> bool:
        """Whether naming the family on this case keeps it a child, and every case gap-free."""
        incident_day = london_day(case.notification["occurred_at"])
        referral = case.referral
        closed_nfa = referral["status"] == "closed" and referral["outcome"] == "nfa"
        reported = case.notification["occurred_at"]
        for i, known in enumerate(family.children[: len(case.children)]):
            born = known.row["date_of_birth"]
            if born > incident_day or (incident_day - born).days >= 17 * 365:
                return False
            if i == 0 and case.plan.incident in OLDER_INCIDENTS and (incident_day - born).days < 11 * 365:
                return False
            if closed_nfa and any(
                abs(referral["closed_at"] - at) <= TWELVE_MONTHS for at in known.nfa_closed
            ):
                return False
            if (
                case.plan.incident == "missing"
                and sum(abs(reported - at) <= NINETY_DAYS + timedelta(days=1) for at in known.missing) >= 1
            ):
                return False
        return True

    def _new_family(self, case: Case, rng: random.Random) -> Family:
        children = case.children
        if len(children) > 1 and rng.random() < TWINS:
            children[1]["date_of_birth"] = children[0]["date_of_birth"]
        surname = children[0]["full_name"].split()[-1]
        address = children[0]["address"]
        persons = [self._new_person(case, child, rng) for child in children]
        eldest = min(c["date_of_birth"] for c in children)
        carer = self._new_adult(case, rng, "2", surname, address, eldest)
        return Family(persons, carer, surname, address)

    def _moved_or_renamed(self, case: Case, family: Family, rng: random.Random) -> None:
        if rng.random() < MOVED:
            area = case.area.name
            town = choice(rng, TOWNS[area])
            family.address = (
                f"{randint(rng, 1, 119)} {choice(rng, STREETS)}, {town} "
                f"{POSTCODES[area]}{randint(rng, 1, 8)} {randint(rng, 1, 8)}XX"
            )
        if rng.random() < RENAMED:
            family.surname = choice(rng, [s for s in SURNAMES if s != family.surname])

    def _as_known(self, case: Case, child: dict, known: Known, family: Family) -> None:
        """The child's row on this case, as the notifier wrote down a child already known."""
        first = known.row["full_name"].split()[0]
        child.update(
            full_name=f"{first} {family.surname}",
            date_of_birth=known.row["date_of_birth"],
            sex=known.row["sex"],
            nhs_number=known.row["nhs_number"] if child["nhs_number"] else None,
            address=family.address,
        )
        if case.plan.incident != "child_in_custody":
            case.notification["location"] = family.address

    # ------------------------------------------------------------------ rows

    def _new_person(self, case: Case, child: dict, rng: random.Random) -> Known:
        row = {
            "local_authority_area": case.area.name,
            "full_name": child["full_name"],
            "date_of_birth": child["date_of_birth"],
            "sex": child["sex"],
            "nhs_number": child["nhs_number"],
            "school": child["school"],
            "child_protection_plan": False,
            "child_in_need": False,
            "looked_after": rng.random() < 0.04,
            "registered_sex_offender": False,
            "merged_into_id": None,
            "created_at": case.received,
        }
        return self._record(row, case)

    def _new_adult(
        self, case: Case, rng: random.Random, sex: str, surname: str, address: str, eldest=None
    ) -> Known:
        eldest = eldest or min(c["date_of_birth"] for c in case.children)
        row = {
            "local_authority_area": case.area.name,
            "full_name": f"{choice(rng, ADULT_FIRST[sex])} {surname}",
            "date_of_birth": eldest - timedelta(days=randint(rng, 19 * 365, 36 * 365)),
            "sex": sex,
            "nhs_number": None,
            "school": None,
            "child_protection_plan": False,
            "child_in_need": False,
            "looked_after": False,
            "registered_sex_offender": sex == "1" and rng.random() < 0.02,
            "merged_into_id": None,
            "created_at": case.received,
        }
        known = self._record(row, case)
        self._address(known, address, case.received)
        return known

    def _record(self, row: dict, case: Case) -> Known:
        self.rows.persons.append(row)
        known = Known(row, set(), set())
        self._name(known, row["full_name"], "current")
        self.by_name.setdefault((case.area.name, row["full_name"]), known)
        return known

    def _name(self, known: Known, full_name: str, kind: str) -> None:
        if full_name in known.names:
            return
        known.names.add(full_name)
        born = known.row["date_of_birth"]
        self.rows.names.append(
            {
                "person": known,
                "kind": kind,
                "full_name": full_name,
                "surname_sound": surname_sound(full_name),
                "given_sound": given_sound(full_name),
                "birth_year": born.year if born else None,
                "date_of_birth": born,
                "local_authority_area": known.row["local_authority_area"],
            }
        )

    def _address(self, known: Known, address: str, at: datetime) -> None:
        if address in known.addresses:
            return
        known.addresses.add(address)
        postcode = next(iter(sorted(postcodes_in(address))), None)
        self.rows.addresses.append(
            {"person": known, "address": address, "postcode": postcode, "first_recorded_at": at}
        )

    def _involve(
        self, case: Case, known: Known, role: str, child: dict | None, address: str | None = None
    ) -> dict:
        name = child["full_name"] if child else known.row["full_name"]
        address = child["address"] if child else address
        self._name(known, name, "alias")
        self._address(known, address, case.received)
        involvement = {
            "referral_id": None,
            "role": role,
            "child": child,
            "full_name": name,
            "date_of_birth": known.row["date_of_birth"],
            "address": address,
            "recorded_at": case.received,
        }
        case_rows = self.rows.involvements
        case_rows.append((involvement, known))
        involvement["case"] = case
        return involvement

    def _missing_episodes(self, case: Case, children: list[Known], rng: random.Random) -> None:
        """One episode for each child the missing notification names, as the services record them."""
        flags, now = case.plan.flags, self.now
        reported = case.notification["occurred_at"]
        received = case.received
        absent = not flags.get("family") and not flags.get("interview") and rng.random() < 0.15
        still_missing = (
            received > now - timedelta(days=1) and rng.random() < 0.2 and not flags.get("interview")
        )
        found = None if still_missing else reported + (received - reported) * rng.uniform(0.3, 0.9)
        looked_after = any(k.row["looked_after"] for k in children)
        recorder = case.person("Social care").id
        for child, known in zip(case.children, children, strict=True):
            row = {
                "referral_id": None,
                "child_id": None,
                "kind": "absent" if absent else "missing",
                "missing_from": "care_placement"
                if looked_after
                else ("school" if rng.random() < 0.05 else "home"),
                "reported_at": reported,
                "found_at": found.replace(microsecond=0) if found else None,
                "found_where": choice(rng, FOUND_WHERE) if found else None,
                "found_with": choice(rng, FOUND_WITH) if found else None,
                "looked_after": looked_after,
                "interview_status": "not_yet",
                "interview_offered_at": None,
                "interview_held_at": None,
                "interview_findings": None,
                "interview_declined_reason": None,
                "interview_recorded_by_id": None,
                "created_at": received,
            }
            self._interview(row, rng, flags.get("interview"), recorder)
            self.rows.episodes.append((row, child))
            if not absent:
                known.missing.append(reported)
            row["case"] = case

    def _interview(self, row: dict, rng: random.Random, planted: str | None, recorder: int) -> None:
        """The return home interview: recorded in time on gap-free cases, awaited past 72 hours on planted ones."""
        found = row["found_at"]
        if found is None:
            return
        due = found + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS)
        offered = found + timedelta(hours=rng.uniform(2, 40))
        if planted or due >= self.now:
            if (planted == "offered" or (not planted and rng.random() < 0.5)) and offered < self.now:
                row.update(
                    interview_status="offered",
                    interview_offered_at=offered,
                    interview_recorded_by_id=recorder,
                )
            return
        held = offered + timedelta(hours=rng.uniform(1, 28))
        if rng.random() < 0.8:
            row.update(
                interview_status="done",
                interview_offered_at=offered,
                interview_held_at=held,
                interview_findings=choice(rng, INTERVIEW_FINDINGS),
            )
        else:
            row.update(
                interview_status="declined",
                interview_offered_at=offered,
                interview_declined_reason=choice(rng, INTERVIEW_DECLINED),
            )
        row["interview_recorded_by_id"] = recorder

    def _unconfirmed_likeness(self, case: Case, children: list[Known]) -> Known | None:
        """Planted in gap 15: the first child is a child already known, written down without an NHS
        number and a day out on the date of birth, so the matcher offered the known record (returned)
        as a possible match; nobody has confirmed or rejected it."""
        family = self.keyed.get(case.plan.flags["match_of"])
        if family is None:
            return None
        known = family.children[0]
        child = case.children[0]
        child.update(
            full_name=known.row["full_name"],
            date_of_birth=known.row["date_of_birth"] + timedelta(days=1),
            sex=known.row["sex"],
            nhs_number=None,
        )
        first = children[0]
        if self.by_name.get((case.area.name, first.row["full_name"])) is first:
            del self.by_name[(case.area.name, first.row["full_name"])]
        first.row.update(
            full_name=child["full_name"],
            date_of_birth=child["date_of_birth"],
            sex=child["sex"],
            nhs_number=None,
        )
        first.names.clear()
        self.rows.names = [n for n in self.rows.names if n["person"] is not first]
        self._name(first, child["full_name"], "current")
        return known

    def _same_name_offers(
        self, case: Case, children: list[Known], new_family: bool, rng: random.Random
    ) -> None:
        """Common names: a new child sharing a name with another child already known (a different
        person) was sometimes offered as a possible match: rejected at triage, or, on a case
        received in the last working hours, not yet looked at."""
        if not new_family:
            return
        for known in children:
            other = self.by_name.get((case.area.name, known.row["full_name"]))
            if other is None or other is known or rng.random() >= SAME_NAME_OFFERED:
                continue
            offered = case.received + timedelta(minutes=randint(rng, 2, 30))
            triage = next((s for s in case.steps if s["step"] == "triage"), None)
            if triage is not None and triage["at"] > offered:
                self._match(
                    case,
                    known,
                    other,
                    offered,
                    "rejected",
                    0.74,
                    ["Same name"],
                    triage["at"],
                    case.person("Social care").id,
                )
            elif triage is None and offered >= self.latest_offered and offered <= self.now:
                self._match(case, known, other, offered, "open", 0.74, ["Same name"])

    def _match(
        self,
        case: Case,
        known: Known,
        candidate: Known,
        offered: datetime,
        status: str,
        score: float,
        reasons: list[str],
        resolved_at: datetime | None = None,
        resolved_by_id: int | None = None,
    ) -> None:
        involvement = next(
            inv for inv, k in reversed(self.rows.involvements) if k is known and inv["case"] is case
        )
        row = {
            "referral_id": None,
            "score": score,
            "reasons": reasons,
            "status": status,
            "created_at": offered.replace(microsecond=0),
            "resolved_at": resolved_at,
            "resolved_by_id": resolved_by_id,
        }
        row["case"] = case
        self.rows.matches.append((row, involvement, candidate))

    # ------------------------------------------------------------------ the batch

    def write(self, writer: BulkWriter, referral_ids: dict[int, int], tables: dict) -> None:
        """Give this batch's people rows their ids and add them to `tables` (table -> rows).

        `referral_ids` maps id(case) to the case's referral id; the children's rows get their ids here.
        """
        rows = self.rows
        child_rows = [inv["child"] for inv, _ in rows.involvements if inv["child"] is not None]
        for child, child_id in zip(
            child_rows, writer.reserve_ids(Child.__table__, len(child_rows)), strict=True
        ):
            child["id"] = child_id
        for person, person_id in zip(
            rows.persons, writer.reserve_ids(Person.__table__, len(rows.persons)), strict=True
        ):
            person["id"] = person_id
        involvement_ids = writer.reserve_ids(Involvement.__table__, len(rows.involvements))
        for (involvement, known), involvement_id in zip(rows.involvements, involvement_ids, strict=True):
            child = involvement.pop("child")
            involvement.update(
                id=involvement_id,
                referral_id=referral_ids[id(involvement.pop("case"))],
                person_id=known.row["id"],
                child_id=child["id"] if child is not None else None,
            )
        for name in rows.names:
            name["person_id"] = name.pop("person").row["id"]
        for address in rows.addresses:
            address["person_id"] = address.pop("person").row["id"]
        for episode, child in rows.episodes:
            episode.update(referral_id=referral_ids[id(episode.pop("case"))], child_id=child["id"])
        for match, involvement, candidate in rows.matches:
            match.update(
                referral_id=referral_ids[id(match.pop("case"))],
                involvement_id=involvement["id"],
                candidate_id=candidate.row["id"],
            )
        tables[Person.__table__] = rows.persons
        tables[PersonName.__table__] = rows.names
        tables[PersonAddress.__table__] = rows.addresses
        tables[Involvement.__table__] = [inv for inv, _ in rows.involvements]
        tables[MissingEpisode.__table__] = [episode for episode, _ in rows.episodes]
        tables[PossibleMatch.__table__] = [match for match, _, _ in rows.matches]
        self.rows = Rows()
