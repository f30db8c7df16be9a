"""Who must take part in a strategy discussion.

Working Together to Safeguard Children (2023) expects children's social
care, police and health at every strategy discussion. An agency with no
attendee must have the reason for its absence recorded. The task form checks
this to put each message beside its field; the service checks it again, for
every caller, with the same words.

Everyone who attended came for one of the agencies taking part in the
referral (app/participation): someone from another agency, such as the
child's school, is recorded once that agency has been invited.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.models.people import AgencyKind


@dataclass(frozen=True)
class RequiredAgency:
    kind: AgencyKind
    #: The answer that holds the reason the agency was absent.
    absence_reason_field: str
    #: The message when the agency neither attended nor has a reason recorded.
    message: str


REQUIRED_AGENCIES: tuple[RequiredAgency, ...] = (
    RequiredAgency(
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        "social_care_absence_reason",
        "Social care was not at the discussion: record a social care attendee "
        "or give the reason social care was absent",
    ),
    RequiredAgency(
        AgencyKind.POLICE,
        "police_absence_reason",
        "Police were not at the discussion: record a police attendee or give the reason police were absent",
    ),
    RequiredAgency(
        AgencyKind.HEALTH,
        "health_absence_reason",
        "Health was not at the discussion: record a health attendee or give the reason health was absent",
    ),
)


#: The message when an attendee's agency is not taking part in the referral.
NOT_TAKING_PART = (
    "Select one of the agencies taking part in this referral, or invite the attendee's agency first"
)


def attendees_not_taking_part(
    attendee_kinds: Iterable[str | None], kinds_taking_part: Iterable[str]
) -> dict[str, str]:
    """A message for each attendee whose agency is not one taking part, as {"attendees.N.agency_kind": message}.

    ``attendee_kinds`` are in the order they were sent; a blank one is left to the required check.
    """
    taking_part = {str(kind) for kind in kinds_taking_part}
    return {
        f"attendees.{index}.agency_kind": NOT_TAKING_PART
        for index, kind in enumerate(attendee_kinds)
        if kind and str(kind) not in taking_part
    }


def absences_without_reason(
    attendee_kinds: Iterable[str | None], answers: Mapping[str, Any]
) -> dict[str, str]:
    """The absence reasons still needed, as {answer name: message}.

    ``attendee_kinds`` are the agency kinds of the people who attended;
    ``answers`` holds the absence reasons by name (blank counts as none).
    """
    present = {str(kind) for kind in attendee_kinds if kind}
    return {
        agency.absence_reason_field: agency.message
        for agency in REQUIRED_AGENCIES
        if agency.kind.value not in present
        and not str(answers.get(agency.absence_reason_field) or "").strip()
    }
