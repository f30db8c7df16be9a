"""When each piece of work is due, and why: the one place due times are worked out.

A due time is a ``Due``: the instant, the reason shown beside it ("Red
rating: 4 clock hours from receipt") and whether lateness counts in working
time. Due times that BPMN timers wait for are written into the process data
(``due_times``, keyed by the BPMN id of the task they time) when the step
before is completed, and the inbox shows that same value; the others are
worked out when the task appears.

Clocks start at receipt by the MASH (``Referral.received_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.domain.clock import LONDON, london_to_utc
from app.domain.response_times import ResponseTime
from app.domain.working_days import (
    ASSESSMENT_WORKING_DAYS,
    THRESHOLD_DECISION_WORKING_DAYS,
    add_working_days,
    threshold_decision_due,
)
from app.timers import settings

#: Children Act 1989 s46: police protection lasts at most 72 hours.
POLICE_PROTECTION_HOURS = 72


@dataclass(frozen=True)
class Due:
    at: datetime
    basis: str
    working_time: bool

    def as_data(self) -> dict[str, Any]:
        """For the process data, where a BPMN timer reads ``at`` (ISO 8601, with its offset)."""
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "basis": self.basis,
            "working_time": self.working_time,
        }

    @classmethod
    def from_data(cls, data: Any) -> Due | None:
        if not isinstance(data, dict) or not isinstance(data.get("at"), str):
            return None
        try:
            at = datetime.fromisoformat(data["at"])
        except ValueError:
            return None
        if at.tzinfo is None:
            return None
        return cls(at.astimezone(UTC), str(data.get("basis") or ""), bool(data.get("working_time")))


def _after(setting_key: str, start: datetime, what: str) -> Due:
    value = settings.response_time(setting_key)
    return Due(value.after(start, settings.working_calendar()), f"{value} {what}", value.unit.working_time)


def statutory_threshold_due(received_at: datetime) -> datetime:
    """One working day from receipt (Working Together to Safeguard Children), counted in UK local time."""
    return threshold_decision_due(received_at.astimezone(LONDON)).astimezone(UTC)


def statutory(received_at: datetime) -> Due:
    return Due(
        statutory_threshold_due(received_at),
        f"{THRESHOLD_DECISION_WORKING_DAYS} working day from receipt (statutory)",
        True,
    )


def rag_response(received_at: datetime, rag: str) -> Due:
    """The RAG rating's response time from receipt: for the research tasks."""
    value: ResponseTime = settings.response_time(settings.RAG_KEYS[rag])
    return Due(
        value.after(received_at, settings.working_calendar()),
        f"{rag.capitalize()} rating: {value} from receipt",
        value.unit.working_time,
    )


def threshold_decision(received_at: datetime, rag: str | None) -> Due:
    """The RAG response time, never later than the statutory one working day (RAG can only shorten it)."""
    ceiling = statutory(received_at)
    if rag not in settings.RAG_KEYS:
        return ceiling
    response = rag_response(received_at, rag)
    if response.at <= ceiling.at:
        return response
    return Due(
        ceiling.at,
        f"{ceiling.basis}; the {rag} rating's {settings.response_time(settings.RAG_KEYS[rag])} is longer",
        True,
    )


def strategy_discussion(decided_at: datetime) -> Due:
    return _after("strategy_discussion", decided_at, "from the decision to start s47")


def plan_confirmation(agreed_at: datetime) -> Due:
    return _after("plan_confirmation", agreed_at, "from when the plan was agreed")


def escalation(raised_at: datetime) -> Due:
    return _after("escalation", raised_at, "from when it was raised")


def disagreement_period(decided_at: datetime) -> Due:
    """Until when an agency taking part may raise a professional disagreement about a decision."""
    return _after("disagreement_period", decided_at, "after the threshold decision")


def police_protection(started_at: datetime) -> Due:
    return Due(
        started_at.astimezone(UTC) + timedelta(hours=POLICE_PROTECTION_HOURS),
        f"Police protection lasts at most {POLICE_PROTECTION_HOURS} hours (Children Act 1989 s46)",
        False,
    )


def end_of_working_day(day: date) -> datetime:
    return london_to_utc(day, settings.working_calendar().closes)


def assessment(received_at: datetime) -> Due:
    day = add_working_days(received_at.astimezone(LONDON).date(), ASSESSMENT_WORKING_DAYS)
    return Due(end_of_working_day(day), f"{ASSESSMENT_WORKING_DAYS} working days from the referral", True)


def plan_review(review_date: date) -> Due:
    return Due(end_of_working_day(review_date), "The plan's review date", True)


def one_working_day(start: datetime) -> Due:
    """The local standard for steps with no timescale of their own."""
    return Due(
        threshold_decision_due(start.astimezone(LONDON)).astimezone(UTC),
        "1 working day from when the task appeared (local standard)",
        True,
    )


RESEARCH_STEPS = frozenset({"police_research", "health_research", "social_care_research"})


def for_step(referral: Any, step: str, now: datetime) -> Due:
    """When a task that has just appeared is due, if the process data did not say.

    (Steps with BPMN timers get their due time from the process data, written
    when the step before was completed; this gives the same value for them.)
    """
    from app.workflow.contract import RAISED_BY

    if step == "triage":
        return statutory(referral.received_at)
    if step in RESEARCH_STEPS:
        return (
            rag_response(referral.received_at, referral.rag)
            if referral.rag
            else statutory(referral.received_at)
        )
    if step in ("threshold_decision", "resolve_disagreement"):
        return threshold_decision(referral.received_at, referral.rag)
    if step == "strategy_discussion":
        return strategy_discussion(now)
    if step in ("police_confirm_plan", "health_confirm_plan"):
        return plan_confirmation(now)
    if step == "close_plan" and referral.plan is not None:
        return plan_review(referral.plan.review_date)
    if step == "assessment_outcome":
        return assessment(referral.received_at)
    if step == "police_protection_review":
        started = referral.notification.pp_started_at if referral.notification else None
        return police_protection(started or referral.received_at)
    if step in RAISED_BY:
        return escalation(now)
    return one_working_day(now)
