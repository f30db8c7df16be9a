"""Every clock running on a referral, for its page and the inbox's other deadlines.

Tasks carry their own due times (ready_tasks). Some clocks are not a task of
anyone's until late, or never: police protection's 72 hours, the initial
child protection conference, each plan action. This lists them all, with
what ends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased, lazyload, load_only

from app.extensions import db
from app.models import (
    ActionStatus,
    AgencyKind,
    Assessment,
    PlanAction,
    PlanStatus,
    ProtectivePlan,
    Referral,
    StrategyDiscussion,
    User,
)
from app.models.missing import RETURN_HOME_INTERVIEW_HOURS, MissingEpisode
from app.permissions import lanes_for
from app.timers import due as due_times
from app.workflow.contract import S47_DECISIONS, S47_OUTCOMES

#: Which lane answers for a plan action, by the agency that owns it.
ACTION_LANES = {
    AgencyKind.POLICE: "Police",
    AgencyKind.HEALTH: "Health",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Social care",
}


@dataclass(frozen=True)
class Clock:
    name: str
    due_at: datetime
    basis: str
    working_time: bool
    ended_at: datetime | date | None = None
    lane: str | None = None

    def status(self, now: datetime) -> str:
        if self.ended_at is not None:
            ended = self.ended_at
            if isinstance(ended, date) and not isinstance(ended, datetime):
                ended = due_times.end_of_working_day(ended)
            return "met" if ended <= self.due_at else "missed"
        return "overdue" if self.due_at < now else "running"


def clocks_for(referral: Referral) -> list[Clock]:
    clocks: list[Clock] = []
    decision = referral.threshold_decision
    statutory = due_times.statutory(referral.received_at)
    clocks.append(
        Clock(
            "Threshold decision (statutory)",
            statutory.at,
            statutory.basis,
            True,
            decision.decided_at if decision else None,
            "Social care",
        )
    )
    if referral.rag:
        response = due_times.threshold_decision(referral.received_at, referral.rag)
        if response.at != statutory.at:
            clocks.append(
                Clock(
                    "Threshold decision (RAG rating)",
                    response.at,
                    response.basis,
                    response.working_time,
                    decision.decided_at if decision else None,
                    "Social care",
                )
            )
    n = referral.notification
    if n is not None and n.pp_started_at is not None:
        pp = due_times.police_protection(n.pp_started_at)
        clocks.append(
            Clock("Police protection (72 hours)", pp.at, pp.basis, False, n.pp_rescinded_at, "Police")
        )
    sd = referral.strategy_discussion
    if sd is not None and sd.decision in S47_DECISIONS and sd.icpc_required and sd.icpc_target_date:
        clocks.append(
            Clock(
                "Initial child protection conference",
                due_times.end_of_working_day(sd.icpc_target_date),
                "15 working days from the strategy discussion that started s47",
                True,
                sd.icpc_held_on,
                "Social care",
            )
        )
    s47_started = referral.outcome in S47_OUTCOMES and sd is not None and sd.decision in S47_DECISIONS
    if referral.outcome == "s17" or s47_started:
        assessment = due_times.assessment(referral.received_at)
        done = db.session.scalar(
            select(Assessment.completed_on).where(Assessment.referral_id == referral.id).limit(1)
        )
        clocks.append(Clock("Assessment", assessment.at, assessment.basis, True, done, "Social care"))
    plan = referral.plan
    if plan is not None:
        review = due_times.plan_review(plan.review_date)
        clocks.append(Clock("Plan review", review.at, review.basis, True, plan.closed_at, "Social care"))
        for action in plan.actions:
            finished = action.status in (ActionStatus.DONE, ActionStatus.CANCELLED)
            clocks.append(
                Clock(
                    f"Plan action: {action.description}",
                    due_times.end_of_working_day(action.due_date),
                    f"Due date agreed in the plan ({action.owner}, {action.owning_agency_kind.label})",
                    True,
                    action.updated_at if finished else None,
                    ACTION_LANES.get(action.owning_agency_kind),
                )
            )
    return sorted(clocks, key=lambda clock: clock.due_at)


@dataclass(frozen=True)
class Deadline:
    """A clock that is not a task (a plan action, a conference, a plan review, a return home
    interview), for the inbox."""

    referral: Referral
    name: str
    due_at: datetime
    basis: str
    lane: str


#: The list shows each deadline's referral by its reference: none of its relationships, and
#: none of its other columns (the workflow state is the largest of a referral's row).
_REFERENCE_ONLY = (lazyload("*"), load_only(Referral.id, Referral.reference))


def deadlines_for(user: User, *, limit: int = 200) -> list[Deadline]:
    """Plan actions in force, conferences not yet held, plan reviews and return home interviews
    outstanding, in the user's lanes, on referrals they see."""
    lanes = lanes_for(user)
    visible = Referral.seen_by(user)  # correlated with each query's referral
    found: list[Deadline] = []
    kinds = [kind for kind, lane in ACTION_LANES.items() if lane in lanes]
    if kinds:
        rows = db.session.execute(
            select(PlanAction, Referral)
            .join(ProtectivePlan, ProtectivePlan.id == PlanAction.plan_id)
            .join(Referral, Referral.id == ProtectivePlan.referral_id)
            .where(
                ProtectivePlan.status == PlanStatus.IN_FORCE,
                PlanAction.is_open(),
                PlanAction.owning_agency_kind.in_(kinds),
                visible,
            )
            .order_by(PlanAction.due_date, PlanAction.id)
            .limit(limit)
            .options(*_REFERENCE_ONLY)
        ).all()
        found += [
            Deadline(
                referral,
                f"Plan action: {action.description} ({action.owner})",
                due_times.end_of_working_day(action.due_date),
                "Due date agreed in the plan",
                ACTION_LANES[action.owning_agency_kind],
            )
            for action, referral in rows
        ]
    if "Social care" in lanes:
        later = aliased(StrategyDiscussion)
        rows = db.session.execute(
            select(StrategyDiscussion, Referral)
            .join(Referral, Referral.id == StrategyDiscussion.referral_id)
            .where(
                StrategyDiscussion.conference_awaited(),
                StrategyDiscussion.decision.in_(S47_DECISIONS),
                visible,
                # Only the referral's latest discussion sets the conference's date.
                ~select(later.id)
                .where(later.referral_id == StrategyDiscussion.referral_id, later.id > StrategyDiscussion.id)
                .exists(),
            )
            .order_by(StrategyDiscussion.icpc_target_date)
            .limit(limit)
            .options(*_REFERENCE_ONLY)
        ).all()
        found += [
            Deadline(
                referral,
                "Initial child protection conference",
                due_times.end_of_working_day(sd.icpc_target_date),
                "15 working days from the strategy discussion that started s47",
                "Social care",
            )
            for sd, referral in rows
        ]
        found += _plan_reviews(visible, limit) + _return_home_interviews(visible, limit)
    return sorted(found, key=lambda deadline: deadline.due_at)[:limit]


def _plan_reviews(visible, limit: int) -> list[Deadline]:
    """Plans in force, by their review date: the Social care lane's."""
    rows = db.session.execute(
        select(ProtectivePlan.review_date, Referral)
        .join(Referral, Referral.id == ProtectivePlan.referral_id)
        .where(ProtectivePlan.status == PlanStatus.IN_FORCE, visible)
        .order_by(ProtectivePlan.review_date)
        .limit(limit)
        .options(*_REFERENCE_ONLY)
    ).all()
    return [
        Deadline(referral, "Plan review", due.at, due.basis, "Social care")
        for review_date, referral in rows
        for due in (due_times.plan_review(review_date),)
    ]


def _return_home_interviews(visible, limit: int) -> list[Deadline]:
    """Children found after going missing whose return home interview is not yet held or declined."""
    rows = db.session.execute(
        select(MissingEpisode, Referral)
        .join(Referral, Referral.id == MissingEpisode.referral_id)
        .where(
            MissingEpisode.found_at.is_not(None),
            MissingEpisode.awaiting_interview(),
            visible,
        )
        .order_by(MissingEpisode.found_at)
        .limit(limit)
        .options(*_REFERENCE_ONLY)
    ).all()
    return [
        Deadline(
            referral,
            "Return home interview",
            episode.interview_due_at,
            f"{RETURN_HOME_INTERVIEW_HOURS} hours after the child was found",
            "Social care",
        )
        for episode, referral in rows
    ]
