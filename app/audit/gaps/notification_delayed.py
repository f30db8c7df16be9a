"""Gap 16: a notification that reached the MASH more than the allowed hours after the notifier
recorded it in their own system (AUDIT_NOTIFICATION_DELAY_HOURS, default 24): a backlog of
notifications waiting to be sent or entered."""

from __future__ import annotations

from flask import current_app

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import POLICE, owner_if
from app.audit.gaps.queries import gap_row, hours_between, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import LONDON
from app.extensions import db
from app.models import Notification, Referral
from app.models.types import UTCDateTime


def allowed_hours() -> float:
    """How long a notification may wait between the notifier's record and the MASH's receipt."""
    return float(current_app.config["AUDIT_NOTIFICATION_DELAY_HOURS"])


def _late(received, recorded):
    return recorded.is_not(None) & (hours_between(received, recorded) > allowed_hours())


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(scope, Notification.recorded_at)
        .join(Notification, Notification.referral_id == Referral.id)
        .where(_late(Referral.received_at, Notification.recorded_at))
    )
    if brief:
        return [gap_row(r, [POLICE]) for r in db.session.execute(query)]
    listed = []
    for r in db.session.execute(query):
        hours = (r[2] - r[4]).total_seconds() / 3600
        listed.append(
            gap_row(
                r,
                [POLICE],
                f"Recorded by the notifier {r[4].astimezone(LONDON):%-d %b %Y %H:%M}, "
                f"received by the MASH {r[2].astimezone(LONDON):%-d %b %Y %H:%M}",
                f"{hours:.1f} hours",
                hours,
            )
        )
    return listed


FACTS = (
    # The notifier's time, not a verdict: the allowed delay is a setting.
    FactsColumn("notifier_recorded_at", UTCDateTime(), lambda: Notification.recorded_at, nullable=True),
)


def owner_bits(f, scope: AuditScope):
    return owner_if(_late(f.received_at, f.notifier_recorded_at), POLICE)


def waited_too_long(notification: Notification, received_at) -> bool:
    """Flagged on the case audit page, as on the list."""
    recorded = notification.recorded_at
    return recorded is not None and (received_at - recorded).total_seconds() / 3600 > allowed_hours()


GAP = Gap(
    number=16,
    slug="notification-delayed",
    title="Notifications that waited to reach the MASH",
    counts="Notifications the MASH received more than the allowed hours (AUDIT_NOTIFICATION_DELAY_HOURS, "
    "default 24) after the notifier recorded them in their own system. How long: hours from that record "
    "to receipt.",
    owners=(POLICE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Waited",
)
