"""Who owns the next step of a case in a gap: how the dashboard breaks each gap down by agency."""

from __future__ import annotations

from sqlalchemy import case

from app.models.people import AgencyKind

SOCIAL_CARE, POLICE, HEALTH, MANAGER, OTHER = "social_care", "police", "health", "manager", "other"
OWNER_LABELS = {
    SOCIAL_CARE: "Social care",
    POLICE: "Police",
    HEALTH: "Health",
    MANAGER: "Manager",
    OTHER: "Other",
}
KIND_OWNER = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: SOCIAL_CARE,
    AgencyKind.POLICE: POLICE,
    AgencyKind.HEALTH: HEALTH,
}
# The owners the dashboard breaks each gap down by.
COUNTED_OWNERS = (SOCIAL_CARE, POLICE, HEALTH, MANAGER)

# In the audit facts a case's owners in a gap are a bit set; 0 means it is not in the gap.
OWNER_BITS = {SOCIAL_CARE: 1, POLICE: 2, HEALTH: 4, MANAGER: 8, OTHER: 16}


def owner_if(condition, owner: str):
    """The owner's bit when `condition` holds, else 0 (add them up for more than one owner)."""
    return case((condition, OWNER_BITS[owner]), else_=0)


def owner_of_kind(kind_column):
    """The bit of the owner for an agency kind column: social care, police, health, or other."""
    return case(
        *((kind_column == kind, OWNER_BITS[o]) for kind, o in KIND_OWNER.items()), else_=OWNER_BITS[OTHER]
    )
