"""Creating alerts, counting and reading them.

An alert's text names the referral by its reference only: never a child's
name or any case detail, because the same text goes out by email.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import func, inspect, select, update
from sqlalchemy.orm import lazyload

from app.domain.clock import utcnow
from app.extensions import db
from app.models import Alert, AlertKind, Referral, Role, User, user_roles
from app.models.referrals import referral_agencies
from app.permissions import LANE_ROLES

#: Kinds that are also emailed when SMTP is configured. A new task is in-app only:
#: everyone in the lane hears of it, and an email each would be noise.
EMAILED = frozenset({AlertKind.ESCALATION, AlertKind.DUE_SOON, AlertKind.INVITATION})


def lane_users(referral: Referral, lane: str) -> list[User]:
    """Active users who work ``lane``'s tasks in an agency taking part in the referral."""
    return users_by_lane(referral, [lane]).get(lane, [])


def users_by_lane(referral: Referral, lanes: Iterable[str]) -> dict[str, list[User]]:
    """``lane_users`` for several lanes in one query."""
    roles = {LANE_ROLES[lane]: lane for lane in lanes if lane in LANE_ROLES}
    if not roles:
        return {}
    state = inspect(referral)
    if state.persistent and "agencies" in state.unloaded:
        # Not loaded (a referral locked to complete a task): the database matches them.
        agency_ids = select(referral_agencies.c.agency_id).where(
            referral_agencies.c.referral_id == referral.id
        )
    else:
        agency_ids = [agency.id for agency in referral.agencies if agency.id is not None]
        if not agency_ids:
            return {}
    rows = db.session.execute(
        select(User, Role.name)
        .join(user_roles, user_roles.c.user_id == User.id)
        .join(Role, Role.id == user_roles.c.role_id)
        .where(Role.name.in_(list(roles)), User.agency_id.in_(agency_ids), User.active.is_(True))
        .order_by(User.id)
        # An alert needs the user's id and email, not their roles (which would take a statement more).
        .options(lazyload(User.roles))
    ).unique()
    found: dict[str, list[User]] = {}
    for user, role in rows:
        found.setdefault(roles[role], []).append(user)
    return found


def alert(
    users: Iterable[User],
    referral: Referral,
    kind: AlertKind,
    text: str,
    *,
    task_id: str | None,
    key: str,
    fresh: bool = False,
) -> int:
    """Add one alert per user (once per ``key``: noticing the same event again adds nothing).

    ``key`` must name the referral by id: SpiffWorkflow task ids are unique only within a referral.
    """
    if referral.id is None:
        raise ValueError("alerts are added once the referral has an id (flush it first)")
    users = {user.id: user for user in users if user is not None and user.id is not None}
    if not users:
        return 0
    # ``fresh``: the event has only just happened (a task that has just appeared), so nobody has it yet.
    already = (
        set()
        if fresh
        else set(
            db.session.scalars(select(Alert.user_id).where(Alert.dedupe_key == key, Alert.user_id.in_(users)))
        )
    )
    email = kind in EMAILED and bool(current_app.config.get("MAIL_SERVER"))
    added = 0
    for user_id, user in users.items():
        if user_id in already:
            continue
        db.session.add(
            Alert(
                user=user,
                referral=referral,
                kind=kind,
                text=text[:300],
                task_id=task_id,
                dedupe_key=key[:120],
                email_pending=email and bool(user.email),
            )
        )
        added += 1
    return added


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Alert).where(Alert.user_id == user.id, Alert.read_at.is_(None))
    )


def for_user(user: User, *, limit: int = 200) -> list[Alert]:
    return list(
        db.session.scalars(
            select(Alert)
            .where(Alert.user_id == user.id)
            .order_by(Alert.read_at.is_not(None), Alert.created_at.desc(), Alert.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, alert_ids: Iterable[int] | None = None) -> int:
    """Mark the user's alerts read: the ones named, or all. Another user's alert is never touched."""
    statement = update(Alert).where(Alert.user_id == user.id, Alert.read_at.is_(None))
    if alert_ids is not None:
        statement = statement.where(Alert.id.in_(list(alert_ids)))
    result = db.session.execute(
        statement.values(read_at=utcnow()), execution_options={"synchronize_session": False}
    )
    return result.rowcount
