"""The two generated areas, Northshire (the demo area) and Southvale, with their agencies and staff."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, AgencyKind, Role, RoleName, User
from app.passwords import hash_password
from app.sample_data.demo import DEMO_AGENCIES, DEMO_PASSWORD

SOUTHVALE_AGENCIES: list[tuple[str, AgencyKind]] = [
    ("Southvale Police", AgencyKind.POLICE),
    ("Southvale Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("Southvale Health", AgencyKind.HEALTH),
    ("Southvale Schools", AgencyKind.EDUCATION),
]

AREA_WEIGHTS = {"Northshire": 3, "Southvale": 2}
TOWNS = {
    "Northshire": ["Northtown", "Ashby Parva", "Kettlewick", "Holmbridge"],
    "Southvale": ["Southmere", "Vale Cross", "Brookhampton", "Lowerby"],
}
POSTCODES = {"Northshire": "NS", "Southvale": "SV"}

# role, agency kind, name suffix, job title, how many per area
STAFF: list[tuple[RoleName, AgencyKind, str, str, int]] = [
    (RoleName.POLICE, AgencyKind.POLICE, "Officer", "MASH police researcher", 3),
    (RoleName.SOCIAL_CARE, AgencyKind.CHILDRENS_SOCIAL_CARE, "Social-Worker", "MASH social worker", 4),
    (RoleName.HEALTH, AgencyKind.HEALTH, "Nurse", "MASH health practitioner", 2),
    (RoleName.MASH_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE, "Manager", "MASH team manager", 2),
]
STAFF_FIRST_NAMES = [
    "Robin",
    "Jo",
    "Alex",
    "Charlie",
    "Jamie",
    "Drew",
    "Casey",
    "Riley",
    "Avery",
    "Frankie",
    "Sasha",
]
LANE_ROLE = {
    "Police": RoleName.POLICE,
    "Social care": RoleName.SOCIAL_CARE,
    "Health": RoleName.HEALTH,
    "Manager": RoleName.MASH_MANAGER,
}


@dataclass
class Person:
    id: int
    name: str
    agency_id: int
    job_title: str


@dataclass
class Area:
    name: str
    mash_agency_ids: list[int]
    agency_names: dict[AgencyKind, str]
    agency_ids_by_kind: dict[AgencyKind, int]
    staff: dict[RoleName, list[Person]] = field(default_factory=dict)
    users: dict[RoleName, list[User]] = field(default_factory=dict)


# The demo area's agencies by the same names, so `flask demo load` and the generator share them.
AREA_AGENCIES: dict[str, list[tuple[str, AgencyKind]]] = {
    "Northshire": DEMO_AGENCIES,
    "Southvale": SOUTHVALE_AGENCIES,
}


def ensure_areas() -> dict[str, Area]:
    """The two areas' agencies and generated staff, created if missing (running twice is harmless)."""
    areas: dict[str, Area] = {}
    password_hash: str | None = None
    for area_name, agencies in AREA_AGENCIES.items():
        rows: list[Agency] = []
        for name, kind in agencies:
            agency = db.session.scalar(select(Agency).where(Agency.name == name))
            if agency is None:
                agency = Agency(name=name, kind=kind, local_authority_area=area_name)
                db.session.add(agency)
            rows.append(agency)
        db.session.flush()
        in_area = db.session.scalars(
            select(Agency).where(Agency.local_authority_area == area_name).order_by(Agency.id)
        ).all()
        by_kind = {a.kind: a for a in rows}
        area = Area(
            area_name,
            mash_agency_ids=[a.id for a in in_area if a.kind.in_every_referral],
            agency_names={k: a.name for k, a in by_kind.items()},
            agency_ids_by_kind={k: a.id for k, a in by_kind.items()},
        )
        for role, kind, suffix, job_title, count in STAFF:
            area.staff[role], area.users[role] = [], []
            for i in range(1, count + 1):
                email = f"generated.{role.value.replace('_', '-')}.{i}@{area_name.lower()}.example"
                user = User.by_email(email)
                if user is None:
                    password_hash = password_hash or hash_password(DEMO_PASSWORD)
                    first = STAFF_FIRST_NAMES[(i * 3 + len(suffix) + len(area_name)) % len(STAFF_FIRST_NAMES)]
                    user = User(
                        email=email,
                        full_name=f"{first} Example-{suffix}",
                        job_title=f"{job_title} (generated)",
                        agency=by_kind[kind],
                        roles=[Role.get_or_create(role)],
                        password_hash=password_hash,
                    )
                    db.session.add(user)
                    db.session.flush()
                area.users[role].append(user)
                area.staff[role].append(
                    Person(user.id, user.full_name, user.agency_id, user.job_title or job_title)
                )
        areas[area_name] = area
    return areas
