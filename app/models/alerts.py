"""In-app alerts: what a user is told about (a new task in their lane, an escalation, a task due soon).

Called alerts, not notifications: in this service a notification is what the
police send about a child.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User, _enum
from app.models.referrals import Referral
from app.models.types import UTCDateTime


class AlertKind(enum.StrEnum):
    NEW_TASK = "new_task"
    ESCALATION = "escalation"
    DUE_SOON = "due_soon"
    PATTERN = "pattern"
    INVITATION = "invitation"

    @property
    def label(self) -> str:
        return {
            AlertKind.NEW_TASK: "New task",
            AlertKind.ESCALATION: "Escalation",
            AlertKind.DUE_SOON: "Due within the hour",
            AlertKind.PATTERN: "Someone on your case is on a new referral",
            AlertKind.INVITATION: "Your agency is invited to take part in a referral",
        }[self]


class Alert(db.Model):
    """One thing one user is told. The text names the referral by reference only, never a child."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AlertKind] = mapped_column(_enum(AlertKind, "alert_kind"))
    text: Mapped[str] = mapped_column(String(300))
    # The task it is about (SpiffWorkflow id), for the link; the referral page if it is gone.
    task_id: Mapped[str | None] = mapped_column(String(36))
    # One alert per user per event, however often the event is noticed.
    dedupe_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An email is waiting to be sent by the timer worker (only when SMTP is configured).
    email_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    referral: Mapped[Referral | None] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_alerts_user_unread", "user_id", "read_at", "created_at"),
    )
