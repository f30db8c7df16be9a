"""Missing and absent episodes and the return home interview offered after each; the CIN
assessment factors coded on a referral."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, bindparam
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User, _enum
from app.models.types import UTCDateTime

# Statutory guidance on children who run away or go missing: a return home
# interview is offered within 72 hours of the child being found.
RETURN_HOME_INTERVIEW_HOURS = 72


class EpisodeKind(enum.StrEnum):
    MISSING = "missing"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"missing": "Missing", "absent": "Absent"}[self.value]


class MissingFrom(enum.StrEnum):
    HOME = "home"
    CARE_PLACEMENT = "care_placement"
    SCHOOL = "school"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "home": "Home",
            "care_placement": "Care placement",
            "school": "School",
            "other": "Somewhere else",
        }[self.value]


class InterviewStatus(enum.StrEnum):
    NOT_YET = "not_yet"
    OFFERED = "offered"
    DONE = "done"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "not_yet": "Not offered yet",
            "offered": "Offered, not yet held",
            "done": "Held",
            "declined": "Declined by the child",
        }[self.value]


# A return home interview still to be recorded: one held or declined is recorded.
INTERVIEW_OUTSTANDING = (InterviewStatus.NOT_YET, InterviewStatus.OFFERED)


class MissingEpisode(db.Model):
    __tablename__ = "missing_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[EpisodeKind] = mapped_column(_enum(EpisodeKind, "episode_kind"))
    missing_from: Mapped[MissingFrom] = mapped_column(_enum(MissingFrom, "missing_from"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    found_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    found_where: Mapped[str | None] = mapped_column(String(300))
    found_with: Mapped[str | None] = mapped_column(String(300))
    looked_after: Mapped[bool] = mapped_column(Boolean)
    interview_status: Mapped[InterviewStatus] = mapped_column(
        _enum(InterviewStatus, "interview_status"), default=InterviewStatus.NOT_YET
    )
    interview_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    interview_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    interview_findings: Mapped[str | None] = mapped_column(Text)
    interview_declined_reason: Mapped[str | None] = mapped_column(Text)
    interview_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The return home interview's clock, for the timer worker: when it runs out (72 hours after
    # the child was found), kept while the interview is outstanding and cleared once the worker
    # has escalated it or the interview is held or declined. Indexed, so a pass reads only what is due.
    interview_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    interview_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    interview_recorded_by: Mapped[User | None] = relationship()

    @property
    def interview_due_at(self) -> datetime | None:
        """72 hours after the child was found; no clock while the child is still missing."""
        return self.found_at + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS) if self.found_at else None

    @property
    def interview_outstanding(self) -> bool:
        return self.interview_status in INTERVIEW_OUTSTANDING

    @classmethod
    def awaiting_interview(cls):
        """A condition: the return home interview is not yet held or declined. The statuses are
        written into the SQL, as in the index of outstanding interviews, so that it applies."""
        return cls.interview_status.in_(
            bindparam("outstanding", list(INTERVIEW_OUTSTANDING), expanding=True, literal_execute=True)
        )


class AssessmentFactor(db.Model):
    """A CIN census assessment factor (e.g. 3A domestic abuse, 11A sexual exploitation) coded at a step."""

    __tablename__ = "assessment_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(4))
    step: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# Return home interviews still to hold, in the order they fell due (the inbox's other deadlines).
Index(
    "ix_missing_episodes_interview_outstanding",
    MissingEpisode.found_at,
    postgresql_where=MissingEpisode.awaiting_interview(),
    sqlite_where=MissingEpisode.awaiting_interview(),
)
