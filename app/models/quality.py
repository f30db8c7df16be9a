"""Case audits, audit samples: managers and auditors judging the quality of front-door work."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import AgencyKind, User, _enum
from app.models.referrals import Referral
from app.models.types import UTCDateTime


class AuditStage(enum.StrEnum):
    """The stages of a child's journey that a case audit grades, in order."""

    NOTIFICATION = "notification"
    TRIAGE = "triage"
    THRESHOLD = "threshold"
    STRATEGY_DISCUSSION = "strategy_discussion"
    PLAN = "plan"
    OUTCOME = "outcome"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    AuditStage.NOTIFICATION: "Notification",
    AuditStage.TRIAGE: "Triage and research",
    AuditStage.THRESHOLD: "Threshold decision",
    AuditStage.STRATEGY_DISCUSSION: "Strategy discussion",
    AuditStage.PLAN: "Joint protective plan",
    AuditStage.OUTCOME: "Outcome for the child",
}


class Grade(enum.StrEnum):
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> str:
        return {"good": "Good", "requires_improvement": "Requires improvement", "inadequate": "Inadequate"}[
            self.value
        ]


class AuditSample(db.Model):
    """A random sample of closed cases drawn by a manager for audit."""

    __tablename__ = "audit_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    local_authority_area: Mapped[str | None] = mapped_column(String(120))
    requested_size: Mapped[int] = mapped_column(Integer)

    drawn_by: Mapped[User] = relationship()
    cases: Mapped[list[AuditSampleCase]] = relationship(
        back_populates="sample", order_by="AuditSampleCase.id", lazy="selectin"
    )


class AuditSampleCase(db.Model):
    __tablename__ = "audit_sample_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("audit_samples.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)

    sample: Mapped[AuditSample] = relationship(back_populates="cases")
    referral: Mapped[Referral] = relationship()

    __table_args__ = (UniqueConstraint("sample_id", "referral_id"),)


class CaseAudit(db.Model):
    """One auditor's judgement of one case, stage by stage."""

    __tablename__ = "case_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    sample_id: Mapped[int | None] = mapped_column(
        ForeignKey("audit_samples.id", ondelete="SET NULL"), index=True
    )
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    audited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    summary: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship()
    auditor: Mapped[User] = relationship()
    grades: Mapped[list[CaseAuditGrade]] = relationship(
        back_populates="audit", order_by="CaseAuditGrade.id", lazy="selectin"
    )


class CaseAuditGrade(db.Model):
    __tablename__ = "case_audit_grades"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_audit_id: Mapped[int] = mapped_column(ForeignKey("case_audits.id", ondelete="CASCADE"), index=True)
    stage: Mapped[AuditStage] = mapped_column(_enum(AuditStage, "audit_stage"))
    grade: Mapped[Grade] = mapped_column(_enum(Grade, "audit_grade"))
    # The agency the judgement is mainly about, so results can be read by agency.
    agency_kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "graded_agency_kind"))
    reason: Mapped[str] = mapped_column(Text)

    audit: Mapped[CaseAudit] = relationship(back_populates="grades")

    __table_args__ = (UniqueConstraint("case_audit_id", "stage"),)
