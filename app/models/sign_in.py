"""Server-side sign-in state: each signed-in browser's session, and one-time recovery codes.

The session cookie only carries a random token; the row it names says whether
the session is still open. Signing out, an idle timeout, the end of the
absolute lifetime, a password change or a change of roles closes the row, and
a copy of the cookie taken before then no longer signs anyone in, in any worker.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User, _enum
from app.models.types import UTCDateTime


class SessionEnd(enum.StrEnum):
    """Why a session was closed."""

    SIGNED_OUT = "signed_out"
    IDLE = "idle"  # no request for longer than the idle timeout
    LIFETIME = "lifetime"  # open for longer than the absolute lifetime
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason, not a password
    ACCOUNT_CHANGED = "account_changed"  # roles or agency changed by an administrator
    DEACTIVATED = "deactivated"
    SECOND_FACTOR_CHANGED = "second_factor_changed"  # set up, turned off, or reset by an administrator
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"  # the user ended their other sessions


def hash_session_token(token: str) -> str:
    # The token is long and random, so a fast hash is enough; the cookie holds the token, the table its hash.
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[SessionEnd | None] = mapped_column(_enum(SessionEnd, "session_end"))

    user: Mapped[User] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class RecoveryCode(db.Model):
    """A one-time code for signing in without the authenticator app. Only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
