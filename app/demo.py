"""Clearly fictional demo agencies and accounts, for development only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, AgencyKind, Role, RoleName, User
from app.passwords import hash_password

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - fictional demo accounts, refused in production

DEMO_AGENCIES: list[tuple[str, AgencyKind]] = [
    ("Northshire Police", AgencyKind.POLICE),
    ("Northshire Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("Northshire Health", AgencyKind.HEALTH),
    ("Northshire Schools", AgencyKind.EDUCATION),
]

# email, name, job title, agency, roles
DEMO_USERS: list[tuple[str, str, str, str, tuple[RoleName, ...]]] = [
    (
        "police@northshire.example",
        "Pat Demo-Officer",
        "MASH police researcher",
        "Northshire Police",
        (RoleName.POLICE,),
    ),
    (
        "social.worker@northshire.example",
        "Sam Demo-Social-Worker",
        "MASH social worker",
        "Northshire Children's Services",
        (RoleName.SOCIAL_CARE,),
    ),
    (
        "health@northshire.example",
        "Hari Demo-Nurse",
        "MASH health practitioner",
        "Northshire Health",
        (RoleName.HEALTH,),
    ),
    (
        "manager@northshire.example",
        "Morgan Demo-Manager",
        "MASH team manager",
        "Northshire Children's Services",
        (RoleName.MASH_MANAGER,),
    ),
    (
        "admin@northshire.example",
        "Ash Demo-Admin",
        "System administrator",
        "Northshire Children's Services",
        (RoleName.ADMINISTRATOR,),
    ),
]


def load_demo_data() -> dict[str, int]:
    """Create what is missing and leave the rest alone, so running it twice is harmless."""
    created = {"agencies": 0, "users": 0}
    agencies: dict[str, Agency] = {}
    for name, kind in DEMO_AGENCIES:
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
        if agency is None:
            agency = Agency(name=name, kind=kind, local_authority_area="Northshire")
            db.session.add(agency)
            created["agencies"] += 1
        agencies[name] = agency
    db.session.flush()
    password_hash = None
    for email, name, job_title, agency_name, roles in DEMO_USERS:
        if User.by_email(email) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        db.session.add(
            User(
                email=email,
                full_name=name,
                job_title=job_title,
                agency=agencies[agency_name],
                roles=[Role.get_or_create(r) for r in roles],
                password_hash=password_hash,
            )
        )
        created["users"] += 1
    db.session.flush()
    created["referrals"] = load_demo_cases()
    return created


def _demo_child(name: str, dob: date, **details) -> dict:
    base = {
        "full_name": name, "date_of_birth": dob, "sex": "2", "nhs_number": None,
        "address": "12 Fictional Close, Northshire NS1 0AA", "school": "Northshire Primary (fictional)",
        "present": False, "spoken_to": False, "not_spoken_to_reason": "Not yet seen: referral received from school",
        "voice": None, "voice_not_recorded_reason": "Not yet spoken to by any agency",
        "demeanour": None, "demeanour_not_recorded_reason": "Not yet seen by any agency", "injuries": None,
    }
    return {**base, **details}


def _demo_cases() -> list[tuple[str, dict]]:
    """Fictional referrals after the patterns in the case studies (names invented)."""
    now = datetime.now(UTC).replace(microsecond=0)
    empty = {k: None for k in (
        "dash_level", "pp_started_at", "pp_place_of_safety", "pp_local_authority_informed_at", "pp_rescinded_at",
        "custody_arrived_at", "custody_aa_requested_at", "custody_aa_arrived_at", "custody_healthcare_assessed",
        "custody_accommodation_requested", "custody_accommodation_refused", "custody_refusal_escalated",
    )}
    school_disclosure = {
        **empty, "referral_source": "2A", "incident_type": "physical_abuse", "occurred_at": now - timedelta(hours=3),
        "location": "Northshire Academy (fictional)", "referrer_name": "Demo Teacher", "referrer_organisation": "Northshire Academy (fictional)",
        "description": "A 13-year-old told her teacher her stepfather assaulted her, and that her siblings (7, 5 and 3) were assaulted by their mother and stepfather.",
        "immediate_action": "Designated safeguarding lead kept her in school and phoned the MASH.",
        "children": [
            _demo_child("Demo Child-One", date(2013, 5, 14), school="Northshire Academy (fictional)", present=True, spoken_to=True,
                        not_spoken_to_reason=None, voice="She said she is scared to go home.", voice_not_recorded_reason=None,
                        demeanour="Tearful but calm with her teacher.", demeanour_not_recorded_reason=None, injuries="Bruise to upper arm."),
            _demo_child("Demo Child-Two", date(2019, 2, 3)),
            _demo_child("Demo Child-Three", date(2021, 7, 22)),
            _demo_child("Demo Child-Four", date(2023, 1, 9), school=None),
        ],
    }
    custody = {
        **empty, "referral_source": "6", "incident_type": "child_in_custody", "occurred_at": now - timedelta(hours=60),
        "location": "Northshire Central custody suite (fictional)",
        "description": "A 15-year-old arrested for robbery; bail refused; held until court.",
        "immediate_action": "Local authority asked for secure accommodation; none found.",
        "custody_arrived_at": now - timedelta(hours=58), "custody_aa_requested_at": now - timedelta(hours=57),
        "custody_aa_arrived_at": now - timedelta(hours=50), "custody_healthcare_assessed": False,
        "custody_accommodation_requested": True, "custody_accommodation_refused": True, "custody_refusal_escalated": False,
        "children": [
            _demo_child("Demo Young-Person", date(2011, 3, 1), sex="1", present=True, spoken_to=True, not_spoken_to_reason=None,
                        voice="He said nobody told him what was happening.", voice_not_recorded_reason=None,
                        demeanour="Withdrawn, tired.", demeanour_not_recorded_reason=None, school="Northshire College (fictional)"),
        ],
    }
    return [("social.worker@northshire.example", school_disclosure), ("police@northshire.example", custody)]


def load_demo_cases() -> int:
    """Add the demo referrals once, when there are none yet."""
    from app.models import Referral
    from app.referrals.services import create_referral

    if db.session.scalar(select(Referral.id).limit(1)) is not None:
        return 0
    for email, case in _demo_cases():
        create_referral(User.by_email(email), case)
    db.session.flush()
    return len(_demo_cases())
