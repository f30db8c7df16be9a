"""Tokens that let other systems (a police records system, say) use the JSON API.

A token belongs to a system account: a user that has roles and an agency, like a
person, but cannot sign in to the web pages. A token on a person's account never works.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, or_, select, update
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User
from app.models.types import UTCDateTime

TOKEN_PREFIX = "fd_"  # noqa: S105 - a marker, not a secret
# How stale a token's last use may be. Writing it on every request would put one
# row lock in the way of every request an integrating system makes.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    # Tokens are long and random, so a fast hash is enough and lets us look them up.
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @classmethod
    def issue(cls, user: User, name: str, created_by: User | None) -> tuple[ApiToken, str]:
        """Return the new row and the token itself, which is shown once and never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls(
            user=user,
            name=name,
            token_hash=hash_token(token),
            created_by_id=created_by.id if created_by else None,
        )
        db.session.add(row)
        return row, token

    @classmethod
    def find_active(cls, token: str) -> ApiToken | None:
        """The token's row with its user, the user's agency and roles: one statement."""
        row = (
            db.session.scalars(
                select(cls)
                .where(cls.token_hash == hash_token(token))
                .options(joinedload(cls.user).options(joinedload(User.agency), joinedload(User.roles)))
            )
            .unique()
            .one_or_none()
        )
        if row is None or row.revoked_at is not None or not row.user.active or not row.user.is_system:
            return None
        return row

    def last_use_is_stale(self, now: datetime) -> bool:
        return self.last_used_at is None or self.last_used_at <= now - LAST_USE_RESOLUTION

    @classmethod
    def note_use(cls, token_id: int, now: datetime) -> None:
        """Record that the token was used now, unless that was already recorded within the
        last minute (by this worker or another): the WHERE makes a race write at most once."""
        db.session.execute(
            update(cls)
            .where(
                cls.id == token_id,
                or_(cls.last_used_at.is_(None), cls.last_used_at <= now - LAST_USE_RESOLUTION),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
