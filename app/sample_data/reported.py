"""What was reported on a generated case: its children and its notification, as rows."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from app.models import Notification, RoleName
from app.models.types import UTCDateTime
from app.sample_data.areas import POSTCODES, STAFF_FIRST_NAMES, TOWNS
from app.sample_data.fictional import (
    CHILD_FIRST,
    DEMEANOURS,
    DESCRIPTIONS,
    IMMEDIATE,
    NOT_RECORDED,
    NOT_SPOKEN_TO,
    PLACES_OF_SAFETY,
    REFERRERS,
    SCHOOLS,
    STREETS,
    SURNAMES,
    VOICES,
    VOICES_UNDER_3,
    below,
    choice,
    nhs_number,
    randint,
    weighted,
)
from app.sample_data.timeline import london_day

if TYPE_CHECKING:
    from app.sample_data.cases import Case

# What the notifier reported: every column of the notification but its keys and who submitted it when.
REPORTED_FIELDS = tuple(
    column.name
    for column in Notification.__table__.columns
    if column.name not in ("id", "referral_id", "submitted_by_id", "submitted_at")
)
REPORTED_TIMES = tuple(
    name for name in REPORTED_FIELDS if isinstance(Notification.__table__.c[name].type, UTCDateTime)
)


def children(case: Case) -> list[dict]:
    """The children named in the referral, one row each (the referral id is filled in by the batch)."""
    rng, flags = case.rng, case.plan.flags
    count = 1 if case.plan.incident == "child_in_custody" else weighted(rng, (1, 2, 3, 4), (45, 75, 92, 100))
    surname = choice(rng, SURNAMES)
    town = choice(rng, TOWNS[case.area.name])
    address = f"{randint(rng, 1, 119)} {choice(rng, STREETS)}, {town} {POSTCODES[case.area.name]}{randint(rng, 1, 8)} {randint(rng, 1, 8)}XX"
    incident = case.plan.incident
    occurred_day = london_day(case.received) - timedelta(days=1)
    older = incident in ("child_in_custody", "cse", "cce", "missing", "online_abuse")
    found: list[dict] = []
    heard_gap = flags.get("not_heard")
    gap_child = below(rng, count) if heard_gap else -1
    any_present = False
    for i in range(count):
        age = randint(rng, 12, 17) if older and i == 0 else randint(rng, 0, 16)
        dob = occurred_day - timedelta(days=age * 365 + randint(rng, 1, 359))
        sex = weighted(rng, ("1", "2", "0"), (49, 98, 100))
        name = f"{choice(rng, CHILD_FIRST[sex if sex != '0' else choice(rng, '12')])} {surname}"
        school = (
            None
            if age < 4
            else choice(rng, SCHOOLS[4 if age < 11 else 11 if age < 16 else 16]).format(town=town)
        )
        present = rng.random() < (0.8 if case.source == "6" else 0.5)
        if flags.get("none_present"):
            present = False
        child = {
            "full_name": name,
            "date_of_birth": dob,
            "sex": sex,
            "nhs_number": nhs_number(rng) if rng.random() < 0.75 else None,
            "address": address,
            "school": school,
            "present": present,
            "spoken_to": True,
            "not_spoken_to_reason": None,
            "voice": choice(rng, VOICES if age >= 3 else VOICES_UNDER_3),
            "voice_not_recorded_reason": None,
            "demeanour": choice(rng, DEMEANOURS),
            "demeanour_not_recorded_reason": None,
            "injuries": "Bruise to the upper arm."
            if incident == "physical_abuse" and i == 0 and rng.random() < 0.5
            else None,
        }
        if i == gap_child:
            if heard_gap == "spoken_to":
                child.update(
                    spoken_to=False,
                    not_spoken_to_reason=choice(rng, NOT_SPOKEN_TO),
                    voice=None,
                    voice_not_recorded_reason="Not spoken to",
                )
            elif heard_gap == "voice":
                child.update(voice=None, voice_not_recorded_reason=choice(rng, NOT_RECORDED))
            else:
                child.update(demeanour=None, demeanour_not_recorded_reason=choice(rng, NOT_RECORDED))
        any_present = any_present or present
        found.append(child)
    if incident == "domestic_abuse" and not any_present and not flags.get("none_present"):
        found[0]["present"] = True  # rule 7 plants need one; harmless elsewhere
    return found


def notification(case: Case) -> dict:
    """The notification row, as the notifier submitted it."""
    rng, flags, incident, received = case.rng, case.plan.flags, case.plan.incident, case.received
    occurred = received - timedelta(hours=rng.uniform(1, 30))
    row: dict = dict.fromkeys(REPORTED_FIELDS)
    police = case.source == "6"
    row.update(
        incident_type=incident,
        occurred_at=occurred.replace(microsecond=0),
        location=case.children[0]["address"]
        if incident != "child_in_custody"
        else f"{case.area.name} custody suite (fictional)",
        description=choice(rng, DESCRIPTIONS[incident]),
        immediate_action=choice(rng, IMMEDIATE),
        referrer_name=None if police else f"{choice(rng, STAFF_FIRST_NAMES)} Referrer-Example",
        referrer_organisation=None
        if police
        else REFERRERS.get(case.source, "Community organisation") + " (fictional)",
        dash_level=case.plan.cls.removeprefix("da_") if case.plan.cls.startswith("da_") else None,
        submitted_by_id=case.person(RoleName.POLICE if police else RoleName.SOCIAL_CARE).id,
        submitted_at=received,
        recorded_at=received,  # the notifier gave no time of their own record
    )
    if incident == "police_protection":
        started = occurred + timedelta(minutes=randint(rng, 5, 59))
        row.update(
            pp_started_at=started,
            pp_place_of_safety=choice(rng, PLACES_OF_SAFETY),
            pp_local_authority_informed_at=min(started + timedelta(minutes=randint(rng, 15, 179)), received),
        )
        rescinded = started + timedelta(hours=rng.uniform(6, 70))
        if not flags.get("pp_not_rescinded") and rescinded <= case.now:
            # Not yet rescinded is fine within 72 hours (only the last day's cases).
            row["pp_rescinded_at"] = rescinded
    if incident == "child_in_custody":
        arrived = occurred + timedelta(minutes=randint(rng, 20, 89))
        requested = arrived + timedelta(minutes=randint(rng, 5, 44))
        aa = flags.get("aa")
        if aa == "late":
            aa_arrived = requested + timedelta(hours=rng.uniform(5, 10))
        elif aa == "absent":
            aa_arrived = None
        else:
            aa_arrived = requested + timedelta(minutes=randint(rng, 30, 209))
        asked = rng.random() < 0.6 or flags.get("refusal_not_escalated")
        refused = bool(asked and (rng.random() < 0.4 or flags.get("refusal_not_escalated")))
        row.update(
            custody_arrived_at=arrived,
            custody_aa_requested_at=requested,
            custody_aa_arrived_at=aa_arrived,
            custody_healthcare_assessed=rng.random() < 0.85,
            custody_accommodation_requested=bool(asked),
            custody_accommodation_refused=refused if asked else None,
            custody_refusal_escalated=(not flags.get("refusal_not_escalated")) if refused else None,
        )
        # Everything reported happened before the notification was received.
        latest = max(t for t in (arrived, requested, aa_arrived) if t is not None)
        if latest > received:
            shift = latest - received + timedelta(minutes=10)
            for key in (
                "occurred_at",
                "custody_arrived_at",
                "custody_aa_requested_at",
                "custody_aa_arrived_at",
            ):
                if row[key] is not None:
                    row[key] -= shift
    waited = flags.get("waited_hours")
    if waited:  # planted in gap 16: recorded by the notifier long before it reached the MASH
        row["recorded_at"] = received - timedelta(hours=waited)
        earliest = row["recorded_at"] - timedelta(minutes=30)
        if row["occurred_at"] > earliest:
            shift = row["occurred_at"] - earliest
            for key in REPORTED_TIMES:
                if (
                    key not in ("recorded_at", "submitted_at")
                    and row[key] is not None
                    and row[key] < received
                ):
                    row[key] -= shift
    for key in REPORTED_TIMES:
        if row[key] is not None:
            row[key] = row[key].replace(microsecond=0)
    return row
