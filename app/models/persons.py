"""People named on notifications and contacts, children and adults, across referrals.

A *person* is one human being as the MASH knows them, in one local authority
area. Each time a referral names someone, an *involvement* records the role
they had on that referral and what was written about them then; it points at
the person. Linking two records of one child (confirming a possible match) is
a *merge*: the newer person's involvements move to the person already known,
and the merge remembers exactly which, so that it can be undone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User, _enum
from app.models.types import UTCDateTime


class PersonRole(enum.StrEnum):
    CHILD = "child"
    PARENT_CARER = "parent_carer"
    VICTIM = "victim"
    SUSPECT = "suspect"
    HOUSEHOLD_MEMBER = "household_member"
    REFERRER = "referrer"

    @property
    def label(self) -> str:
        return PERSON_ROLE_LABELS[self]


PERSON_ROLE_LABELS = {
    PersonRole.CHILD: "Child",
    PersonRole.PARENT_CARER: "Parent or carer",
    PersonRole.VICTIM: "Victim",
    PersonRole.SUSPECT: "Alleged perpetrator or suspect",
    PersonRole.HOUSEHOLD_MEMBER: "Other household member",
    PersonRole.REFERRER: "Referrer",
}
ADULT_ROLES = tuple(r for r in PersonRole if r is not PersonRole.CHILD)


class NameKind(enum.StrEnum):
    CURRENT = "current"
    ALIAS = "alias"
    EARLIER = "earlier"

    @property
    def label(self) -> str:
        return {"current": "Name", "alias": "Also known as", "earlier": "Earlier name"}[self.value]


class MatchStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class RelationshipKind(enum.StrEnum):
    PARENT_OF = "parent_of"
    PARTNER_OF = "partner_of"
    SIBLING_OF = "sibling_of"
    LIVES_WITH = "lives_with"

    @property
    def label(self) -> str:
        """How the first person is related to the second: "Parent or carer of"."""
        return {
            "parent_of": "Parent or carer of",
            "partner_of": "Partner of",
            "sibling_of": "Sibling of",
            "lives_with": "Lives with",
        }[self.value]

    @property
    def reverse_label(self) -> str:
        """How the second person is related to the first: "Child of"."""
        return "Child of" if self is RelationshipKind.PARENT_OF else self.label

    @property
    def symmetric(self) -> bool:
        return self is not RelationshipKind.PARENT_OF


class PersonFlag(enum.StrEnum):
    """The flags children's social care records on a person; each is a column of `Person`."""

    CHILD_PROTECTION_PLAN = "child_protection_plan"
    CHILD_IN_NEED = "child_in_need"
    LOOKED_AFTER = "looked_after"
    REGISTERED_SEX_OFFENDER = "registered_sex_offender"

    @property
    def label(self) -> str:
        return {
            "child_protection_plan": "Child protection plan",
            "child_in_need": "Child in need",
            "looked_after": "Looked after",
            "registered_sex_offender": "Registered sex offender",
        }[self.value]

    @property
    def adults_only(self) -> bool:
        return self is PersonFlag.REGISTERED_SEX_OFFENDER

    @property
    def children_only(self) -> bool:
        return self in (PersonFlag.CHILD_PROTECTION_PLAN, PersonFlag.CHILD_IN_NEED, PersonFlag.LOOKED_AFTER)


class Person(db.Model):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    local_authority_area: Mapped[str | None] = mapped_column(String(120))
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    school: Mapped[str | None] = mapped_column(String(200))
    # Flags recorded by children's social care.
    child_protection_plan: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    child_in_need: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    registered_sex_offender: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Set when this record was merged into another; its involvements moved there.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    names: Mapped[list[PersonName]] = relationship(
        back_populates="person", order_by="PersonName.id", cascade="all, delete-orphan"
    )
    addresses: Mapped[list[PersonAddress]] = relationship(
        back_populates="person", order_by="PersonAddress.id", cascade="all, delete-orphan"
    )
    involvements: Mapped[list[Involvement]] = relationship(back_populates="person", order_by="Involvement.id")

    __table_args__ = (
        Index("ix_persons_area_born", "local_authority_area", "date_of_birth"),
        Index("ix_persons_area_nhs", "local_authority_area", "nhs_number"),
    )

    @property
    def flags(self) -> list[str]:
        return [flag.label for flag in PersonFlag if getattr(self, flag.value)]

    @classmethod
    def visible_ids(cls, user: User):
        """A select() of the ids of people named on a referral `user` may see."""
        from app.models.referrals import referral_agencies

        # A person's record joins up their history across referrals: only the MASH's own
        # agencies see it, not an agency invited to one referral (Referral.sees_everything).
        statement = select(Involvement.person_id).where(
            Involvement.referral_id.in_(
                select(referral_agencies.c.referral_id).where(referral_agencies.c.agency_id == user.agency_id)
            )
        )
        if user.agency is None or not user.agency.kind.in_every_referral:
            statement = statement.where(false())
        return statement

    def can_view(self, user: User) -> bool:
        """Staff who may see at least one referral naming this person, in a front-door role."""
        from app.permissions import Permission, user_can

        return user_can(user, Permission.VIEW_REFERRALS) and (
            db.session.scalar(select(self.visible_ids(user).where(Involvement.person_id == self.id).exists()))
            or False
        )

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class PersonName(db.Model):
    """Every name a person is known by. `sound` and `birth_year` find candidates fast."""

    __tablename__ = "person_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NameKind] = mapped_column(_enum(NameKind, "name_kind"), default=NameKind.CURRENT)
    full_name: Mapped[str] = mapped_column(String(200))
    surname_sound: Mapped[str] = mapped_column(String(16))
    given_sound: Mapped[str] = mapped_column(String(16), default="", server_default="")
    birth_year: Mapped[int | None]
    # The person's date of birth again, so that the look-up by date and sound reads one index.
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    local_authority_area: Mapped[str | None] = mapped_column(String(120))

    person: Mapped[Person] = relationship(back_populates="names")

    __table_args__ = (
        Index("ix_person_names_sound", "local_authority_area", "surname_sound", "given_sound", "birth_year"),
        Index(
            "ix_person_names_born", "local_authority_area", "date_of_birth", "surname_sound", "given_sound"
        ),
        UniqueConstraint("person_id", "full_name", name="uq_person_names_person_name"),
    )


class PersonAddress(db.Model):
    __tablename__ = "person_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(8), index=True)
    first_recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="addresses")

    __table_args__ = (UniqueConstraint("person_id", "address", name="uq_person_addresses_person_address"),)


class Involvement(db.Model):
    """One person named on one referral, in one role, as they were written down then."""

    __tablename__ = "involvements"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    role: Mapped[PersonRole] = mapped_column(_enum(PersonRole, "person_role"))
    # The child's own record on the referral (voice, demeanour) when the role is child.
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="involvements")

    __table_args__ = (Index("ix_involvements_person_referral", "person_id", "referral_id"),)


class PossibleMatch(db.Model):
    """A strong, unconfirmed likeness between a person just named and one already known."""

    __tablename__ = "possible_matches"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    involvement_id: Mapped[int] = mapped_column(ForeignKey("involvements.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[MatchStatus] = mapped_column(
        _enum(MatchStatus, "match_status"), default=MatchStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    involvement: Mapped[Involvement] = relationship()
    candidate: Mapped[Person] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("involvement_id", "candidate_id", name="uq_possible_matches_pair"),)


class PersonMerge(db.Model):
    """Two records of one person joined, with exactly what moved, so it can be undone."""

    __tablename__ = "person_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    moved: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    survivor: Mapped[Person] = relationship(foreign_keys=[survivor_id])
    merged: Mapped[Person] = relationship(foreign_keys=[merged_id])


class PersonRelationship(db.Model):
    """A worker's correction to how two people are related. Relationships otherwise follow
    from the referrals that name both (app/people/relationships.py); a row here adds one
    the records do not show (`ended` false) or says one they show is wrong or over
    (`ended` true). A symmetric kind is stored with the lower person id first."""

    __tablename__ = "person_relationships"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[RelationshipKind] = mapped_column(_enum(RelationshipKind, "relationship_kind"))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="SET NULL"))
    corrected: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    ended: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    other: Mapped[Person] = relationship(foreign_keys=[other_id])
    recorded_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("person_id", "other_id", "kind", name="uq_person_relationships"),)


class PersonFlagChange(db.Model):
    """Each time social care sets or clears a flag on a person: who, when and why."""

    __tablename__ = "person_flag_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    flag: Mapped[PersonFlag] = mapped_column(_enum(PersonFlag, "person_flag"))
    now_set: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    changed_by: Mapped[User] = relationship()
