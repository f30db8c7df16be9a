"""Gap 6: a child not spoken to, or their voice or their behaviour and demeanour not recorded."""

from __future__ import annotations

from sqlalchemy import Integer, and_, case, or_

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import HEALTH, KIND_OWNER, OTHER, POLICE, SOCIAL_CARE, owner_of_kind
from app.audit.gaps.queries import correlated_exists, gap_row, referral_columns
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Agency, Child, Notification, Referral, User


def _not_heard():
    return or_(Child.spoken_to.is_(False), Child.voice.is_(None), Child.demeanour.is_(None))


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    # The agency that submitted the notification owns the gap (the facts join the same way).
    query = (
        referral_columns(
            scope,
            Child.full_name,
            Child.spoken_to,
            Child.not_spoken_to_reason,
            Child.voice.is_(None),
            Child.voice_not_recorded_reason,
            Child.demeanour.is_(None),
            Child.demeanour_not_recorded_reason,
            Agency.kind,
        )
        .join(Child, Child.referral_id == Referral.id)
        .join(Notification, Notification.referral_id == Referral.id)
        .outerjoin(User, User.id == Notification.submitted_by_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(_not_heard())
        .order_by(Referral.id, Child.id)
    )
    by_case: dict[int, GapRow] = {}
    for r in db.session.execute(query):
        if brief:
            by_case.setdefault(r[0], gap_row(r, [KIND_OWNER.get(r[11], OTHER)]))
            continue
        parts = []
        if not r[5]:
            parts.append(f"not spoken to ({r[6]})")
        if r[7]:
            parts.append(f"voice not recorded ({r[8]})")
        if r[9]:
            parts.append(f"behaviour and demeanour not recorded ({r[10]})")
        text = f"{r[4]}: " + "; ".join(parts)
        if r[0] in by_case:
            by_case[r[0]].detail += " | " + text
        else:
            by_case[r[0]] = gap_row(r, [KIND_OWNER.get(r[11], OTHER)], text, "", -r[2].timestamp())
    return list(by_case.values())


FACTS = (
    # The notifier's agency, when a child was not spoken to or not heard.
    FactsColumn(
        "not_heard_owners",
        Integer,
        lambda: case(
            (
                and_(
                    Notification.id.is_not(None),
                    correlated_exists(Child.referral_id == Referral.id, _not_heard()),
                ),
                owner_of_kind(Agency.kind),
            ),
            else_=0,
        ),
    ),
)


def owner_bits(f, scope: AuditScope):
    return f.not_heard_owners


# Flagged on the case audit page, child by child (an empty answer counts as not recorded there).


def not_spoken_to(child: Child) -> bool:
    return not child.spoken_to


def voice_not_recorded(child: Child) -> bool:
    return not child.voice


def demeanour_not_recorded(child: Child) -> bool:
    return not child.demeanour


GAP = Gap(
    number=6,
    slug="child-not-heard",
    title="Child not spoken to, or voice or demeanour not recorded",
    counts="Notifications where a child was not spoken to, or their voice, or their behaviour and demeanour, "
    "was recorded as 'not recorded'. The reasons given are shown.",
    owners=(SOCIAL_CARE, POLICE, HEALTH, OTHER),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="",
    detail_heading="Children and reasons",
)
