"""Gap 9: police protection used more than 72 hours ago, and (a) no time rescinded recorded,
or (b) no strategy discussion, or (c) no joint plan in force, followed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, and_, case, false, not_, or_, true

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import flag, gap_row, has_plan_in_force, has_strategy_discussion, referral_columns
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Notification, Referral
from app.models.types import UTCDateTime

# Police protection lasts at most 72 hours (Children Act 1989 s46).
POLICE_PROTECTION_HOURS = 72


def _started_long_enough_ago(started, now: datetime):
    return and_(started.is_not(None), started < now - timedelta(hours=POLICE_PROTECTION_HOURS))


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    has_sd = has_strategy_discussion()
    has_plan = has_plan_in_force()
    query = (
        referral_columns(
            scope,
            Notification.pp_started_at,
            Notification.pp_rescinded_at.is_(None),
            case((has_sd, true()), else_=false()),
            case((has_plan, true()), else_=false()),
        )
        .join(Notification, Notification.referral_id == Referral.id)
        .where(
            _started_long_enough_ago(Notification.pp_started_at, scope.now),
            or_(Notification.pp_rescinded_at.is_(None), not_(has_sd), not_(has_plan)),
        )
    )
    listed = []
    for r in db.session.execute(query):
        owners, parts = [], []
        if r[5]:
            owners.append(POLICE)
            parts.append("No time rescinded recorded")
        if not r[6]:
            parts.append("no strategy discussion")
        if not r[7]:
            parts.append("no joint protective plan in force")
        if not r[6] or not r[7]:
            owners.append(SOCIAL_CARE)
        hours = (scope.now - r[4]).total_seconds() / 3600
        detail = "; ".join(parts)
        listed.append(
            gap_row(r, owners, detail[:1].upper() + detail[1:], f"{hours:.0f} hours since it started", hours)
        )
    return listed


FACTS = (
    # When it started, not a verdict: whether 72 hours have passed depends on the time now.
    FactsColumn("pp_started_at", UTCDateTime(), lambda: Notification.pp_started_at, nullable=True),
    FactsColumn(
        "pp_not_rescinded",
        Boolean,
        lambda: flag(and_(Notification.pp_started_at.is_not(None), Notification.pp_rescinded_at.is_(None))),
    ),
)


def owner_bits(f, scope: AuditScope):
    past = _started_long_enough_ago(f.pp_started_at, scope.now)
    return owner_if(and_(past, f.pp_not_rescinded.is_(True)), POLICE) + owner_if(
        and_(past, or_(f.has_discussion.is_(False), f.has_plan_in_force.is_(False))), SOCIAL_CARE
    )


# Flagged on the case audit page.


def end_not_recorded(notification: Notification) -> bool:
    """No time rescinded: flagged at once, not only after 72 hours as on the list."""
    return not notification.pp_rescinded_at


def plan_in_force(referral: Referral) -> bool:
    plan = referral.plan
    return plan is not None and plan.in_force_at is not None


GAP = Gap(
    number=9,
    slug="police-protection",
    title="Police protection without an end time, strategy discussion or plan",
    counts=f"Cases where police protection was used more than {POLICE_PROTECTION_HOURS} hours ago and its end (time "
    "rescinded) is not recorded, or no strategy discussion, or no joint plan in force, followed.",
    owners=(POLICE, SOCIAL_CARE),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Since police protection started",
)
