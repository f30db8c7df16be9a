"""What the clocks need stored: the partnership's response times, escalations and assessments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.domain.response_times import ResponseTime, TimeUnit
from app.extensions import db
from app.models.people import User, _enum
from app.models.referrals import Referral
from app.models.types import UTCDateTime


class ResponseTimeSetting(db.Model):
    """One response time the partnership has set, overriding the default in app/timers/settings.py."""

    __tablename__ = "response_time_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    unit: Mapped[TimeUnit] = mapped_column(_enum(TimeUnit, "response_time_unit"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    @property
    def response_time(self) -> ResponseTime:
        return ResponseTime(Decimal(self.amount), self.unit)


class EscalationAction(enum.StrEnum):
    RECORDED = "recorded"
    REASSIGNED = "reassigned"
    EXTENDED = "extended"

    @property
    def label(self) -> str:
        return {
            EscalationAction.RECORDED: "Record what was done",
            EscalationAction.REASSIGNED: "Reassign the late task",
            EscalationAction.EXTENDED: "Extend the due time",
        }[self]


class Escalation(db.Model):
    """A clock ran out: a timer fired and raised a task for a manager (or, for police protection, police).

    Written when the task it raised first appears, so what was late, its due
    time and who had it are kept even after the late task is done.
    """

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))  # the raised task (SpiffWorkflow id)
    step: Mapped[str] = mapped_column(String(60))  # the raised task's BPMN id
    timer: Mapped[str] = mapped_column(String(60))  # the boundary timer's BPMN id
    late_task_id: Mapped[str | None] = mapped_column(String(36))
    late_step: Mapped[str] = mapped_column(String(60))
    late_title: Mapped[str] = mapped_column(String(200))
    late_lane: Mapped[str] = mapped_column(String(40))
    late_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    late_working_time: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[EscalationAction | None] = mapped_column(_enum(EscalationAction, "escalation_action"))
    note: Mapped[str | None] = mapped_column(Text)
    reassigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    extended_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    reassigned_to: Mapped[User | None] = relationship(foreign_keys=[reassigned_to_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        UniqueConstraint("referral_id", "task_id"),
        CheckConstraint("action != 'extended' OR extended_to IS NOT NULL", name="extension_has_a_time"),
        CheckConstraint(
            "action != 'reassigned' OR reassigned_to_id IS NOT NULL", name="reassignment_has_a_user"
        ),
    )


class Assessment(db.Model):
    """A child in need (s17) or s47 assessment: 45 working days from the referral, ended by its outcome."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(3))  # s17 or s47
    completed_on: Mapped[date] = mapped_column(Date)
    # CIN census "factors identified at the end of assessment" codes.
    factors: Mapped[list] = mapped_column(JSON, default=list)
    outcome: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    recorded_by: Mapped[User | None] = relationship()
