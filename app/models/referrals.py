"""Referrals and what is recorded on them as they move through the front door.

A referral starts from a police notification or a contact from another
source. Its workflow state (SpiffWorkflow, serialized) lives on the row, with
`version` counting completed steps. Each ready task remembers the version at
which it became ready, so a task page's token names that task's own state: a
submission is refused when its own task was completed or replaced, not when a
parallel task (another agency's research) was completed meanwhile.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    exists,
    false,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import Agency, AgencyKind, User, _enum
from app.models.types import UTCDateTime


class ReferralStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class IncidentType(enum.StrEnum):
    DOMESTIC_ABUSE = "domestic_abuse"
    MISSING = "missing"
    CSE = "cse"
    CCE = "cce"
    PHYSICAL_ABUSE = "physical_abuse"
    SEXUAL_ABUSE = "sexual_abuse"
    EMOTIONAL_ABUSE = "emotional_abuse"
    NEGLECT = "neglect"
    ONLINE_ABUSE = "online_abuse"
    CHILD_IN_CUSTODY = "child_in_custody"
    POLICE_PROTECTION = "police_protection"
    PERSON_POSING_RISK = "person_posing_risk"
    OTHER = "other"

    @property
    def label(self) -> str:
        return INCIDENT_LABELS[self]


INCIDENT_LABELS = {
    IncidentType.DOMESTIC_ABUSE: "Domestic abuse",
    IncidentType.MISSING: "Missing or absent",
    IncidentType.CSE: "Child sexual exploitation",
    IncidentType.CCE: "Child criminal exploitation",
    IncidentType.PHYSICAL_ABUSE: "Physical abuse",
    IncidentType.SEXUAL_ABUSE: "Sexual abuse",
    IncidentType.EMOTIONAL_ABUSE: "Emotional abuse",
    IncidentType.NEGLECT: "Neglect",
    IncidentType.ONLINE_ABUSE: "Online abuse or indecent images",
    IncidentType.CHILD_IN_CUSTODY: "Child in custody",
    IncidentType.POLICE_PROTECTION: "Police protection used",
    IncidentType.PERSON_POSING_RISK: "Concern about a person who poses a risk",
    IncidentType.OTHER: "Other",
}


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in_force"
    CLOSED = "closed"


class ActionStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


#: A plan action still to be done.
OPEN_ACTION_STATUSES = (ActionStatus.NOT_STARTED, ActionStatus.IN_PROGRESS)


class WorkflowSpecVersion(db.Model):
    """One version of the BPMN + DMN files, stored once by content hash."""

    __tablename__ = "workflow_spec_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    serialized: Mapped[str] = mapped_column(Text)
    # The BPMN XML as it was, so a referral's diagram shows the version it runs on.
    bpmn_xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Participation(enum.StrEnum):
    """Why an agency takes part in a referral. The MASH's police, social care and health
    agencies take part in every referral of their area; any other agency (a school) only
    as the referrer, or when invited to the strategy discussion or to own a plan action."""

    MASH = "mash"
    REFERRER = "referrer"
    STRATEGY_DISCUSSION = "strategy_discussion"
    PLAN_ACTION = "plan_action"

    @property
    def label(self) -> str:
        return {
            "mash": "MASH partner",
            "referrer": "Referrer",
            "strategy_discussion": "Invited to the strategy discussion",
            "plan_action": "Invited to own a plan action",
        }[self.value]


#: What an agency may be invited for (the referrer takes part from the start).
INVITATION_BASES = (Participation.STRATEGY_DISCUSSION, Participation.PLAN_ACTION)


referral_agencies = db.Table(
    "referral_agencies",
    db.Column("referral_id", ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True),
    db.Column("agency_id", ForeignKey("agencies.id"), primary_key=True),
    db.Column(
        "basis",
        _enum(Participation, "participation_basis"),
        nullable=False,
        server_default=Participation.MASH.value,
    ),
    # Who invited an agency from outside the MASH, when and why (empty for the MASH's own).
    db.Column("invited_by_id", ForeignKey("users.id"), nullable=True),
    db.Column("invited_at", UTCDateTime(), nullable=True),
    db.Column("reason", Text, nullable=True),
)


def _taking_part(agency_id: int | None) -> tuple[str, int | None]:
    """Where a referral's state keeps whether an agency takes part in it, once asked."""
    return ("takes_part", agency_id)


class Referral(db.Model):
    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[ReferralStatus] = mapped_column(
        _enum(ReferralStatus, "referral_status"), default=ReferralStatus.OPEN, index=True
    )
    referral_source: Mapped[str] = mapped_column(String(4))  # CIN census referral source code
    local_authority_area: Mapped[str | None] = mapped_column(String(120), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    threshold_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rag: Mapped[str | None] = mapped_column(String(8))
    current_step: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Workflow state: which spec version it runs on, and the serialized instance.
    spec_version_id: Mapped[int] = mapped_column(ForeignKey("workflow_spec_versions.id"))
    serializer_version: Mapped[str] = mapped_column(String(40))
    workflow_state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The earliest time a BPMN timer of this referral is waiting for, kept at
    # every save, so the timer worker finds due referrals by an index and never
    # reads a workflow that has nothing due.
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    spec_version: Mapped[WorkflowSpecVersion] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    agencies: Mapped[list[Agency]] = relationship(secondary=referral_agencies, lazy="selectin")
    notification: Mapped[Notification] = relationship(
        back_populates="referral", uselist=False, lazy="selectin"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="referral", order_by="Child.id", lazy="selectin"
    )
    steps: Mapped[list[StepRecord]] = relationship(back_populates="referral", order_by="StepRecord.id")
    ready_tasks: Mapped[list[ReadyTask]] = relationship(back_populates="referral", order_by="ReadyTask.id")
    threshold_decisions: Mapped[list[ThresholdDecision]] = relationship(
        back_populates="referral", order_by="ThresholdDecision.id"
    )
    strategy_discussions: Mapped[list[StrategyDiscussion]] = relationship(
        back_populates="referral", order_by="StrategyDiscussion.id"
    )
    plans: Mapped[list[ProtectivePlan]] = relationship(
        back_populates="referral", order_by="ProtectivePlan.id"
    )

    __table_args__ = (
        # Covers what the managers' audit reads from every referral in scope, so its
        # set-based queries need not read the wide rows (the workflow state).
        Index(
            "ix_referrals_audit",
            "received_at",
            "local_authority_area",
            "status",
            "outcome",
            "threshold_due_at",
            "closed_at",
            "reference",
            "id",
        ),
        # The same columns keyed by id, for looking referrals up from the records that
        # point at them (decisions, discussions, actions) without reading the wide rows.
        Index(
            "ix_referrals_audit_by_id",
            "id",
            "received_at",
            "local_authority_area",
            "status",
            "outcome",
            "threshold_due_at",
            "closed_at",
            "reference",
        ),
    )

    def can_view(self, user: User) -> bool:
        """Staff of an agency taking part in the referral, in a front-door role."""
        from app.permissions import Permission, user_can

        if not user_can(user, Permission.VIEW_REFERRALS):
            return False
        state = inspect(self)
        if "agencies" not in state.unloaded or not state.persistent:
            return any(a.id == user.agency_id for a in self.agencies)
        # Not loaded (a referral locked to complete a task): ask the database, rather than
        # loading every agency taking part to compare their ids. The agencies taking part
        # are set when the referral is created, so the answer holds for the whole request
        # (the route and the service both ask).
        key = _taking_part(user.agency_id)
        if key not in state.info:
            state.info[key] = bool(db.session.scalar(select(Referral.seen_by(user, self.id))))
        return state.info[key]

    def found_taking_part(self, agency_id: int | None, takes_part: bool) -> None:
        """What the query that loaded this referral found of ``agency_takes_part`` for one agency,
        kept for ``can_view`` (the locking load asks in the same statement)."""
        inspect(self).info[_taking_part(agency_id)] = bool(takes_part)

    def sees_everything(self, user: User) -> bool:
        """The MASH's own agencies see the whole record. An invited agency (a school) sees
        what it needs: the referral, its decisions and plan, but not the agencies' research
        findings nor the children's histories across other referrals."""
        return self.can_view(user) and user.agency is not None and user.agency.kind.in_every_referral

    @classmethod
    def seen_by(cls, user: User, referral_id=None):
        """The rule of who sees a referral, as a condition: the user's agency takes part in it.
        `referral_id` is the referral's id or the column holding it (by default, this table's).
        It is an EXISTS probe of one (referral, agency) key, so it costs the same for one row
        at any number of referrals, and a list filtered by it reads only the rows it shows."""
        return cls.agency_takes_part(user.agency_id, referral_id)

    @classmethod
    def agency_takes_part(cls, agency_id, referral_id=None):
        """The condition of ``seen_by`` for an agency's id (a value or a bound parameter)."""
        return exists().where(
            referral_agencies.c.referral_id == (cls.id if referral_id is None else referral_id),
            referral_agencies.c.agency_id == agency_id,
        )

    @classmethod
    def visible_to(cls, user: User):
        """A select() of the referrals `user` may see, for lists and searches."""
        return select(cls).where(cls.seen_by(user))

    @property
    def plan(self) -> ProtectivePlan | None:
        return self.plans[-1] if self.plans else None

    @property
    def strategy_discussion(self) -> StrategyDiscussion | None:
        return self.strategy_discussions[-1] if self.strategy_discussions else None

    @property
    def threshold_decision(self) -> ThresholdDecision | None:
        return self.threshold_decisions[-1] if self.threshold_decisions else None


class Notification(db.Model):
    """What the notifier reported: a police notification or a contact from another source."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), unique=True)
    incident_type: Mapped[IncidentType] = mapped_column(_enum(IncidentType, "incident_type"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    immediate_action: Mapped[str] = mapped_column(Text)
    referrer_name: Mapped[str | None] = mapped_column(String(200))
    referrer_organisation: Mapped[str | None] = mapped_column(String(200))
    dash_level: Mapped[str | None] = mapped_column(String(10))
    # The MASH's own grading at triage, when it differs from the officer's, and why.
    mash_dash_level: Mapped[str | None] = mapped_column(String(10))
    mash_dash_reason: Mapped[str | None] = mapped_column(Text)
    # Police protection (Children Act 1989 s46)
    pp_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pp_place_of_safety: Mapped[str | None] = mapped_column(String(300))
    pp_local_authority_informed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pp_rescinded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Child in custody (PACE)
    custody_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    custody_aa_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    custody_aa_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    custody_healthcare_assessed: Mapped[bool | None] = mapped_column(Boolean)
    custody_accommodation_requested: Mapped[bool | None] = mapped_column(Boolean)
    custody_accommodation_refused: Mapped[bool | None] = mapped_column(Boolean)
    custody_refusal_escalated: Mapped[bool | None] = mapped_column(Boolean)

    @property
    def backlog(self) -> timedelta:
        """How long it waited between being recorded by the notifier and reaching the MASH."""
        return max(self.referral.received_at - self.recorded_at, timedelta(0))

    @property
    def backlog_in_words(self) -> str | None:
        """ "3 hours", for the referral page; None when it was recorded as it was received."""
        from app.timers.words import span_in_words

        if not self.backlog:
            return None
        return span_in_words(self.recorded_at, self.referral.received_at, working_time=False, calendar=None)

    @property
    def dash_level_in_force(self) -> str | None:
        """The MASH's re-grading if there is one, else the officer's: what the audit counts."""
        return self.mash_dash_level or self.dash_level

    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the notifier recorded it in their own system (the police record), at or
    # before receipt by the MASH; receipt when they did not say. Clocks run from
    # receipt (Referral.received_at): this only shows the backlog before it.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship(back_populates="notification")
    submitted_by: Mapped[User | None] = relationship()


class Child(db.Model):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # CIN census gender code
    nhs_number: Mapped[str | None] = mapped_column(String(10), index=True)
    address: Mapped[str] = mapped_column(String(300))
    school: Mapped[str | None] = mapped_column(String(200))
    present: Mapped[bool] = mapped_column(Boolean)
    spoken_to: Mapped[bool] = mapped_column(Boolean)
    not_spoken_to_reason: Mapped[str | None] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(Text)
    voice_not_recorded_reason: Mapped[str | None] = mapped_column(Text)
    demeanour: Mapped[str | None] = mapped_column(Text)
    demeanour_not_recorded_reason: Mapped[str | None] = mapped_column(Text)
    injuries: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="children")

    __table_args__ = (
        # The child's voice and demeanour are recorded, or a reason is given.
        CheckConstraint("voice IS NOT NULL OR voice_not_recorded_reason IS NOT NULL", name="voice_or_reason"),
        CheckConstraint(
            "demeanour IS NOT NULL OR demeanour_not_recorded_reason IS NOT NULL", name="demeanour_or_reason"
        ),
        CheckConstraint("spoken_to OR not_spoken_to_reason IS NOT NULL", name="spoken_to_or_reason"),
    )

    def age_on(self, day: date) -> int:
        years = day.year - self.date_of_birth.year
        return years - ((day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day))


class StepRecord(db.Model):
    """One completed step: who, when, in which lane, and what they recorded. The timeline."""

    __tablename__ = "step_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # The workflow task this step completed (None for records that are not a task).
    task_id: Mapped[str | None] = mapped_column(String(36))

    referral: Mapped[Referral] = relationship(back_populates="steps")
    actor: Mapped[User | None] = relationship()
    agency: Mapped[Agency | None] = relationship()


class ReadyTask(db.Model):
    """The workflow's ready user tasks, copied out at each step so inboxes need no deserialising."""

    __tablename__ = "ready_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    # SpiffWorkflow task ids are unique within one workflow instance.
    task_id: Mapped[str] = mapped_column(String(36))
    step: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str] = mapped_column(String(40), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Why it is due then, as the person sees it: "Red rating: 4 clock hours".
    due_basis: Mapped[str | None] = mapped_column(String(200))
    # Whether lateness is counted in working hours (else clock hours).
    working_time: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    due_soon_alerted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The referral's version when this task became ready: with the task id, the
    # version token of its page (see services.complete_task). None if not known.
    ready_version: Mapped[int | None] = mapped_column(Integer)

    referral: Mapped[Referral] = relationship(back_populates="ready_tasks")
    assigned_to: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("referral_id", "task_id"),)

    @classmethod
    def inbox_order(cls) -> tuple:
        """Earliest due first, tasks with no due time last: the order of every inbox, which
        the index ix_ready_tasks_inbox holds, so a page is read in order and stops at its end."""
        return (cls.due_at.is_(None), cls.due_at, cls.id)


Index("ix_ready_tasks_inbox", ReadyTask.lane, *ReadyTask.inbox_order())


class ThresholdDecision(db.Model):
    __tablename__ = "threshold_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    recommended_outcome: Mapped[str] = mapped_column(String(32))
    recommendation_rule: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    final_outcome: Mapped[str | None] = mapped_column(String(32))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(Text)
    # No further action or early help that a MASH manager must sign off before the case closes.
    sign_off_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # True: signed off as decided; False: the manager changed the outcome (final_outcome says to what).
    signed_off: Mapped[bool | None] = mapped_column(Boolean)
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sign_off_note: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="threshold_decisions")
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    disagreements: Mapped[list[ProfessionalDisagreement]] = relationship(
        back_populates="decision", order_by="ProfessionalDisagreement.id"
    )

    @property
    def awaiting_sign_off(self) -> bool:
        return self.sign_off_required and self.signed_off_at is None


class DisagreementStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"

    @property
    def label(self) -> str:
        return {
            "open": "Waiting for a manager",
            "upheld": "Upheld: the decision will be looked at again",
            "not_upheld": "Not upheld: the decision stands",
        }[self.value]


class ProfessionalDisagreement(db.Model):
    """An agency taking part disagrees with a threshold decision already made.

    Raised within the partnership's period after the decision, whatever step the
    referral has reached (a closed one included), so it is a record of its own and
    not a step of the process. A MASH manager reviews it and records the outcome.
    """

    __tablename__ = "professional_disagreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    threshold_decision_id: Mapped[int] = mapped_column(
        ForeignKey("threshold_decisions.id", ondelete="CASCADE")
    )
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DisagreementStatus] = mapped_column(
        _enum(DisagreementStatus, "disagreement_status"), default=DisagreementStatus.OPEN
    )
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    referral: Mapped[Referral] = relationship()
    decision: Mapped[ThresholdDecision] = relationship(back_populates="disagreements")
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    agency: Mapped[Agency] = relationship()
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (Index("ix_professional_disagreements_open", "status", "raised_at"),)


class StrategyDiscussion(db.Model):
    __tablename__ = "strategy_discussions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    chair: Mapped[str] = mapped_column(String(200))
    information_shared: Mapped[str] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(32))
    criminal_investigation: Mapped[bool] = mapped_column(Boolean)
    criminal_investigation_plan: Mapped[str | None] = mapped_column(Text)
    immediate_actions: Mapped[str] = mapped_column(Text)
    legal_action_considered: Mapped[bool] = mapped_column(Boolean)
    legal_action_notes: Mapped[str | None] = mapped_column(Text)
    other_children_considered: Mapped[bool] = mapped_column(Boolean)
    other_children_notes: Mapped[str | None] = mapped_column(Text)
    icpc_required: Mapped[bool] = mapped_column(Boolean)
    icpc_target_date: Mapped[date | None] = mapped_column(Date)
    # What became of the initial child protection conference, recorded later.
    icpc_held_on: Mapped[date | None] = mapped_column(Date)
    icpc_not_required_reason: Mapped[str | None] = mapped_column(Text)
    icpc_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    icpc_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="strategy_discussions")
    attendees: Mapped[list[StrategyAttendee]] = relationship(
        back_populates="discussion", order_by="StrategyAttendee.id", lazy="selectin"
    )
    absences: Mapped[list[AgencyAbsence]] = relationship(
        back_populates="discussion", order_by="AgencyAbsence.id", lazy="selectin"
    )

    def agency_present(self, kind: AgencyKind) -> bool:
        return any(a.agency_kind == kind for a in self.attendees)

    @classmethod
    def conference_awaited(cls):
        """A condition: this discussion set a date for an initial child protection conference that
        is neither held nor found not needed (whether it started s47 is asked separately)."""
        return and_(
            cls.icpc_required.is_(True),
            cls.icpc_held_on.is_(None),
            cls.icpc_not_required_reason.is_(None),
            cls.icpc_target_date.is_not(None),
        )


class StrategyAttendee(db.Model):
    __tablename__ = "strategy_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_discussions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    agency_kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "attendee_agency_kind"))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))

    discussion: Mapped[StrategyDiscussion] = relationship(back_populates="attendees")


class AgencyAbsence(db.Model):
    """Why social care, police or health was not at a strategy discussion."""

    __tablename__ = "agency_absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(
        ForeignKey("strategy_discussions.id", ondelete="CASCADE"), index=True
    )
    agency_kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "absent_agency_kind"))
    reason: Mapped[str] = mapped_column(Text)

    discussion: Mapped[StrategyDiscussion] = relationship(back_populates="absences")

    __table_args__ = (UniqueConstraint("discussion_id", "agency_kind"),)


class ProtectivePlan(db.Model):
    __tablename__ = "protective_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    status: Mapped[PlanStatus] = mapped_column(
        _enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT, index=True
    )
    summary: Mapped[str] = mapped_column(Text)
    review_date: Mapped[date] = mapped_column(Date)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    in_force_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    police_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    police_response: Mapped[str | None] = mapped_column(Text)
    health_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    health_response: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="plans")
    actions: Mapped[list[PlanAction]] = relationship(
        back_populates="plan", order_by="PlanAction.id", lazy="selectin"
    )


class PlanAction(db.Model):
    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("protective_plans.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owning_agency_kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "action_agency_kind"))
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[ActionStatus] = mapped_column(
        _enum(ActionStatus, "action_status"), default=ActionStatus.NOT_STARTED
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    update_note: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[ProtectivePlan] = relationship(back_populates="actions")

    @classmethod
    def is_open(cls):
        """A condition: the action is still to be done. The statuses are written into the SQL
        itself, as in the index of open actions, so PostgreSQL can see the index applies."""
        return cls.status.in_(
            bindparam("open_statuses", list(OPEN_ACTION_STATUSES), expanding=True, literal_execute=True)
        )

    def can_update(self, user: User) -> bool:
        """A MASH agency updates any action of a referral it takes part in; an invited agency its own kind's."""
        referral = self.plan.referral
        if not referral.can_view(user) or user.agency is None:
            return False
        return referral.sees_everything(user) or self.owning_agency_kind == user.agency.kind


# An agency's cases, and the part it takes in each: whether it takes part in any as a MASH partner
# is one probe, and every case it takes part in is read from the index alone (the audit's scope,
# app/audit/scope.py: join_agency). The part it takes otherwise (referrer, invited) is in few rows,
# indexed apart. Both are read by the audit's area choices (areas_for).
Index(
    "ix_referral_agencies_agency_id_basis_referral_id",
    referral_agencies.c.agency_id,
    referral_agencies.c.basis,
    referral_agencies.c.referral_id,
)
Index(
    "ix_referral_agencies_not_mash",
    referral_agencies.c.agency_id,
    postgresql_where=referral_agencies.c.basis != Participation.MASH,
    sqlite_where=referral_agencies.c.basis != Participation.MASH,
)

# The inbox's other deadlines, each read in due order from an index of only the rows that can be
# due, so a page reads the deadlines it shows and stops (app/timers/clocks.py: deadlines_for).
Index(
    "ix_plan_actions_open_by_due_date",
    PlanAction.due_date,
    PlanAction.id,
    postgresql_where=PlanAction.is_open(),
    sqlite_where=PlanAction.is_open(),
)
Index(
    "ix_protective_plans_in_force_by_review_date",
    ProtectivePlan.review_date,
    postgresql_where=ProtectivePlan.status == PlanStatus.IN_FORCE,
    sqlite_where=ProtectivePlan.status == PlanStatus.IN_FORCE,
)
Index(
    "ix_strategy_discussions_conference_awaited",
    StrategyDiscussion.icpc_target_date,
    postgresql_where=StrategyDiscussion.conference_awaited(),
    sqlite_where=StrategyDiscussion.conference_awaited(),
)
