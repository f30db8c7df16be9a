"""One generated referral: its rows, built from its plan and a copy of its route's template.

The rows are plain dicts, one a table row; the batch fills in their ids and the
bulk writer inserts them. Each case draws from its own random generator, seeded
by the plan, so a case does not change when the cases before it do.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from app.models import RoleName
from app.sample_data import records, reported
from app.sample_data.areas import LANE_ROLE, Area, Person
from app.sample_data.case_mix import Plan
from app.sample_data.case_templates import BEFORE_THRESHOLD, Template, route_steps
from app.sample_data.fictional import choice, referral_source
from app.sample_data.timeline import at_london, step_times, threshold_due


@dataclass(slots=True, eq=False)
class Case:
    """The rows of one generated referral, as they are worked out (ids are filled in by the batch)."""

    plan: Plan
    template: Template
    area: Area
    rng: random.Random
    now: datetime
    today: date
    received: datetime
    due: datetime  # the threshold decision's
    source: str  # CIN census referral source code
    staff_on_case: dict[RoleName, Person]
    children: list[dict] = field(default_factory=list)
    notification: dict = field(default_factory=dict)
    steps: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    discussions: list[tuple[dict, list[dict], list[dict]]] = field(
        default_factory=list
    )  # with attendees, absences
    plans: list[tuple[dict, list[dict]]] = field(default_factory=list)  # with actions
    ready: list[dict] = field(default_factory=list)
    referral: dict = field(default_factory=dict)
    sd_row: dict | None = None  # the strategy discussion's row, once held
    outcome: str | None = None
    closed_at: datetime | None = None
    review_day: date | None = None  # the plan's, when it is closed at review

    def person(self, lane_or_role: str | RoleName) -> Person:
        """Who on this case works in the lane (or has the role)."""
        return self.staff_on_case[LANE_ROLE.get(lane_or_role, lane_or_role)]

    def add_step(
        self, step: str, title: str, lane: str | None, actor: Person, at: datetime, answers: dict
    ) -> None:
        self.steps.append(
            {
                "step": step,
                "title": title,
                "lane": lane,
                "actor_id": actor.id,
                "agency_id": actor.agency_id,
                "at": at,
                "answers": answers,
            }
        )


def build_case(
    plan: Plan,
    template: Template,
    area: Area,
    now: datetime,
    today: date,
    new_reference: Callable[[datetime], str],
) -> Case:
    """Every row of the case `plan` describes, as of `now`."""
    rng = random.Random(plan.seed)
    received = plan.received_at
    source = referral_source(rng, plan.incident)
    case = Case(
        plan,
        template,
        area,
        rng,
        now,
        today,
        received,
        due=threshold_due(received),
        source=source,
        staff_on_case={role: choice(rng, people) for role, people in area.staff.items()},
    )
    case.children = reported.children(case)
    case.notification = reported.notification(case)
    times = step_times(case, route_steps(plan.route))
    records.record_steps(case, times)
    ready_at = max(times, default=received)
    case.ready = _ready_tasks(case, ready_at)
    case.referral = _referral(case, new_reference(received))
    return case


def _ready_tasks(case: Case, ready_at: datetime) -> list[dict]:
    """The template's ready tasks, due as the services would have set them on this case."""
    plan_row = case.plans[-1][0] if case.plans else None
    ready = []
    for task_id, step, title, lane in case.template.ready:
        if step in BEFORE_THRESHOLD:
            due = case.due
        elif step == "close_plan" and plan_row is not None:
            due = at_london(plan_row["review_date"], 17)
        else:
            due = threshold_due(ready_at)  # one working day from when the step became ready
        ready.append(
            {
                "task_id": task_id,
                "step": step,
                "title": title,
                "lane": lane,
                "due_at": due,
                "created_at": ready_at,
                "assigned_to_id": None,
                "working_time": False,
                "due_soon_alerted": False,
            }
        )
    return ready


def _referral(case: Case, reference: str) -> dict:
    tpl, plan, route = case.template, case.plan, case.plan.route
    closed = tpl.closed
    return {
        "reference": reference,
        "status": "closed" if closed else "open",
        "referral_source": case.source,
        "local_authority_area": case.area.name,
        "received_at": case.received,
        "threshold_due_at": case.due,
        "rag": plan.rag if route.stop != "triage" else None,
        "current_step": tpl.current_step,
        "outcome": case.outcome,
        "closed_at": case.closed_at if closed else None,
        "created_by_id": case.notification["submitted_by_id"],
        "created_at": case.received,
        "spec_version_id": tpl.spec_version_id,
        "serializer_version": tpl.serializer_version,
        "workflow_state": _workflow_state(case),
        "version": tpl.version,
    }


def _workflow_state(case: Case) -> str:
    """The template's workflow state with the case's own incident, source, and (before the decision) class and rating."""
    tpl, plan, route = case.template, case.plan, case.plan.route
    state = tpl.state
    if plan.incident != tpl.incident:
        state = _set_in_state(state, "incident_type", tpl.incident, plan.incident)
    if case.source != tpl.source:
        state = _set_in_state(state, "referral_source", tpl.source, case.source)
    if plan.cls != route.cls:  # a template from before the decision: the case's own class and rating
        if plan.cls.startswith("da_"):
            state = _set_in_state(state, "dash_level", None, plan.cls.removeprefix("da_"))
        if plan.cls == "pp":
            state = _set_in_state(state, "police_protection_used", False, True)
    if plan.rag != route.rag:
        state = _set_in_state(state, "rag", route.rag, plan.rag)
    return state


def _set_in_state(state: str, key: str, old: object, new: object) -> str:
    """The serialized workflow state with a process data value replaced wherever it appears.

    Keys are the process's own data names, each written as `"key": value` in the
    task data the state holds (with or without the space, as the serializer wrote it).
    """
    old_json, new_json = json.dumps(old), json.dumps(new)
    for separator in (": ", ":"):
        state = state.replace(f'"{key}"{separator}{old_json}', f'"{key}"{separator}{new_json}')
    return state
