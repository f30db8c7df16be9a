"""Agencies, the people who work in them, and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, Enum, ForeignKey, String, Table, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.types import UTCDateTime


class AgencyKind(enum.StrEnum):
    POLICE = "police"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    HEALTH = "health"
    EDUCATION = "education"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "police": "Police force",
            "childrens_social_care": "Local authority children's social care",
            "health": "Health organisation",
            "education": "Education",
            "other": "Other",
        }[self.value]


class RoleName(enum.StrEnum):
    POLICE = "police"
    SOCIAL_CARE = "social_care"
    HEALTH = "health"
    MASH_MANAGER = "mash_manager"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return {
            "police": "Police",
            "social_care": "Social care",
            "health": "Health",
            "mash_manager": "MASH manager",
            "auditor": "Auditor (read-only)",
            "administrator": "Administrator",
        }[self.value]


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as text with a CHECK constraint: portable, and readable in SQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Agency(db.Model):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "agency_kind"))
    local_authority_area: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="agency")

    def __repr__(self) -> str:
        return f"<Agency {self.name!r}>"


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[RoleName] = mapped_column(_enum(RoleName, "role_name"), unique=True)

    @property
    def label(self) -> str:
        return self.name.label

    @classmethod
    def get_or_create(cls, name: RoleName) -> Role:
        role = db.session.scalar(select(cls).where(cls.name == name))
        if role is None:
            role = cls(name=name)
            db.session.add(role)
            db.session.flush()
        return role


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Bumped whenever the password changes or the account is deactivated, so
    # that sessions issued before then stop working (see load_user).
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    agency: Mapped[Agency] = relationship(back_populates="users", lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin", order_by=Role.name)

    # Flask-Login reads is_active to refuse deactivated users.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_names(self) -> set[RoleName]:
        return {role.name for role in self.roles}

    def has_role(self, *names: RoleName) -> bool:
        return bool(self.role_names.intersection(names))

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"
