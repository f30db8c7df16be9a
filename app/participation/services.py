"""Who takes part in a referral, and inviting an agency from outside the MASH.

The MASH's police, social care and health agencies of the area take part in every
referral (app/referrals/services.py sets them when the referral is made). Any other
agency, such as a school, takes part only as the referrer, or when social care or a
MASH manager invites it: to the strategy discussion, or to own a plan action. It then
sees the referral, its decisions and its plan, and updates the plan actions its kind
of agency owns, but not the agencies' research findings nor the children's histories
(Referral.sees_everything, Person.visible_ids).

An invitation is kept on the agency's row (who, when, why), goes into the referral's
timeline, and alerts the invited agency's staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import aliased

from app.alerts.services import alert
from app.domain.clock import utcnow
from app.extensions import db
from app.models import AccountKind, AlertKind, User
from app.models.people import MASH_AGENCY_KINDS, Agency
from app.models.referrals import INVITATION_BASES, Participation, Referral, ReferralStatus, referral_agencies
from app.referrals.services import _record_step


class InvitationInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class TakingPart:
    agency: str
    kind: str
    basis: Participation
    invited_by: str | None
    invited_at: datetime | None
    reason: str | None


def taking_part(referral: Referral) -> list[TakingPart]:
    """The agencies taking part, the MASH's first, with why and (if invited) by whom: one query."""
    inviter = aliased(User)
    rows = db.session.execute(
        select(
            Agency.name,
            Agency.kind,
            referral_agencies.c.basis,
            inviter.full_name,
            referral_agencies.c.invited_at,
            referral_agencies.c.reason,
        )
        .join(Agency, Agency.id == referral_agencies.c.agency_id)
        .outerjoin(inviter, inviter.id == referral_agencies.c.invited_by_id)
        .where(referral_agencies.c.referral_id == referral.id)
        .order_by(referral_agencies.c.invited_at.is_not(None), referral_agencies.c.invited_at, Agency.name)
    ).all()
    return [
        TakingPart(name, kind.label, Participation(basis), by, at, reason)
        for name, kind, basis, by, at, reason in rows
    ]


def may_be_invited(referral: Referral) -> list[Agency]:
    """The agencies of the referral's area, outside the MASH, not yet taking part."""
    if not referral.local_authority_area:
        return []
    already = select(referral_agencies.c.agency_id).where(referral_agencies.c.referral_id == referral.id)
    return list(
        db.session.scalars(
            select(Agency)
            .where(
                Agency.local_authority_area == referral.local_authority_area,
                Agency.kind.not_in(MASH_AGENCY_KINDS),
                Agency.id.not_in(already),
            )
            .order_by(Agency.name)
        )
    )


def invite(
    actor: User, referral: Referral, agency_id: int | None, basis: str | None, reason: str | None
) -> Agency:
    """Bring an agency from outside the MASH into the referral. Flushes, does not commit."""
    errors: dict[str, str] = {}
    if referral.status is ReferralStatus.CLOSED:
        raise InvitationInvalid({"agency": "This referral is closed: no agency can be invited to it"})
    candidates = {agency.id: agency for agency in may_be_invited(referral)}
    agency = candidates.get(agency_id) if agency_id is not None else None
    if agency is None:
        errors["agency"] = (
            "Select an agency of this referral's area that is not taking part yet"
            if agency_id is not None
            else "Select the agency to invite"
        )
    try:
        why = Participation(basis or "")
    except ValueError:
        why = None
    if why not in INVITATION_BASES:
        errors["basis"] = "Select what the agency is invited for"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "Enter why the agency is needed"
    if errors:
        raise InvitationInvalid(errors)
    db.session.execute(
        insert(referral_agencies).values(
            referral_id=referral.id,
            agency_id=agency.id,
            basis=why,
            invited_by_id=actor.id,
            invited_at=utcnow(),
            reason=reason,
        )
    )
    _record_step(
        referral,
        actor,
        "agency_invited",
        f"{agency.name} invited",
        None,
        {"invited_agency": agency.name, "basis": why.value, "invitation_reason": reason},
    )
    staff = db.session.scalars(
        select(User).where(
            User.agency_id == agency.id, User.active.is_(True), User.kind == AccountKind.PERSON
        )
    ).all()
    alert(
        staff,
        referral,
        AlertKind.INVITATION,
        f"{referral.reference}: your agency is invited ({why.label.lower()})",
        task_id=None,
        key=f"invited:{referral.id}:{agency.id}",
        fresh=True,
    )
    db.session.flush()
    return agency
