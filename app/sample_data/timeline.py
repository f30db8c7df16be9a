"""When things happened on a generated case: how long each step takes, and the times of its steps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from app.domain.clock import LONDON
from app.domain.working_days import threshold_decision_due
from app.sample_data.case_templates import CLOSED, CONFIRM_STEPS, Route, route_steps
from app.sample_data.fictional import randint

if TYPE_CHECKING:
    from app.sample_data.cases import Case

STEP_GAP_HOURS = {  # how long after the step before (min, max hours)
    "triage": (0.2, 3),
    "police_research": (0.25, 3),
    "health_research": (0.25, 3),
    "social_care_research": (0.25, 3),
    "threshold_decision": (0.25, 2),
    "resolve_disagreement": (1, 48),
    "manager_sign_off": (0.5, 24),
    "record_outcome": (0.5, 72),
    "strategy_discussion": (2, 48),
    "protective_plan": (3, 72),
    "police_confirm_plan": (1, 72),
    "health_confirm_plan": (1, 72),
}
REVIEW_DAYS = (28, 84)


def max_span_days(route: Route, flags: dict) -> float:
    """The longest a case's recorded steps can take, in days, so that when it was received can be chosen to fit."""
    hours = sum(STEP_GAP_HOURS.get(step, (0, 0))[1] for step, _ in route_steps(route))
    hours += 24 * 5 * max(0, len(route.rounds) - 1)  # a revised plan is agreed 1 to 5 days after the decline
    days = hours / 24
    if flags.get("late_decision"):
        days += 10  # one working day, perhaps over a long weekend, then up to four days late
    if route.stop == CLOSED and route.rounds:
        days += REVIEW_DAYS[1] + 4
    return days + 0.1


def threshold_due(received: datetime) -> datetime:
    """As services.create_referral: one working day after receipt, counted in London time, stored in UTC."""
    return threshold_decision_due(received.astimezone(LONDON)).astimezone(UTC)


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def at_london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def step_times(case: Case, steps: tuple[tuple[str, object], ...]) -> list[datetime]:
    """When each of `steps` was done, in order, never after now; notes the plan's review day on the case."""
    rng, received, flags = case.rng, case.received, case.plan.flags
    times: list[datetime] = []
    t = received
    plan_time = None
    confirm_times: list[datetime] = []
    for step, _ in steps:
        if step == "threshold_decision" and flags.get("late_decision"):
            t = case.due + timedelta(hours=rng.uniform(2, 96))
        elif step in CONFIRM_STEPS:
            t = plan_time + timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step]))
            confirm_times.append(t)
        elif step == "protective_plan":
            t = max([t, *confirm_times]) + timedelta(
                hours=rng.uniform(*STEP_GAP_HOURS[step]) + (24 * rng.uniform(1, 5) if confirm_times else 0)
            )
            plan_time, confirm_times = t, []
        elif step == "close_plan":
            in_force = max(confirm_times)
            case.review_day = london_day(in_force) + timedelta(days=randint(rng, *REVIEW_DAYS))
            t = at_london(case.review_day, 10) + timedelta(hours=rng.uniform(0, 72))
        else:
            t = t + timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step]))
        times.append(t.replace(microsecond=0))
    # Never in the future: squeeze the whole timeline towards receipt if it would be.
    limit = case.now - timedelta(minutes=1)
    last = max(times, default=received)
    if last > limit:
        scale = max(0.0, (limit - received) / (last - received))
        times = [(received + (x - received) * scale).replace(microsecond=0) for x in times]
    return times
