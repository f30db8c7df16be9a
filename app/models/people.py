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

    @property
    def in_every_referral(self) -> bool:
        """The MASH's own agencies take part in every referral of their area; others only when invited."""
        return self in MASH_AGENCY_KINDS


#: Police, children's social care and health: the MASH partners, in every referral of their area.
MASH_AGENCY_KINDS = frozenset({AgencyKind.POLICE, AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH})


class AccountKind(enum.StrEnum):
    """A person signs in to the web pages; a system account only uses API tokens."""

    PERSON = "person"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return {"person": "A person", "system": "Another system (API tokens only)"}[self.value]


class RoleName(enum.StrEnum):
    POLICE = "police"
    SOCIAL_CARE = "social_care"
    HEALTH = "health"
    MASH_MANAGER = "mash_manager"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    # Staff of an agency outside the MASH (a school): they take part in a referral only when invited.
    EDUCATION = "education"

    @property
    def label(self) -> str:
        return {
            "police": "Police",
            "social_care": "Social care",
            "health": "Health",
            "mash_manager": "MASH manager",
            "auditor": "Auditor (read-only)",
            "administrator": "Administrator",
            "education": "Education or other invited agency",
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

    def is_managed_by(self, admin: User) -> bool:
        """Administrators manage the agencies of their own local authority area only."""
        return admin.can_administer_area(self.local_authority_area)

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
    kind: Mapped[AccountKind] = mapped_column(
        _enum(AccountKind, "account_kind"),
        default=AccountKind.PERSON,
        server_default=AccountKind.PERSON.value,
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Wrong passwords and wrong codes since the last successful sign-in, from any address.
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The TOTP secret (base32). Set but not enabled while the user is still setting it up.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second step a code was accepted for: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column()

    agency: Mapped[Agency] = relationship(back_populates="users", lazy="joined")
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin", order_by=Role.name)

    # Flask-Login reads is_active to refuse deactivated users.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    @property
    def role_names(self) -> set[RoleName]:
        return {role.name for role in self.roles}

    @property
    def is_system(self) -> bool:
        return self.kind is AccountKind.SYSTEM

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def second_factor_required(self) -> bool:
        """MASH managers, auditors and administrators must use a second factor to sign in."""
        from app.permissions import SECOND_FACTOR_ROLES

        return not self.is_system and bool(self.role_names & SECOND_FACTOR_ROLES)

    @property
    def local_authority_area(self) -> str | None:
        return self.agency.local_authority_area if self.agency else None

    def can_administer_area(self, area: str | None) -> bool:
        from app.permissions import Permission, user_can

        return user_can(self, Permission.MANAGE_USERS) and area == self.local_authority_area

    def is_managed_by(self, admin: User) -> bool:
        """Administrators manage the accounts (and their API tokens) of their own area only."""
        return admin.can_administer_area(self.local_authority_area)

    def has_role(self, *names: RoleName) -> bool:
        return bool(self.role_names.intersection(names))

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(func.lower(cls.email) == email.strip().lower()))

    def __repr__(self) -> str:
        return f"<User {self.email!r}>"
