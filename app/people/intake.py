"""Who a new notification or contact names: the checks on the adults, and everyone as the
people services take them."""

from __future__ import annotations

from datetime import date, datetime

from app.domain.clock import london_date, london_today
from app.models import Child, Referral
from app.models.persons import ADULT_ROLES, PersonRole
from app.people.services import Named

ADULT_FIELDS = ("role", "full_name", "date_of_birth", "sex", "nhs_number", "address")


def check_adults(adults: list[dict], occurred_at: datetime) -> dict[str, str]:
    """The adults named (parents and carers, victims, suspects, household members, referrers)."""
    errors: dict[str, str] = {}
    incident_day = london_date(occurred_at)
    for i, adult in enumerate(adults):
        key = f"people.{i}"
        unknown = sorted(set(adult) - set(ADULT_FIELDS))
        if unknown:
            errors[key] = f"These details are not recorded for an adult: {', '.join(unknown)}"
            continue
        if adult.get("role") not in {r.value for r in ADULT_ROLES}:
            errors[f"{key}.role"] = "Select the person's role: " + ", ".join(
                r.label.lower() for r in ADULT_ROLES
            )
        if not (adult.get("full_name") or "").strip():
            errors[f"{key}.full_name"] = "Enter the person's name, or 'Not known'"
        dob = adult.get("date_of_birth")
        if dob is not None:
            if not isinstance(dob, date):
                errors[f"{key}.date_of_birth"] = "Enter the date of birth as a real date"
            elif dob > london_today():
                errors[f"{key}.date_of_birth"] = "Date of birth must be in the past"
            elif Child(date_of_birth=dob).age_on(incident_day) < 18 and adult.get("role") != "victim":
                errors[f"{key}.date_of_birth"] = (
                    f"{adult.get('full_name') or 'This person'} was under 18 on the date of the incident. "
                    "Add them as a child, or check the date of birth"
                )
    return errors


def named_on(referral: Referral, data: dict) -> list[Named]:
    named = [
        Named(
            role=PersonRole.CHILD,
            full_name=child.full_name,
            date_of_birth=child.date_of_birth,
            sex=child.sex,
            nhs_number=child.nhs_number,
            address=child.address,
            school=child.school,
            child=child,
        )
        for child in referral.children
    ]
    for adult in data.get("people") or []:
        named.append(
            Named(
                role=PersonRole(adult["role"]),
                full_name=adult["full_name"].strip(),
                date_of_birth=adult.get("date_of_birth"),
                sex=adult.get("sex"),
                nhs_number=adult.get("nhs_number"),
                address=adult.get("address"),
            )
        )
    return named
