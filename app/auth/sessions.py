"""Server-side sessions: started at sign-in, checked on every request, ended by the server.

The signed session cookie holds a random token under SESSION_KEY; its hash names
a `UserSession` row in the database that every worker reads, so signing out in
one worker is seen by all, and a copy of the cookie taken before then signs
no one in. A session ends after SESSION_IDLE_MINUTES without a request and
after PERMANENT_SESSION_LIFETIME in all, whatever the cookie says.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, flash, g, request, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from app.domain.clock import utcnow
from app.domain.whole_numbers import is_whole_number
from app.extensions import db
from app.models import SessionEnd, User, UserSession
from app.models.sign_in import hash_session_token

SESSION_KEY = "_fd_session"
# A request moves the idle deadline on, but the row is written at most this often.
TOUCH_EVERY = timedelta(seconds=60)
# Closed sessions are kept this long (who was signed in when), then removed at the user's next sign-in.
KEEP_ENDED_FOR = timedelta(days=30)
# These requests do not count as activity: assets, and the timeout warning asking how long is left.
NOT_ACTIVITY = frozenset({"static", "auth.session_status"})

ENDED_MESSAGES = {
    SessionEnd.IDLE: "You were signed out because Front Door was not used for {idle} minutes. Sign in again to continue.",
    SessionEnd.LIFETIME: "You were signed out because you had been signed in for {lifetime} hours. Sign in again to continue.",
}


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return current_app.permanent_session_lifetime


def start(user: User) -> UserSession:
    """Open a session for a user who has just proved who they are, and sign the browser in."""
    session.clear()  # nothing from before sign-in carries over (session fixation)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.started_at < now - KEEP_ENDED_FOR
        ),
        execution_options={"synchronize_session": False},
    )
    row = UserSession(user=user, token_hash=hash_session_token(token), started_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = token
    login_user(user)
    g.user_session = row
    return row


def current() -> UserSession | None:
    """The session this request was signed in with, if any."""
    return g.get("user_session")


def _ended_by_time(row: UserSession, now: datetime) -> SessionEnd | None:
    if now - row.started_at >= lifetime():
        return SessionEnd.LIFETIME
    if now - row.last_seen_at >= idle_timeout():
        return SessionEnd.IDLE
    return None


def seconds_left(row: UserSession, now: datetime | None = None) -> int:
    """Until the idle timeout or the end of the lifetime, whichever comes first."""
    now = now or utcnow()
    deadline = min(row.last_seen_at + idle_timeout(), row.started_at + lifetime())
    return max(0, int((deadline - now).total_seconds()))


def _close(row: UserSession, reason: SessionEnd, now: datetime) -> None:
    row.ended_at = now
    row.end_reason = reason
    db.session.flush()


def _forget_browser() -> None:
    for key in (SESSION_KEY, "_user_id", "_fresh", "_id"):
        session.pop(key, None)


@cache
def _session_statement():
    """The session with its user, the user's agency and roles: one statement a request. Built
    once, as building a select with loader options costs more than running it."""
    return (
        select(UserSession)
        .where(UserSession.token_hash == bindparam("token_hash"))
        .options(joinedload(UserSession.user).joinedload(User.roles))
    )


def load(user_id: str) -> User | None:
    """Flask-Login's user loader: the user, if this browser's session is still open."""
    token = session.get(SESSION_KEY)
    if not token or not is_whole_number(user_id):
        return None
    row = (
        db.session.scalars(_session_statement(), {"token_hash": hash_session_token(token)})
        .unique()
        .one_or_none()
    )
    if row is None or row.user_id != int(user_id):
        _forget_browser()
        return None
    now = utcnow()
    if row.is_open:
        ended = _ended_by_time(row, now)
        if ended is not None:
            _close(row, ended, now)
    if not row.is_open:
        if row.end_reason in ENDED_MESSAGES:  # say why, once, to whichever browser held it
            flash(
                ENDED_MESSAGES[row.end_reason].format(
                    idle=current_app.config["SESSION_IDLE_MINUTES"],
                    lifetime=int(lifetime().total_seconds() // 3600),
                ),
                "info",
            )
        _forget_browser()
        return None
    user = row.user
    if not user.active or user.is_system:
        _close(row, SessionEnd.DEACTIVATED, now)
        _forget_browser()
        return None
    if request.endpoint not in NOT_ACTIVITY and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.flush()
    g.user_session = row
    return user


def keep_alive() -> int:
    """The user chose to stay signed in: move the idle deadline on now. Returns the seconds left."""
    row = current()
    if row is None:
        return 0
    row.last_seen_at = utcnow()
    db.session.flush()
    return seconds_left(row)


def end_current(reason: SessionEnd = SessionEnd.SIGNED_OUT) -> None:
    """Sign this browser out, on the server as well as in the cookie."""
    row = current()
    if row is not None and row.is_open:
        _close(row, reason, utcnow())
    logout_user()
    session.clear()
    g.pop("user_session", None)


def end_sessions(user: User, reason: SessionEnd, *, keep_current: bool = True) -> int:
    """End every open session of `user`, except the one making this request when it is theirs
    and `keep_current` is set. Takes effect on each session's next request, in every worker."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    mine = current()
    if keep_current and mine is not None and mine.user_id == user.id:
        query = query.where(UserSession.id != mine.id)
    result = db.session.execute(
        query.values(ended_at=utcnow(), end_reason=reason), execution_options={"synchronize_session": False}
    )
    return result.rowcount or 0
