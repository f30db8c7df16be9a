"""Clearly fictional demo agencies and accounts, for development only."""

from __future__ import annotations

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
    return created
