"""Fictional front-door data for the managers' audit, with known gaps planted.

`generate(n, seed=1, now=None)` adds `n` clearly fictional referrals spread over
the 12 months before `now`, in two local authority areas (Northshire, the demo
area, and Southvale), and returns, for each gap slug in docs/audit-rules.md, the
exact set of referral ids planted in it. Every other generated case is gap-free
as of `now`. It adds rows and flushes; the caller commits once.

How many are planted
    k = max(1, n // 40) cases per gap, so 0.5% to 2.5% of cases per gap and
    at least one in every gap from n = 22 up. Below 22 only the first n // 2
    gaps (in the order of docs/audit-rules.md) get one case each, so that at
    least half the cases stay gap-free. Some rules overlap by definition and
    the returned sets say so: a police-protection case planted without a
    strategy discussion is also in `s47-no-strategy-discussion`, and one
    planted with a discussion but no plan in force is also in
    `strategy-discussion-no-plan`.

How it stays fast
    The workflow engine does not run per referral. Each distinct route
    through the process (what triage, research, the decision, the strategy
    discussion and the plan rounds answered, and where the referral stops)
    is driven once through the real services, as a template, inside a
    SAVEPOINT that is rolled back. The generated referrals copy the
    template's workflow state, spec version and ready tasks (the incident
    type and referral source in the copied state are replaced by the case's
    own; before the decision, which is the first step to read them, so are
    the class and RAG rating), and get their own notification, children,
    timeline and records, written in batches of 2,000 referrals straight to
    the driver (COPY on PostgreSQL). About 70 templates cover every shape.
"""

from __future__ import annotations

import gc
import json
import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from operator import itemgetter

from sqlalchemy import func, select
from sqlalchemy import text as sql

from app.audit.facts import write_new_referrals
from app.domain.clock import LONDON, utcnow
from app.domain.working_days import add_working_days, icpc_due, is_working_day, threshold_decision_due
from app.extensions import db
from app.models import (
    AgencyAbsence,
    Child,
    Notification,
    PlanAction,
    ProtectivePlan,
    ReadyTask,
    Referral,
    ReferralStatus,
    StepRecord,
    StrategyAttendee,
    StrategyDiscussion,
    ThresholdDecision,
)
from app.models.people import Agency, AgencyKind, Role, RoleName, User
from app.models.referrals import referral_agencies
from app.workflow.contract import S47_OUTCOMES

# The gaps of docs/audit-rules.md, in its order.
GAP_SLUGS: tuple[str, ...] = (
    "s47-no-strategy-discussion",
    "strategy-discussion-no-plan",
    "strategy-discussion-missing-agency",
    "overdue-actions",
    "late-threshold-decision",
    "child-not-heard",
    "da-standard-nfa-no-research",
    "children-in-custody",
    "police-protection",
    "icpc-overdue",
    "unresolved-escalations",
)

BATCH_SIZE = 2_000
MAX_REFERRALS = 1_000_000

CLOSED = "closed"
CONFIRM_STEPS = ("police_confirm_plan", "health_confirm_plan")
RESEARCH_STEPS = ("police_research", "health_research", "social_care_research")
BEFORE_THRESHOLD = frozenset({"triage", *RESEARCH_STEPS, "threshold_decision", "resolve_disagreement"})


class GeneratorError(RuntimeError):
    """The process files no longer take a route the generator relies on."""


def plants_per_gap(n: int) -> list[int]:
    """How many cases are planted in each gap, in GAP_SLUGS order (see the module docstring)."""
    if n >= 2 * len(GAP_SLUGS):
        return [max(1, n // 40)] * len(GAP_SLUGS)
    first = n // 2
    return [1] * first + [0] * (len(GAP_SLUGS) - first)


# --------------------------------------------------------------------------- areas and staff

SOUTHVALE_AGENCIES: list[tuple[str, AgencyKind]] = [
    ("Southvale Police", AgencyKind.POLICE),
    ("Southvale Children's Services", AgencyKind.CHILDRENS_SOCIAL_CARE),
    ("Southvale Health", AgencyKind.HEALTH),
    ("Southvale Schools", AgencyKind.EDUCATION),
]

AREA_WEIGHTS = {"Northshire": 3, "Southvale": 2}
TOWNS = {
    "Northshire": ["Northtown", "Ashby Parva", "Kettlewick", "Holmbridge"],
    "Southvale": ["Southmere", "Vale Cross", "Brookhampton", "Lowerby"],
}
POSTCODES = {"Northshire": "NS", "Southvale": "SV"}

# role, agency kind, name suffix, job title, how many per area
STAFF: list[tuple[RoleName, AgencyKind, str, str, int]] = [
    (RoleName.POLICE, AgencyKind.POLICE, "Officer", "MASH police researcher", 3),
    (RoleName.SOCIAL_CARE, AgencyKind.CHILDRENS_SOCIAL_CARE, "Social-Worker", "MASH social worker", 4),
    (RoleName.HEALTH, AgencyKind.HEALTH, "Nurse", "MASH health practitioner", 2),
    (RoleName.MASH_MANAGER, AgencyKind.CHILDRENS_SOCIAL_CARE, "Manager", "MASH team manager", 2),
]
STAFF_FIRST_NAMES = [
    "Robin",
    "Jo",
    "Alex",
    "Charlie",
    "Jamie",
    "Drew",
    "Casey",
    "Riley",
    "Avery",
    "Frankie",
    "Sasha",
]
LANE_ROLE = {
    "Police": RoleName.POLICE,
    "Social care": RoleName.SOCIAL_CARE,
    "Health": RoleName.HEALTH,
    "Manager": RoleName.MASH_MANAGER,
}


@dataclass
class Person:
    id: int
    name: str
    agency_id: int
    job_title: str


@dataclass
class Area:
    name: str
    agency_ids: list[int]
    agency_names: dict[AgencyKind, str]
    agency_ids_by_kind: dict[AgencyKind, int]
    staff: dict[RoleName, list[Person]] = field(default_factory=dict)
    users: dict[RoleName, list[User]] = field(default_factory=dict)


def _area_agencies() -> dict[str, list[tuple[str, AgencyKind]]]:
    from app.demo import DEMO_AGENCIES  # the demo area's agencies, by the same names

    return {"Northshire": list(DEMO_AGENCIES), "Southvale": SOUTHVALE_AGENCIES}


def ensure_areas() -> dict[str, Area]:
    """The two areas' agencies and generated staff, created if missing (running twice is harmless)."""
    from app.demo import DEMO_PASSWORD
    from app.passwords import hash_password

    areas: dict[str, Area] = {}
    password_hash: str | None = None
    for area_name, agencies in _area_agencies().items():
        rows: list[Agency] = []
        for name, kind in agencies:
            agency = db.session.scalar(select(Agency).where(Agency.name == name))
            if agency is None:
                agency = Agency(name=name, kind=kind, local_authority_area=area_name)
                db.session.add(agency)
            rows.append(agency)
        db.session.flush()
        in_area = db.session.scalars(
            select(Agency).where(Agency.local_authority_area == area_name).order_by(Agency.id)
        ).all()
        by_kind = {a.kind: a for a in rows}
        area = Area(
            area_name,
            agency_ids=[a.id for a in in_area],
            agency_names={k: a.name for k, a in by_kind.items()},
            agency_ids_by_kind={k: a.id for k, a in by_kind.items()},
        )
        for role, kind, suffix, job_title, count in STAFF:
            area.staff[role], area.users[role] = [], []
            for i in range(1, count + 1):
                email = f"generated.{role.value.replace('_', '-')}.{i}@{area_name.lower()}.example"
                user = User.by_email(email)
                if user is None:
                    password_hash = password_hash or hash_password(DEMO_PASSWORD)
                    first = STAFF_FIRST_NAMES[(i * 3 + len(suffix) + len(area_name)) % len(STAFF_FIRST_NAMES)]
                    user = User(
                        email=email,
                        full_name=f"{first} Example-{suffix}",
                        job_title=f"{job_title} (generated)",
                        agency=by_kind[kind],
                        roles=[Role.get_or_create(role)],
                        password_hash=password_hash,
                    )
                    db.session.add(user)
                    db.session.flush()
                area.users[role].append(user)
                area.staff[role].append(
                    Person(user.id, user.full_name, user.agency_id, user.job_title or job_title)
                )
        areas[area_name] = area
    return areas


# --------------------------------------------------------------------------- routes through the process


@dataclass(frozen=True)
class Route:
    """One way through the process, and where it stops. Equal routes share a template.

    `cls` is what the threshold table reads from the notification: `plain`,
    `custody` (child in custody, CSE or CCE: rule R7), `pp` (police
    protection: R1) or `da_standard` / `da_medium` / `da_high` (DASH).
    """

    cls: str = "plain"
    rag: str = "green"
    harm: bool = False
    research: bool = True
    disagree: str | None = None  # "police" or "health" disagreed with triage at research
    decision: str | None = None  # the practitioner's threshold outcome
    final: str | None = None  # the manager's outcome, when escalated and resolved
    sd: str | None = None  # the strategy discussion's decision
    # Each plan's (police, health) confirmation; None: not answered yet.
    rounds: tuple[tuple[bool | None, bool | None], ...] = ()
    stop: str = CLOSED  # the step ready at the end, or CLOSED
    research_done: int = 3  # stopping at research: how many of the three are done

    @property
    def recommended(self) -> str:
        """What threshold.dmn recommends for this route's answers (checked against the template)."""
        if self.cls == "pp":
            return "immediate_protection"
        if self.harm or self.rag == "red" or self.cls == "da_high":
            return "s47"
        if self.rag == "amber" or self.cls == "custody":
            return "s17"
        if self.cls == "da_medium":
            return "early_help"
        return "nfa"

    @property
    def escalated(self) -> bool:
        return self.decision is not None and (self.decision != self.recommended or self.disagree is not None)

    @property
    def outcome(self) -> str | None:
        return self.final or self.decision

    @property
    def plan_in_force(self) -> bool:
        return bool(self.rounds) and self.rounds[-1] == (True, True)


@cache
def route_steps(route: Route) -> tuple[tuple[str, object], ...]:
    return tuple(_route_steps(route))


def _route_steps(route: Route) -> list[tuple[str, object]]:
    """The steps completed on `route`, in order, with the answer that matters to the process."""
    done: list[tuple[str, object]] = []
    if route.stop == "triage":
        return done
    done.append(("triage", None))
    if route.research:
        research = [(s, route.disagree == s.removesuffix("_research")) for s in RESEARCH_STEPS]
        if route.stop == "research":
            return done + research[: route.research_done]
        done += research
    if route.stop == "threshold_decision":
        return done
    done.append(("threshold_decision", route.decision))
    if route.escalated:
        if route.stop == "resolve_disagreement":
            return done
        done.append(("resolve_disagreement", route.final))
    if route.outcome in S47_OUTCOMES:
        if route.stop == "strategy_discussion":
            return done
        done.append(("strategy_discussion", route.sd))
        if route.sd != "no_s47":
            for i, (police, health) in enumerate(route.rounds):
                done.append(("protective_plan", i))
                if police is not None:
                    done.append(("police_confirm_plan", police))
                if health is not None:
                    done.append(("health_confirm_plan", health))
            if route.stop == CLOSED:
                done.append(("close_plan", None))
            return done
    if route.stop == CLOSED:
        done.append(("record_outcome", None))
    return done


@dataclass
class Template:
    state: str
    serializer_version: str
    spec_version_id: int
    current_step: str | None
    version: int
    closed: bool
    ready: list[tuple[str, str, str, str]]  # task id, step, title, lane
    recommended: tuple[str, str] | None  # outcome and rule, when a decision was made
    incident: str
    source: str


# The incident type each class's template starts with; the copies' states get their own.
TEMPLATE_INCIDENT = {
    "plain": "neglect",
    "custody": "child_in_custody",
    "pp": "police_protection",
    "da_standard": "domestic_abuse",
    "da_medium": "domestic_abuse",
    "da_high": "domestic_abuse",
}


def _template_answers(step: str, arg: object, route: Route, now: datetime) -> dict:
    soon = now.astimezone(LONDON).date() + timedelta(days=7)
    if step == "triage":
        return {
            "rag": route.rag,
            "rag_reason": "Template.",
            "significant_harm_suspected": route.harm,
            "research_needed": route.research,
            "research_not_needed_reason": None if route.research else "Template: no checks needed.",
        }
    if step in RESEARCH_STEPS:
        return {
            "findings": "Template.",
            "information_shared": "Template.",
            "shared_with": "MASH",
            "purpose": "Template.",
            "lawful_basis": "dpa_2018_safeguarding",
            "disagrees": bool(arg),
            "disagreement_reason": "Template disagreement." if arg else None,
        }
    if step == "threshold_decision":
        return {"outcome": arg, "rationale": "Template."}
    if step == "resolve_disagreement":
        return {"outcome": arg, "resolution": "Template."}
    if step == "record_outcome":
        return {"primary_need": "N1", "next_step": "Template.", "closure_reason": None}
    if step == "assessment_outcome":
        return {
            "completed_on": now.astimezone(LONDON).date(),
            "factors": ["21"],
            "outcome": "cin_plan",
            "summary": "Template.",
        }
    if step == "strategy_discussion":
        return {
            "held_at": now - timedelta(hours=1),
            "chair": "Template",
            "information_shared": "Template.",
            "decision": arg,
            "attendees": [
                {"name": "Template SW", "agency_kind": "childrens_social_care", "role": "Social worker"},
                {"name": "Template DS", "agency_kind": "police", "role": "Detective sergeant"},
                {"name": "Template HV", "agency_kind": "health", "role": "Named nurse"},
            ],
            "social_care_absence_reason": None,
            "police_absence_reason": None,
            "health_absence_reason": None,
            "criminal_investigation": False,
            "criminal_investigation_plan": None,
            "immediate_actions": "Template.",
            "legal_action_considered": False,
            "legal_action_notes": None,
            "other_children_considered": True,
            "other_children_notes": None,
            "icpc_required": arg != "no_s47",
        }
    if step == "protective_plan":
        return {
            "summary": "Template.",
            "review_date": soon,
            "actions": [
                {
                    "description": "Template.",
                    "owning_agency_kind": "childrens_social_care",
                    "owner": "Template",
                    "due_date": soon,
                }
            ],
        }
    if step in CONFIRM_STEPS:
        return {"confirmed": bool(arg), "response": None if arg else "Template decline."}
    if step == "close_plan":
        return {"closure_summary": "Template.", "closure_reason": "RC7"}
    raise GeneratorError(f"No template answers for step {step!r}")


def _drive_template(route: Route, area: Area, number: int) -> Template:
    from app.referrals import services

    now = utcnow().replace(microsecond=0)
    actors = {lane: area.users[role][0] for lane, role in LANE_ROLE.items()}
    incident = TEMPLATE_INCIDENT[route.cls]
    notification = {name: None for name in (*NOTIFICATION_TIME_FIELDS, *NOTIFICATION_OTHER_FIELDS)}
    notification.update(
        referral_source="6",
        incident_type=incident,
        occurred_at=now - timedelta(hours=2),
        location="Template",
        description="Template.",
        immediate_action="Template.",
        dash_level=route.cls.removeprefix("da_") if route.cls.startswith("da_") else None,
        pp_started_at=now - timedelta(hours=1) if route.cls == "pp" else None,
        # Ended already, so the template's process does not wait for it; each case's own
        # notification says when (or whether) it ended.
        pp_rescinded_at=now - timedelta(minutes=30) if route.cls == "pp" else None,
        children=[
            {
                "full_name": f"Generator Template-{number}-{now:%H%M%S%f}",
                "date_of_birth": date(2015, 1, 1),
                "sex": "2",
                "nhs_number": None,
                "address": "Template",
                "school": None,
                "present": True,
                "spoken_to": True,
                "not_spoken_to_reason": None,
                "voice": "Template.",
                "voice_not_recorded_reason": None,
                "demeanour": "Template.",
                "demeanour_not_recorded_reason": None,
                "injuries": None,
            }
        ],
    )
    referral = services.create_referral(actors["Police"], notification)
    for step, arg in route_steps(route):
        task = next((t for t in referral.ready_tasks if t.step == step), None)
        if task is None:
            ready = ", ".join(t.step for t in referral.ready_tasks) or "nothing"
            raise GeneratorError(f"The process did not offer {step!r} on {route}: ready was {ready}")
        services.complete_task(
            actors[task.lane],
            referral,
            task.task_id,
            referral.version,
            _template_answers(step, arg, route, now),
        )
    # A closed s17 or s47 case has had its assessment too (not one of the audited steps).
    assessment = next((t for t in referral.ready_tasks if t.step == "assessment_outcome"), None)
    if route.stop == CLOSED and assessment is not None:
        services.complete_task(
            actors[assessment.lane],
            referral,
            assessment.task_id,
            referral.version,
            _template_answers("assessment_outcome", None, route, now),
        )
    ready_steps = {t.step for t in referral.ready_tasks}
    closed = referral.status is ReferralStatus.CLOSED
    expected = (
        closed
        if route.stop == CLOSED
        else (
            bool(ready_steps & set(RESEARCH_STEPS)) if route.stop == "research" else route.stop in ready_steps
        )
    )
    if not expected:
        raise GeneratorError(f"{route} did not stop at {route.stop!r}: ready was {sorted(ready_steps)}")
    decision = referral.threshold_decision
    recommended = None
    if decision is not None:
        recommended = (decision.recommended_outcome, decision.recommendation_rule)
        if decision.recommended_outcome != route.recommended or decision.escalated != route.escalated:
            raise GeneratorError(
                f"threshold.dmn recommended {decision.recommended_outcome!r} (escalated: {decision.escalated}) "
                f"for {route}; the generator expected {route.recommended!r} (escalated: {route.escalated})"
            )
    for record in referral.steps:
        STEP_TITLES.setdefault(record.step, (record.title, record.lane))
    return Template(
        state=referral.workflow_state,
        serializer_version=referral.serializer_version,
        spec_version_id=referral.spec_version_id,
        current_step=referral.current_step,
        version=referral.version,
        closed=closed,
        ready=[(t.task_id, t.step, t.title, t.lane) for t in referral.ready_tasks],
        recommended=recommended,
        incident=incident,
        source="6",
    )


# Each step's title and lane, as the services record them (filled from the templates).
STEP_TITLES: dict[str, tuple[str, str | None]] = {}


# Templates by (process version, route): the same route on the same files drives the same way.
_TEMPLATES: dict[tuple[str, Route], Template] = {}


def build_templates(routes: set[Route], area: Area) -> dict[Route, Template]:
    """Drive each route once through the real services, inside a SAVEPOINT that is rolled back.

    Kept for the life of the process, by the content hash of the process files, so
    a second run (or a second test) only drives the routes it has not seen.
    """
    from dataclasses import replace

    from app.referrals import workflow

    spec = workflow.current_spec_row()  # outside the savepoint: the copies point at it
    db.session.flush()
    missing = sorted((r for r in routes if (spec.content_hash, r) not in _TEMPLATES), key=repr)
    if missing:
        savepoint = db.session.begin_nested()
        try:
            for number, route in enumerate(missing):
                _TEMPLATES[(spec.content_hash, route)] = _drive_template(route, area, number)
        finally:
            savepoint.rollback()
    return {r: replace(_TEMPLATES[(spec.content_hash, r)], spec_version_id=spec.id) for r in routes}


# --------------------------------------------------------------------------- what each case is


@dataclass(slots=True)
class Plan:
    """One case to generate: its route, what it is about, when, and what is planted in it."""

    route: Route  # the template's route (before the decision, with a neutral class and rating)
    incident: str
    area: str
    window: tuple[float, float]  # received between these many days before now (older, newer)
    seed: int
    slugs: tuple[str, ...] = ()
    flags: dict = field(default_factory=dict)
    received_at: datetime | None = None
    cls: str = "plain"  # the case's own class and rating (the route's, except before the decision)
    rag: str = "green"

    def __post_init__(self) -> None:
        self.cls, self.rag = self.route.cls, self.route.rag
        if self.route.stop in ("triage", "research"):
            # Nothing has read them yet: one template serves every class and rating,
            # and the copies' states are given the case's own values.
            self.route = Route(stop=self.route.stop, research_done=self.route.research_done)


PLAIN_INCIDENTS = {
    "physical_abuse": 14,
    "neglect": 14,
    "emotional_abuse": 8,
    "sexual_abuse": 4,
    "missing": 14,
    "online_abuse": 6,
    "person_posing_risk": 5,
    "other": 4,
}
HARM_INCIDENTS = {
    "physical_abuse": 10,
    "sexual_abuse": 6,
    "neglect": 6,
    "online_abuse": 3,
    "emotional_abuse": 2,
}
CUSTODY_INCIDENTS = {"child_in_custody": 5, "cse": 3, "cce": 3}

RECENT = (0.75, 0.01)  # received in the last 18 hours: the decision is not yet due
RECENT_DAYS = (4.0, 0.1)
HISTORY = (355.0, 0.0)
ACTIVE = (100.0, 0.0)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _class_and_incident(rng: random.Random, harm: bool = False) -> tuple[str, str]:
    roll = rng.random()
    if harm:
        if roll < 0.2:
            return "da_high", "domestic_abuse"
        return "plain", _pick(rng, HARM_INCIDENTS)
    if roll < 0.3:
        return rng.choice(["da_standard", "da_standard", "da_medium"]), "domestic_abuse"
    if roll < 0.4:
        return "custody", _pick(rng, CUSTODY_INCIDENTS)
    return "plain", _pick(rng, PLAIN_INCIDENTS)


def _s47_route(rng: random.Random, main: bool = False, **changes) -> tuple[Route, str]:
    """A route the table sends to s47 (significant harm, red, or high-risk domestic abuse), decided as recommended.

    `main`: the commonest triage and a joint investigation, for the rarer shapes (fewer templates).
    """
    variant = 0 if main else rng.choices([0, 1, 2], [5, 3, 2])[0]
    if variant == 2:
        route, incident = Route(cls="da_high", rag="red", decision="s47"), "domestic_abuse"
    else:
        route, incident = (
            Route(rag=("red", "amber")[variant], harm=True, decision="s47"),
            _pick(rng, HARM_INCIDENTS),
        )
    sd = (
        "joint_investigation"
        if main
        else rng.choice(["joint_investigation", "joint_investigation", "single_agency_s47"])
    )
    return _with(route, **{"sd": sd, **changes}), incident


def _with(route: Route, **changes) -> Route:
    from dataclasses import replace

    return replace(route, **changes)


def _clean(rng: random.Random) -> tuple[Route, str, tuple[float, float], dict]:
    """A gap-free case, by weighted shape.

    Roughly a MASH's mix: a third no further action, a quarter child in need, an
    eighth early help, about one in eight reaching a strategy discussion; a few
    received in the last hours and not yet decided.
    """
    kind = rng.choices(
        [
            "triage",
            "research",
            "decision",
            "record",
            "nfa",
            "nfa_quick",
            "nfa_da",
            "nfa_da_absent",
            "early_help",
            "s17",
            "escalated",
            "no_s47",
            "in_force",
            "plan_closed",
            "revised",
            "escalated_s47",
            "pp",
        ],
        [1.2, 1.2, 1.0, 0.6, 24, 7, 7, 0.4, 12, 22, 4, 3, 2.5, 5, 0.8, 0.5, 1],
    )[0]
    if kind in ("triage", "research", "decision"):
        if rng.random() < 0.06:
            cls, incident = "pp", "police_protection"
        else:
            cls, incident = _class_and_incident(rng)
        stop = {"triage": "triage", "research": "research", "decision": "threshold_decision"}[kind]
        rag = (
            "green" if stop == "triage" else rng.choice(["red", "amber", "amber", "green", "green", "green"])
        )
        if stop == "threshold_decision" and cls != "pp":
            rag = rng.choice(["amber", "green"])  # fewer templates: the recommendation is in the state
        done = rng.randrange(3) if stop == "research" else 3
        return Route(cls=cls, rag=rag, stop=stop, research_done=done), incident, RECENT, {}
    if kind == "record":
        route, incident = _non_s47(rng)
        return _with(route, stop="record_outcome"), incident, RECENT_DAYS, {}
    if kind == "nfa":
        return Route(decision="nfa"), _pick(rng, PLAIN_INCIDENTS), HISTORY, {}
    if kind == "nfa_quick":  # triage saw no need for checks
        return Route(decision="nfa", research=False), _pick(rng, PLAIN_INCIDENTS), HISTORY, {}
    if kind == "nfa_da":
        return Route(cls="da_standard", decision="nfa"), "domestic_abuse", HISTORY, {}
    if kind == "nfa_da_absent":  # standard DA, no checks, but no child was present: not rule 7
        return (
            Route(cls="da_standard", decision="nfa", research=False),
            "domestic_abuse",
            HISTORY,
            {"none_present": True},
        )
    if kind == "early_help":
        return Route(cls="da_medium", decision="early_help"), "domestic_abuse", HISTORY, {}
    if kind == "s17":
        route, incident = _non_s47(rng, outcome="s17")
        return route, incident, HISTORY, {}
    if kind == "escalated":
        variant = rng.randrange(3)
        if variant == 0:
            route = Route(rag="amber", decision="early_help", final=rng.choice(["s17", "early_help"]))
        elif variant == 1:
            route = Route(decision="nfa", disagree="police", final="s17")
        else:
            route = Route(cls="da_medium", decision="early_help", disagree="health", final="s17")
        incident = "domestic_abuse" if route.cls == "da_medium" else _pick(rng, PLAIN_INCIDENTS)
        return route, incident, HISTORY, {}
    if kind == "no_s47":
        route, incident = _s47_route(rng, sd="no_s47")
        return route, incident, HISTORY, {}
    if kind in ("in_force", "plan_closed", "revised", "escalated_s47"):
        route, incident = _s47_route(
            rng, main=kind != "plan_closed" and kind != "in_force", rounds=((True, True),)
        )
        if kind == "revised":
            route = _with(route, rounds=(rng.choice([(False, True), (True, False)]), (True, True)))
        if kind == "escalated_s47":  # police disagreed with s17; the manager decided s47
            route = _with(
                route, cls="plain", rag="amber", harm=False, decision="s17", disagree="police", final="s47"
            )
            incident = _pick(rng, PLAIN_INCIDENTS)
        if kind == "in_force" or (kind == "revised" and rng.random() < 0.3):
            return _with(route, stop="close_plan"), incident, ACTIVE, {}
        return route, incident, HISTORY, {}
    # police protection, done properly: rescinded, discussion, plan in force
    route = Route(
        cls="pp",
        rag="red",
        harm=True,
        decision="immediate_protection",
        sd="joint_investigation",
        rounds=((True, True),),
    )
    if rng.random() < 0.3:
        return _with(route, stop="close_plan"), "police_protection", ACTIVE, {}
    return route, "police_protection", HISTORY, {}


def _non_s47(rng: random.Random, outcome: str | None = None) -> tuple[Route, str]:
    """A route whose decision is `outcome` (or nfa, early help or s17) as the table recommends."""
    outcome = outcome or rng.choice(["nfa", "early_help", "s17", "s17"])
    if outcome == "nfa":
        return Route(decision="nfa"), _pick(rng, PLAIN_INCIDENTS)
    if outcome == "early_help":
        return Route(cls="da_medium", decision="early_help"), "domestic_abuse"
    roll = rng.random()
    if roll < 0.55:
        return Route(rag="amber", decision="s17"), _pick(rng, PLAIN_INCIDENTS)
    if roll < 0.75:
        return Route(
            cls=rng.choice(["da_standard", "da_medium"]), rag="amber", decision="s17"
        ), "domestic_abuse"
    return Route(cls="custody", rag=rng.choice(["green", "amber"]), decision="s17"), _pick(
        rng, CUSTODY_INCIDENTS
    )


def _planted(
    slug: str, v: int, rng: random.Random
) -> tuple[Route, str, tuple[float, float], dict, tuple[str, ...]]:
    """Variant `v` of a case planted in gap `slug`, with every slug it is in by the rules."""
    slugs: tuple[str, ...] = (slug,)
    flags: dict = {}
    if slug == "s47-no-strategy-discussion":
        if v % 2 == 0:
            route, incident = _s47_route(rng, main=True, stop="strategy_discussion", sd=None)
        else:  # police disagreed with s17, the manager decided s47, and nobody has met since
            route = Route(
                rag="amber", decision="s17", disagree="police", final="s47", stop="strategy_discussion"
            )
            incident = _pick(rng, PLAIN_INCIDENTS)
        return route, incident, (200, 1), flags, slugs
    if slug == "strategy-discussion-no-plan":
        rounds, stop = [
            ((), "protective_plan"),
            (((None, None),), "police_confirm_plan"),
            (((True, None),), "health_confirm_plan"),
            (((False, True),), "protective_plan"),
        ][v % 4]
        route, incident = _s47_route(rng, main=True, rounds=rounds, stop=stop)
        return route, incident, (45, 0), flags, slugs
    if slug == "strategy-discussion-missing-agency":
        route, incident = _s47_route(rng, main=True, rounds=((True, True),))
        flags["missing_agency"] = [AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.CHILDRENS_SOCIAL_CARE][
            v % 3
        ]
        if v % 2:
            return _with(route, stop="close_plan"), incident, ACTIVE, flags, slugs
        return route, incident, HISTORY, flags, slugs
    if slug == "overdue-actions":
        route, incident = _s47_route(rng, main=True, rounds=((True, True),), stop="close_plan")
        return route, incident, (100, 25), {"overdue_action": True}, slugs
    if slug == "late-threshold-decision":
        if v % 3 == 2:  # no decision yet, long past its due time
            stop = rng.choice(["triage", "research", "threshold_decision"])
            rag = "green" if stop == "triage" else rng.choice(["amber", "green"])
            route = Route(rag=rag, stop=stop, research_done=rng.randrange(3) if stop == "research" else 3)
            return route, _pick(rng, PLAIN_INCIDENTS), (60, 3), {"past_due": True}, slugs
        route = Route(rag="amber", decision="s17") if v % 3 == 0 else Route(decision="nfa")
        return route, _pick(rng, PLAIN_INCIDENTS), HISTORY, {"late_decision": True}, slugs
    if slug == "child-not-heard":
        route, incident = _non_s47(rng, outcome=rng.choice(["nfa", "s17"]))
        if route.cls == "custody":
            route, incident = Route(rag="amber", decision="s17"), _pick(rng, PLAIN_INCIDENTS)
        return route, incident, HISTORY, {"not_heard": ("spoken_to", "voice", "demeanour")[v % 3]}, slugs
    if slug == "da-standard-nfa-no-research":
        return (
            Route(cls="da_standard", decision="nfa", research=False),
            "domestic_abuse",
            HISTORY,
            flags,
            slugs,
        )
    if slug == "children-in-custody":
        if v % 3 == 0:  # (a) no referral to social care followed: the manager agreed with nfa or early help
            route = Route(cls="custody", decision="nfa", final=rng.choice(["nfa", "early_help"]))
            return route, "child_in_custody", HISTORY, flags, slugs
        route = Route(cls="custody", rag=rng.choice(["green", "amber"]), decision="s17")
        if v % 3 == 1:  # (b) the appropriate adult was late, or never came
            return route, "child_in_custody", HISTORY, {"aa": "absent" if v % 6 == 4 else "late"}, slugs
        return route, "child_in_custody", HISTORY, {"refusal_not_escalated": True}, slugs  # (c)
    if slug == "police-protection":
        base = Route(
            cls="pp", rag="red", harm=True, decision="immediate_protection", sd="joint_investigation"
        )
        if v % 3 == 0:  # (a) no time rescinded recorded
            return (
                _with(base, rounds=((True, True),)),
                "police_protection",
                (300, 5),
                {"pp_not_rescinded": True},
                slugs,
            )
        if v % 3 == 1:  # (b) no strategy discussion
            route = _with(base, sd=None, stop="strategy_discussion")
            return route, "police_protection", (300, 5), flags, (*slugs, "s47-no-strategy-discussion")
        route = _with(base, stop="protective_plan")  # (c) no plan in force
        return route, "police_protection", (45, 5), flags, (*slugs, "strategy-discussion-no-plan")
    if slug == "icpc-overdue":
        route, incident = _s47_route(
            rng,
            main=True,
            sd=rng.choice(["joint_investigation", "single_agency_s47"]),
            rounds=((True, True),),
        )
        if v % 2:
            return (
                _with(route, stop="close_plan"),
                incident,
                (100, 40),
                {"icpc": "overdue"},
                slugs,
            )
        return route, incident, (355, 130), {"icpc": "overdue"}, slugs
    if slug == "unresolved-escalations":
        if v % 2 == 0:
            route = Route(
                rag="amber", decision=rng.choice(["early_help", "s47"]), stop="resolve_disagreement"
            )
        else:
            route = Route(
                decision="nfa", disagree=rng.choice(["police", "health"]), stop="resolve_disagreement"
            )
        return route, _pick(rng, PLAIN_INCIDENTS), (120, 1), flags, slugs
    raise ValueError(f"Unknown gap {slug!r}")


# --------------------------------------------------------------------------- timing

STEP_GAP_HOURS = {  # how long after the step before (min, max hours)
    "triage": (0.2, 3),
    "police_research": (0.25, 3),
    "health_research": (0.25, 3),
    "social_care_research": (0.25, 3),
    "threshold_decision": (0.25, 2),
    "resolve_disagreement": (1, 48),
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


# --------------------------------------------------------------------------- fictional details

CHILD_FIRST = {  # by CIN gender code
    "1": [
        "Oliver",
        "Noah",
        "Leo",
        "Arlo",
        "Theo",
        "Oscar",
        "Archie",
        "Jack",
        "Harry",
        "Alfie",
        "Finley",
        "Zain",
        "Kai",
        "Ezra",
        "Ibrahim",
        "Mason",
        "Reggie",
        "Tomasz",
        "Kofi",
        "Rohan",
    ],
    "2": [
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Freya",
        "Lily",
        "Ivy",
        "Poppy",
        "Evie",
        "Rosie",
        "Ruby",
        "Maya",
        "Aisha",
        "Nia",
        "Layla",
        "Sofia",
        "Zofia",
        "Amara",
        "Priya",
        "Ella",
    ],
}
SURNAMES = [
    "Fictionley",
    "Madeupson",
    "Inventwell",
    "Storyfield",
    "Pretendworth",
    "Imaginby",
    "Fablecroft",
    "Dreamhollow",
    "Taleby",
    "Sampleton",
    "Examplewood",
    "Mockford",
    "Notaperson",
    "Makebelieve",
    "Yarnsworth",
    "Fairytale-Jones",
]
STREETS = [
    "Imaginary Road",
    "Fictional Close",
    "Makebelieve Lane",
    "Storybook Avenue",
    "Pretend Street",
    "Example Crescent",
    "Invented Way",
    "Nowhere Gardens",
]
VOICES = [
    "Said: 'I don't like it when they shout. I hide in my room.'",
    "Wants things at home to be calm and wants to stay with mum.",
    "Said they were scared but feel safe at nan's house.",
    "Said: 'Nobody listens to me.' Wants to talk to their teacher.",
    "Misses dad and wants to see him at weekends.",
    "Did not want to talk about what happened; said school is the best part of the day.",
    "Said: 'I just want everyone to stop fighting.'",
]
VOICES_UNDER_3 = [
    "Too young to give views in words; observed reaching for and settling with grandmother.",
    "Pre-verbal; smiled and babbled with mum, wary of the officers.",
]
DEMEANOURS = [
    "Quiet and watchful; relaxed once given a drink and a colouring book.",
    "Tearful at first, then chatty; clean and appropriately dressed.",
    "Withdrawn, avoided eye contact; no visible injuries.",
    "Lively and playful; interacted warmly with the attending officer.",
    "Tired and hungry; ate readily when offered food.",
    "Anxious, kept asking where mum was.",
]
NOT_SPOKEN_TO = [
    "Asleep when officers attended",
    "Child had left the address before officers arrived",
    "Parent refused to let officers speak to the child",
    "Child was too distressed to speak",
]
NOT_RECORDED = [
    "Officer did not record it",
    "Not asked at the time",
    "Attending officer was called to another incident",
]
SCHOOLS = {  # by age
    4: ["{town} Primary (fictional)", "St Imaginary's Primary (fictional)"],
    11: ["{town} Academy (fictional)", "{town} High School (fictional)"],
    16: ["{town} College (fictional)"],
}

DESCRIPTIONS = {
    "domestic_abuse": [
        "Verbal argument escalated; neighbour called police. Children in the house.",
        "Ex-partner attended the address in breach of a non-molestation order.",
        "Mother reports being pushed by partner in front of the children.",
    ],
    "missing": [
        "Child reported missing overnight; found at a friend's address.",
        "Third missing episode in a month; returned by police.",
    ],
    "cse": ["Child seen getting into cars with older males; phone has gifts and messages from adults."],
    "cce": ["Child found with cash and two phones in another town; suspected county lines."],
    "physical_abuse": [
        "Child disclosed being hit with a belt; bruising to the upper arm.",
        "Unexplained bruising seen by school staff.",
    ],
    "sexual_abuse": ["Child disclosed inappropriate touching by an adult known to the family."],
    "emotional_abuse": ["Child describes being shouted at and locked in her room for long periods."],
    "neglect": [
        "Home conditions very poor; no food in the house; children unkempt.",
        "Toddler found alone at home for several hours.",
    ],
    "online_abuse": ["Child shared images with an adult met online; adult asked to meet."],
    "child_in_custody": [
        "Arrested for robbery; bail refused and held for court.",
        "Arrested for assault; held overnight.",
    ],
    "police_protection": [
        "Parent found intoxicated and unable to care for a young child late at night.",
        "Child found at an address with drug use and an adult posing a risk.",
    ],
    "person_posing_risk": ["Registered sex offender found to be living with a family with young children."],
    "other": [
        "Concern raised about a child's welfare after a house fire.",
        "Child witnessed a serious assault in the street.",
    ],
}
IMMEDIATE = [
    "Suspect arrested and removed from the address.",
    "Children stayed with grandparents overnight.",
    "Safety advice given; school informed under Operation Encompass.",
    "Child taken to a place of safety.",
    "Referred to the MASH; no immediate action needed.",
]
REFERRERS = {
    "2A": "Designated safeguarding lead",
    "3A": "GP",
    "3B": "Health visitor",
    "3E": "A&E nurse",
    "1A": "Grandparent",
    "8": "Family support worker",
    "4": "Housing officer",
    "5D": "Early help practitioner",
}
PLACES_OF_SAFETY = [
    "Emergency foster placement (fictional)",
    "Maternal grandparents' home",
    "Hospital ward (fictional)",
]
ACTIONS = [
    (AgencyKind.CHILDRENS_SOCIAL_CARE, "Visit the children at home and see them alone"),
    (AgencyKind.CHILDRENS_SOCIAL_CARE, "Complete the child and family assessment"),
    (AgencyKind.POLICE, "Interview the alleged perpetrator"),
    (AgencyKind.POLICE, "Check compliance with bail conditions"),
    (AgencyKind.HEALTH, "Arrange child protection medical"),
    (AgencyKind.HEALTH, "Health visitor to review the baby's development"),
    (AgencyKind.EDUCATION, "School to monitor attendance and presentation daily"),
]


def _choice(rng: random.Random, items):
    """rng.choice, without its cost (this runs millions of times for 100,000 referrals)."""
    return items[int(rng.random() * len(items))]


def _below(rng: random.Random, n: int) -> int:
    return int(rng.random() * n)


def _randint(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _weighted(rng: random.Random, items: tuple, cumulative: tuple) -> object:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _nhs_number(rng: random.Random) -> str:
    """A number in the 999 range the NHS never issues (for testing), with a valid check digit."""
    while True:
        digits = f"999{_below(rng, 1_000_000):06d}"
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return digits + str(check)


def _source(rng: random.Random, incident: str) -> str:
    if (
        incident in ("police_protection", "child_in_custody", "missing", "domestic_abuse")
        or rng.random() < 0.55
    ):
        return "6"
    return _weighted(rng, ("2A", "3A", "3B", "3E", "1A", "8", "4", "5D"), (10, 12, 15, 17, 20, 22, 23, 25))


NOTIFICATION_TIME_FIELDS = (
    "occurred_at",
    "pp_started_at",
    "pp_local_authority_informed_at",
    "pp_rescinded_at",
    "custody_arrived_at",
    "custody_aa_requested_at",
    "custody_aa_arrived_at",
)
NOTIFICATION_OTHER_FIELDS = (
    "location",
    "description",
    "immediate_action",
    "referrer_name",
    "referrer_organisation",
    "dash_level",
    "pp_place_of_safety",
    "custody_healthcare_assessed",
    "custody_accommodation_requested",
    "custody_accommodation_refused",
    "custody_refusal_escalated",
)


def _threshold_due(received: datetime) -> datetime:
    """As services.create_referral: one working day after receipt, counted in London time, stored in UTC."""
    return threshold_decision_due(received.astimezone(LONDON)).astimezone(UTC)


def _london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _at_london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _set_in_state(state: str, key: str, old: object, new: object) -> str:
    """The serialized workflow state with a process data value replaced wherever it appears.

    Keys are the process's own data names, each written as `"key": value` in the
    task data the state holds (with or without the space, as the serializer wrote it).
    """
    old_json, new_json = json.dumps(old), json.dumps(new)
    for separator in (": ", ":"):
        state = state.replace(f'"{key}"{separator}{old_json}', f'"{key}"{separator}{new_json}')
    return state


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


# --------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, n: int, seed: int, now: datetime) -> None:
        self.n = n
        self.rng = random.Random(seed)
        self.now = now
        self.today = _london_day(now)
        self.areas = ensure_areas()
        self.references = set(db.session.scalars(select(Referral.reference)))
        self.planted: dict[str, set[int]] = {slug: set() for slug in GAP_SLUGS}
        self.first_referral_id: int | None = None

    # -- pass 1: what each case is
    def plan(self) -> list[Plan]:
        rng = self.rng
        plans: list[Plan] = []
        for slug, count in zip(GAP_SLUGS, plants_per_gap(self.n), strict=True):
            for v in range(count):
                route, incident, window, flags, slugs = _planted(slug, v, rng)
                plans.append(Plan(route, incident, self._area(), window, rng.randrange(2**32), slugs, flags))
        while len(plans) < self.n:
            route, incident, window, flags = _clean(rng)
            plans.append(Plan(route, incident, self._area(), window, rng.randrange(2**32), (), flags))
        for plan in plans:
            older, newer = plan.window
            if plan.window not in (RECENT, RECENT_DAYS):  # those squeeze their few steps in before now
                newer = max(newer, max_span_days(plan.route, plan.flags))
                older = max(older, newer + 0.5)
            plan.received_at = (self.now - timedelta(days=rng.uniform(newer, older))).replace(microsecond=0)
            if plan.flags.get("past_due"):  # a few days is not always enough: Easter, Christmas
                while _threshold_due(plan.received_at) > self.now - timedelta(hours=1):
                    plan.received_at -= timedelta(days=1)
        plans.sort(key=lambda p: p.received_at)  # ids follow the order of receipt
        return plans

    def _area(self) -> str:
        return self.rng.choices(list(AREA_WEIGHTS), list(AREA_WEIGHTS.values()))[0]

    def _reference(self, received: datetime) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as the services' references
        while True:
            number = int(self.rng.random() * 32**6)
            reference = f"FD-{received.year % 100:02d}-" + "".join(
                alphabet[(number >> (5 * i)) & 31] for i in range(6)
            )
            if reference not in self.references:
                self.references.add(reference)
                return reference

    # -- pass 2: rows, in batches
    def run(self) -> dict[str, set[int]]:
        plans = self.plan()
        templates = build_templates({p.route for p in plans}, self.areas["Northshire"])
        self.writer = _Writer()
        for start in range(0, len(plans), BATCH_SIZE):
            self._batch(plans[start : start + BATCH_SIZE], templates)
        db.session.flush()
        # The bulk inserts passed the session by, so the audit facts are worked out
        # here, once for every generated referral, with fresh planner statistics:
        # the tables have just grown from nothing.
        db.session.execute(sql("ANALYZE"))
        write_new_referrals(self.first_referral_id)
        return self.planted

    def _batch(self, plans: list[Plan], templates: dict[Route, Template]) -> None:
        writer = self.writer
        cases = [_Case(self, plan, templates[plan.route]) for plan in plans]
        referral_ids = writer.reserve_ids(Referral.__table__, len(cases))
        if self.first_referral_id is None:
            self.first_referral_id = referral_ids[0]
        rows: dict[str, list[dict]] = {
            name: []
            for name in (
                "links",
                "notifications",
                "children",
                "steps",
                "ready",
                "decisions",
                "discussions",
                "attendees",
                "absences",
                "plans",
                "actions",
            )
        }
        sd_count = sum(len(c.discussions) for c in cases)
        plan_count = sum(len(c.plans) for c in cases)
        sd_ids = iter(writer.reserve_ids(StrategyDiscussion.__table__, sd_count))
        plan_ids = iter(writer.reserve_ids(ProtectivePlan.__table__, plan_count))
        for case, referral_id in zip(cases, referral_ids, strict=True):
            case.referral["id"] = referral_id
            for slug in case.plan.slugs:
                self.planted[slug].add(referral_id)
            rows["links"] += [{"referral_id": referral_id, "agency_id": a} for a in case.area.agency_ids]
            for key, items in (
                ("notifications", [case.notification]),
                ("children", case.children),
                ("steps", case.steps),
                ("ready", case.ready),
                ("decisions", case.decisions),
            ):
                for item in items:
                    item["referral_id"] = referral_id
                rows[key] += items
            for discussion, attendees, absences in case.discussions:
                discussion["id"] = sd_id = next(sd_ids)
                discussion["referral_id"] = referral_id
                for row in (*attendees, *absences):
                    row["discussion_id"] = sd_id
                rows["discussions"].append(discussion)
                rows["attendees"] += attendees
                rows["absences"] += absences
            for plan_row, actions in case.plans:
                plan_row["id"] = plan_id = next(plan_ids)
                plan_row["referral_id"] = referral_id
                for row in actions:
                    row["plan_id"] = plan_id
                rows["plans"].append(plan_row)
                rows["actions"] += actions
        writer.insert(Referral.__table__, [c.referral for c in cases])
        for table, key in (
            (referral_agencies, "links"),
            (Notification.__table__, "notifications"),
            (Child.__table__, "children"),
            (StepRecord.__table__, "steps"),
            (ReadyTask.__table__, "ready"),
            (ThresholdDecision.__table__, "decisions"),
            (StrategyDiscussion.__table__, "discussions"),
            (StrategyAttendee.__table__, "attendees"),
            (AgencyAbsence.__table__, "absences"),
            (ProtectivePlan.__table__, "plans"),
            (PlanAction.__table__, "actions"),
        ):
            writer.insert(table, rows[key])


class _Writer:
    """Bulk inserts straight to the driver's executemany, values converted by SQLAlchemy's own column types.

    SQLAlchemy's executemany builds and processes a parameter dict per row, which is
    most of the time at this scale; here each column's bind processor is looked up
    once per table and applied only where the dialect has one (dates and times on
    SQLite, JSON). PostgreSQL gets COPY instead. Ids are reserved first: from the table's sequence on PostgreSQL
    (safe alongside other writers), after MAX(id) on SQLite (whose write lock this
    transaction already holds).
    """

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.mark = "?" if self.dialect.paramstyle == "qmark" else "%s"  # SQLite only: PostgreSQL gets COPY
        self.prepared: dict[tuple[str, tuple[str, ...]], tuple[str, list]] = {}

    def reserve_ids(self, table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.postgres:
            sequence = func.pg_get_serial_sequence(table.name, "id")
            query = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
            return list(self.connection.scalars(query))
        first = self.connection.scalar(select(func.coalesce(func.max(table.c.id), 0) + 1))
        return list(range(first, first + count))

    def insert(self, table, rows: list[dict]) -> None:
        if not rows:
            return
        names = tuple(rows[0])
        key = (table.name, names)
        if key not in self.prepared:
            # Identifiers from our own Table objects, quoted by the dialect; every value is bound.
            quote = self.dialect.identifier_preparer
            columns = ", ".join(quote.quote(name) for name in names)
            target = f"{quote.format_table(table)} ({columns})"
            marks = ", ".join([self.mark] * len(names))
            processors = []
            for i, name in enumerate(names):
                processor = table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if processor is not None:
                    processors.append((i, processor))
            insert_sql = f"INSERT INTO {target} VALUES ({marks})"  # noqa: S608
            statement = f"COPY {target} FROM STDIN" if self.postgres else insert_sql
            self.prepared[key] = (statement, processors)
        statement, processors = self.prepared[key]
        get = itemgetter(*names)
        if processors:
            values = []
            for row in rows:
                value = list(get(row))
                for i, processor in processors:
                    value[i] = processor(value[i])
                values.append(tuple(value))
        else:
            values = [get(row) for row in rows]
        if self.postgres:  # COPY: several times faster than executemany there
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            return
        self.connection.exec_driver_sql(statement, values)


class _Case:
    """The rows of one generated referral (ids filled in by the batch)."""

    def __init__(self, gen: _Generator, plan: Plan, template: Template) -> None:
        self.gen = gen
        self.plan = plan
        self.template = template
        self.area = gen.areas[plan.area]
        self.rng = random.Random(plan.seed)
        self.now = gen.now
        self.today = gen.today
        route = plan.route
        self.received = plan.received_at
        self.due = _threshold_due(self.received)
        self.source = _source(self.rng, plan.incident)
        self.steps: list[dict] = []
        self.decisions: list[dict] = []
        self.discussions: list[tuple[dict, list[dict], list[dict]]] = []
        self.plans: list[tuple[dict, list[dict]]] = []
        self.staff_on_case = {role: _choice(self.rng, people) for role, people in self.area.staff.items()}
        self.review_day: date | None = None
        self._children()
        self._notification()
        times = self._times(route_steps(route))
        self._records(times)
        self._referral(times)

    # -- people and what was reported
    def _person(self, lane_or_role) -> Person:
        role = LANE_ROLE.get(lane_or_role, lane_or_role)
        return self.staff_on_case[role]

    def _children(self) -> None:
        rng, flags = self.rng, self.plan.flags
        count = (
            1 if self.plan.incident == "child_in_custody" else _weighted(rng, (1, 2, 3, 4), (45, 75, 92, 100))
        )
        surname = _choice(rng, SURNAMES)
        town = _choice(rng, TOWNS[self.area.name])
        address = f"{_randint(rng, 1, 119)} {_choice(rng, STREETS)}, {town} {POSTCODES[self.area.name]}{_randint(rng, 1, 8)} {_randint(rng, 1, 8)}XX"
        incident = self.plan.incident
        occurred_day = _london_day(self.received) - timedelta(days=1)
        older = incident in ("child_in_custody", "cse", "cce", "missing", "online_abuse")
        self.children: list[dict] = []
        heard_gap = flags.get("not_heard")
        gap_child = _below(rng, count) if heard_gap else -1
        any_present = False
        for i in range(count):
            age = _randint(rng, 12, 17) if older and i == 0 else _randint(rng, 0, 16)
            dob = occurred_day - timedelta(days=age * 365 + _randint(rng, 1, 359))
            sex = _weighted(rng, ("1", "2", "0"), (49, 98, 100))
            name = f"{_choice(rng, CHILD_FIRST[sex if sex != '0' else _choice(rng, '12')])} {surname}"
            school = (
                None
                if age < 4
                else _choice(rng, SCHOOLS[4 if age < 11 else 11 if age < 16 else 16]).format(town=town)
            )
            present = rng.random() < (0.8 if self.source == "6" else 0.5)
            if flags.get("none_present"):
                present = False
            child = {
                "full_name": name,
                "date_of_birth": dob,
                "sex": sex,
                "nhs_number": _nhs_number(rng) if rng.random() < 0.75 else None,
                "address": address,
                "school": school,
                "present": present,
                "spoken_to": True,
                "not_spoken_to_reason": None,
                "voice": _choice(rng, VOICES if age >= 3 else VOICES_UNDER_3),
                "voice_not_recorded_reason": None,
                "demeanour": _choice(rng, DEMEANOURS),
                "demeanour_not_recorded_reason": None,
                "injuries": "Bruise to the upper arm."
                if incident == "physical_abuse" and i == 0 and rng.random() < 0.5
                else None,
            }
            if i == gap_child:
                if heard_gap == "spoken_to":
                    child.update(
                        spoken_to=False,
                        not_spoken_to_reason=_choice(rng, NOT_SPOKEN_TO),
                        voice=None,
                        voice_not_recorded_reason="Not spoken to",
                    )
                elif heard_gap == "voice":
                    child.update(voice=None, voice_not_recorded_reason=_choice(rng, NOT_RECORDED))
                else:
                    child.update(demeanour=None, demeanour_not_recorded_reason=_choice(rng, NOT_RECORDED))
            any_present = any_present or present
            self.children.append(child)
        if incident == "domestic_abuse" and not any_present and not flags.get("none_present"):
            self.children[0]["present"] = True  # rule 7 plants need one; harmless elsewhere

    def _notification(self) -> None:
        rng, flags, incident, received = self.rng, self.plan.flags, self.plan.incident, self.received
        occurred = received - timedelta(hours=rng.uniform(1, 30))
        row: dict = {name: None for name in (*NOTIFICATION_TIME_FIELDS, *NOTIFICATION_OTHER_FIELDS)}
        police = self.source == "6"
        row.update(
            incident_type=incident,
            occurred_at=occurred.replace(microsecond=0),
            location=self.children[0]["address"]
            if incident != "child_in_custody"
            else f"{self.area.name} custody suite (fictional)",
            description=_choice(rng, DESCRIPTIONS[incident]),
            immediate_action=_choice(rng, IMMEDIATE),
            referrer_name=None if police else f"{_choice(rng, STAFF_FIRST_NAMES)} Referrer-Example",
            referrer_organisation=None
            if police
            else REFERRERS.get(self.source, "Community organisation") + " (fictional)",
            dash_level=self.plan.cls.removeprefix("da_") if self.plan.cls.startswith("da_") else None,
            submitted_by_id=self._person(RoleName.POLICE if police else RoleName.SOCIAL_CARE).id,
            submitted_at=received,
        )
        if incident == "police_protection":
            started = occurred + timedelta(minutes=_randint(rng, 5, 59))
            row.update(
                pp_started_at=started,
                pp_place_of_safety=_choice(rng, PLACES_OF_SAFETY),
                pp_local_authority_informed_at=min(
                    started + timedelta(minutes=_randint(rng, 15, 179)), received
                ),
            )
            rescinded = started + timedelta(hours=rng.uniform(6, 70))
            if not flags.get("pp_not_rescinded") and rescinded <= self.now:
                # Not yet rescinded is fine within 72 hours (only the last day's cases).
                row["pp_rescinded_at"] = rescinded
        if incident == "child_in_custody":
            arrived = occurred + timedelta(minutes=_randint(rng, 20, 89))
            requested = arrived + timedelta(minutes=_randint(rng, 5, 44))
            aa = flags.get("aa")
            if aa == "late":
                aa_arrived = requested + timedelta(hours=rng.uniform(5, 10))
            elif aa == "absent":
                aa_arrived = None
            else:
                aa_arrived = requested + timedelta(minutes=_randint(rng, 30, 209))
            asked = rng.random() < 0.6 or flags.get("refusal_not_escalated")
            refused = bool(asked and (rng.random() < 0.4 or flags.get("refusal_not_escalated")))
            row.update(
                custody_arrived_at=arrived,
                custody_aa_requested_at=requested,
                custody_aa_arrived_at=aa_arrived,
                custody_healthcare_assessed=rng.random() < 0.85,
                custody_accommodation_requested=bool(asked),
                custody_accommodation_refused=refused if asked else None,
                custody_refusal_escalated=(not flags.get("refusal_not_escalated")) if refused else None,
            )
            # Everything reported happened before the notification was received.
            latest = max(t for t in (arrived, requested, aa_arrived) if t is not None)
            if latest > received:
                shift = latest - received + timedelta(minutes=10)
                for key in (
                    "occurred_at",
                    "custody_arrived_at",
                    "custody_aa_requested_at",
                    "custody_aa_arrived_at",
                ):
                    if row[key] is not None:
                        row[key] -= shift
        for key in NOTIFICATION_TIME_FIELDS:
            if row[key] is not None:
                row[key] = row[key].replace(microsecond=0)
        self.notification = row

    # -- when each step happened
    def _times(self, steps: list[tuple[str, object]]) -> list[datetime]:
        rng, received, flags = self.rng, self.received, self.plan.flags
        times: list[datetime] = []
        t = received
        plan_time = None
        confirm_times: list[datetime] = []
        for step, _ in steps:
            if step == "threshold_decision" and flags.get("late_decision"):
                t = self.due + timedelta(hours=rng.uniform(2, 96))
            elif step in CONFIRM_STEPS:
                t = plan_time + timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step]))
                confirm_times.append(t)
            elif step == "protective_plan":
                t = max([t, *confirm_times]) + timedelta(
                    hours=rng.uniform(*STEP_GAP_HOURS[step])
                    + (24 * rng.uniform(1, 5) if confirm_times else 0)
                )
                plan_time, confirm_times = t, []
            elif step == "close_plan":
                in_force = max(confirm_times)
                self.review_day = _london_day(in_force) + timedelta(days=_randint(rng, *REVIEW_DAYS))
                t = _at_london(self.review_day, 10) + timedelta(hours=rng.uniform(0, 72))
            else:
                t = t + timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step]))
            times.append(t.replace(microsecond=0))
        ordered = times
        # Never in the future: squeeze the whole timeline towards receipt if it would be.
        limit = self.now - timedelta(minutes=1)
        last = max(ordered, default=received)
        if last > limit:
            scale = max(0.0, (limit - received) / (last - received))
            ordered = [(received + (x - received) * scale).replace(microsecond=0) for x in ordered]
        return ordered

    # -- the records each step wrote
    def _records(self, times: list[datetime]) -> None:
        rng, route = self.rng, self.plan.route
        steps = route_steps(route)
        police = self.source == "6"
        creator = self._person(RoleName.POLICE if police else RoleName.SOCIAL_CARE)
        notification_answers = {
            "referral_source": self.source,
            "incident_type": self.plan.incident,
            **{
                k: _iso(v)
                for k, v in self.notification.items()
                if k not in ("submitted_by_id", "submitted_at", "incident_type")
            },
            "children": [{k: _iso(v) for k, v in c.items()} for c in self.children],
            "prior_notifications_12m": 0,
        }
        rescinded = self.notification["pp_rescinded_at"]
        if rescinded is not None and rescinded > self.received:
            # Police protection ended after the notification: recorded later, as app/referrals/recording.py does.
            notification_answers["pp_rescinded_at"] = None
            at = max(rescinded, min(rescinded + timedelta(hours=rng.uniform(0.2, 12)), self.now))
            self._step(
                "police_protection_ended",
                "Police protection ended",
                "Police",
                self._person(RoleName.POLICE),
                at.replace(microsecond=0),
                {"rescinded_at": rescinded.isoformat()},
            )
        self._step(
            "notification_received",
            "Police notification submitted" if police else "Contact recorded",
            None,
            creator,
            self.received,
            notification_answers,
        )
        self.sd_row: dict | None = None
        self.outcome = None
        plan_rows: list[dict] = []
        plan_actions: list[list[dict]] = []
        confirmations: dict[str, datetime] = {}
        self.closed_at = None
        plan_answers: list[dict] = []
        for i, ((step, arg), at) in enumerate(zip(steps, times, strict=True)):
            title, lane = STEP_TITLES[step]
            actor = self._person(lane)
            answers: dict = {}
            if step == "triage":
                answers = {
                    "rag": self.plan.rag,
                    "rag_reason": self._rag_reason(self.plan.rag),
                    "significant_harm_suspected": route.harm,
                    "research_needed": route.research,
                    "research_not_needed_reason": None
                    if route.research
                    else "Information only: no new concerns needing partner checks.",
                }
            elif step in RESEARCH_STEPS:
                answers = {
                    "findings": _choice(
                        rng,
                        [
                            "No previous involvement.",
                            "Two earlier call-outs to the address.",
                            "Known to the health visitor; missed appointments.",
                            "Previous early help episode closed last year.",
                        ],
                    ),
                    "information_shared": "Relevant history for the children and adults named.",
                    "shared_with": "MASH social worker",
                    "purpose": "To inform the threshold decision.",
                    "lawful_basis": "dpa_2018_safeguarding",
                    "disagrees": bool(arg),
                    "disagreement_reason": "Risk is higher than the triage rating suggests." if arg else None,
                }
            elif step == "threshold_decision":
                answers = {"outcome": arg, "rationale": self._rationale(arg)}
                outcome_rule = self.template.recommended or (route.recommended, "")
                self.decisions.append(
                    {
                        "recommended_outcome": outcome_rule[0],
                        "recommendation_rule": outcome_rule[1],
                        "outcome": arg,
                        "rationale": answers["rationale"],
                        "decided_by_id": actor.id,
                        "decided_at": at,
                        "escalated": route.escalated,
                        "escalation_reason": None,
                        "final_outcome": None,
                        "resolved_by_id": None,
                        "resolved_at": None,
                        "resolution": None,
                    }
                )
                self.outcome = arg
            elif step == "resolve_disagreement":
                answers = {
                    "outcome": arg,
                    "resolution": "Discussed with the social worker and partners; "
                    + self._rationale(arg).lower(),
                }
                self.decisions[-1].update(
                    final_outcome=arg,
                    resolved_by_id=actor.id,
                    resolved_at=at,
                    resolution=answers["resolution"],
                )
                self.outcome = arg
            elif step == "record_outcome":
                answers = {
                    "primary_need": _choice(rng, ["N1", "N4", "N5", "N9"]),
                    "next_step": {
                        "nfa": "Advice given; no further action.",
                        "early_help": "Early help hub to contact the family.",
                        "s17": "Child and family assessment allocated.",
                    }.get(self.outcome, "No s47 enquiry; closed."),
                    "closure_reason": "RC8" if self.outcome == "nfa" else None,
                }
                self.closed_at = at
            elif step == "strategy_discussion":
                answers = self._discussion(arg, at, times[i - 1])
            elif step == "protective_plan":
                for earlier in plan_rows:  # superseded by this revision
                    if earlier["status"] == "draft":
                        earlier.update(status="closed", closed_at=at)
                row, actions = self._plan(at)
                plan_rows.append(row)
                plan_actions.append(actions)
                confirmations = {}
                answers = {"summary": row["summary"]}  # dates filled in once settled, below
                plan_answers.append(answers)
            elif step in CONFIRM_STEPS:
                who = step.split("_")[0]
                if arg:
                    response = _choice(rng, ["Confirmed.", "Confirmed; actions allocated.", None])
                else:
                    response = f"Not confirmed: the {who} actions need a named owner and realistic dates."
                plan_rows[-1].update({f"{who}_confirmed": bool(arg), f"{who}_response": response})
                answers = {"confirmed": bool(arg), "response": response}
                confirmations[who] = at
            elif step == "close_plan":
                answers = {
                    "closure_summary": "Actions complete; children safe; stepped down to a child in need plan.",
                    "closure_reason": _choice(rng, ["RC7", "RC8"]),
                }
                plan_rows[-1].update(status="closed", closed_at=at)
                self.closed_at = at
            self._step(step, title, lane, actor, at, answers)
        if plan_rows:
            last = plan_rows[-1]
            if route.plan_in_force:
                last["in_force_at"] = max(confirmations.values())
                if last["status"] == "draft":
                    last["status"] = "in_force"
                if self.review_day is not None:
                    last["review_date"] = self.review_day
            self._settle_plans(plan_rows, plan_actions)
            for answers, row, actions in zip(plan_answers, plan_rows, plan_actions, strict=True):
                answers["review_date"] = row["review_date"].isoformat()
                answers["actions"] = [
                    {
                        "description": a["description"],
                        "owning_agency_kind": a["owning_agency_kind"],
                        "owner": a["owner"],
                        "due_date": a["due_date"].isoformat(),
                    }
                    for a in actions
                ]
        if self.sd_row is not None:
            self._icpc()
        if route.stop == CLOSED:
            self.closed_at = self.closed_at or times[-1]

    def _step(
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

    def _rag_reason(self, rag: str) -> str:
        return {
            "red": "Serious concerns for the children's immediate safety.",
            "amber": "Repeat concerns; needs a decision today.",
            "green": "Low-level concern; no immediate risk identified.",
        }[rag]

    def _rationale(self, outcome: str) -> str:
        return {
            "nfa": "No further action: advice given and signposted to universal services.",
            "early_help": "Needs are below the threshold for social care; early help offered to the family.",
            "s17": "Child in need: an assessment under section 17 is needed.",
            "s47": "Reasonable cause to suspect significant harm: strategy discussion and s47 enquiry.",
            "immediate_protection": "Child in police protection: immediate protection and strategy discussion.",
        }[outcome]

    def _discussion(self, decision: str, recorded: datetime, previous: datetime) -> dict:
        rng, flags = self.rng, self.plan.flags
        held = recorded - min(timedelta(hours=rng.uniform(0.3, 3)), (recorded - previous) / 2)
        held = held.replace(microsecond=0)
        missing = flags.get("missing_agency")
        roles = {
            AgencyKind.CHILDRENS_SOCIAL_CARE: (RoleName.SOCIAL_CARE, "Social worker"),
            AgencyKind.POLICE: (RoleName.POLICE, "Detective sergeant"),
            AgencyKind.HEALTH: (RoleName.HEALTH, "Named nurse for safeguarding"),
        }
        attendees = [
            {
                "name": self._person(RoleName.MASH_MANAGER).name,
                "agency_kind": AgencyKind.CHILDRENS_SOCIAL_CARE.value,
                "agency_name": self.area.agency_names[AgencyKind.CHILDRENS_SOCIAL_CARE],
                "role": "Team manager (chair)",
            }
        ]
        if missing is AgencyKind.CHILDRENS_SOCIAL_CARE:
            attendees = []
        for kind, (role, job) in roles.items():
            if kind is not missing:
                attendees.append(
                    {
                        "name": self._person(role).name,
                        "agency_kind": kind.value,
                        "agency_name": self.area.agency_names[kind],
                        "role": job,
                    }
                )
        if rng.random() < 0.3:
            attendees.append(
                {
                    "name": f"{_choice(rng, STAFF_FIRST_NAMES)} Teacher-Example",
                    "agency_kind": AgencyKind.EDUCATION.value,
                    "agency_name": self.area.agency_names.get(AgencyKind.EDUCATION),
                    "role": "Designated safeguarding lead",
                }
            )
        absences = []
        if missing is not None:
            absences.append(
                {
                    "agency_kind": missing.value,
                    "reason": _choice(
                        rng,
                        [
                            "No one available at short notice",
                            "Invited; did not attend",
                            "Information sent by email instead",
                        ],
                    ),
                }
            )
        s47 = decision != "no_s47"
        required = s47 and (flags.get("icpc") == "overdue" or rng.random() < 0.93)
        criminal = decision == "joint_investigation"
        row = {
            "held_at": held,
            "chair": attendees[0]["name"] if attendees else "Police DI (chair)",
            "information_shared": "Police history, health records and social care history for the household.",
            "decision": decision,
            "criminal_investigation": criminal,
            "criminal_investigation_plan": "ABE interview within 48 hours; suspect to be interviewed under caution."
            if criminal
            else None,
            "immediate_actions": "Social worker to see the children today; safety plan with the non-abusing parent.",
            "legal_action_considered": True,
            "legal_action_notes": "Threshold for proceedings not met at present.",
            "other_children_considered": True,
            "other_children_notes": "Siblings and other children in the household included.",
            "icpc_required": required,
            "icpc_target_date": icpc_due(held.astimezone(LONDON)) if required else None,
            "icpc_held_on": None,
            "icpc_not_required_reason": None,
            "icpc_recorded_by_id": None,
            "icpc_recorded_at": None,
            "recorded_by_id": self._person(RoleName.SOCIAL_CARE).id,
            "recorded_at": recorded,
        }
        self.sd_row = row
        self.discussions.append((row, attendees, absences))
        return {
            "held_at": held.isoformat(),
            "chair": row["chair"],
            "attendees": [{k: a[k] for k in ("name", "agency_kind", "role")} for a in attendees],
            "social_care_absence_reason": next(
                (a["reason"] for a in absences if a["agency_kind"] == "childrens_social_care"), None
            ),
            "police_absence_reason": next(
                (a["reason"] for a in absences if a["agency_kind"] == "police"), None
            ),
            "health_absence_reason": next(
                (a["reason"] for a in absences if a["agency_kind"] == "health"), None
            ),
            "information_shared": row["information_shared"],
            "decision": decision,
            "criminal_investigation": criminal,
            "criminal_investigation_plan": row["criminal_investigation_plan"],
            "immediate_actions": row["immediate_actions"],
            "legal_action_considered": True,
            "legal_action_notes": row["legal_action_notes"],
            "other_children_considered": True,
            "other_children_notes": row["other_children_notes"],
            "icpc_required": required,
        }

    def _icpc(self) -> None:
        """What became of the conference: held, not needed, still to come, or (planted) nothing recorded."""
        row, rng = self.sd_row, self.rng
        if (
            row["decision"] == "no_s47"
            or not row["icpc_required"]
            or self.plan.flags.get("icpc") == "overdue"
        ):
            return
        start = _london_day(row["held_at"])
        target = row["icpc_target_date"]
        recorder = self._person(RoleName.SOCIAL_CARE)
        not_needed = rng.random() < 0.08
        day = add_working_days(start, _randint(rng, 3, 12) if not_needed else _randint(rng, 6, 15))
        if day > self.today:
            if target >= self.today + timedelta(days=2):
                return  # not yet due
            day = self.today
        at = min(_at_london(day, 16), self.now - timedelta(minutes=1))
        if at < row["recorded_at"]:
            at = row["recorded_at"]
        if not_needed:
            row["icpc_not_required_reason"] = (
                "Enquiries did not substantiate the concerns; no conference needed."
            )
            answers = {"not_required_reason": row["icpc_not_required_reason"]}
        else:
            row["icpc_held_on"] = day
            answers = {"held_on": day.isoformat()}
        row.update(icpc_recorded_by_id=recorder.id, icpc_recorded_at=at)
        # As app/referrals/recording.py writes it.
        self._step(
            "conference_recorded",
            "Initial child protection conference recorded",
            "Social care",
            recorder,
            at,
            answers,
        )

    def _plan(self, agreed: datetime) -> tuple[dict, list[dict]]:
        rng = self.rng
        row = {
            "status": "draft",
            "summary": "Keep the children safe while the enquiry runs; agencies share updates weekly.",
            "review_date": _london_day(agreed) + timedelta(days=_randint(rng, *REVIEW_DAYS)),
            "agreed_at": agreed,
            "in_force_at": None,
            "closed_at": None,
            "police_confirmed": None,
            "police_response": None,
            "health_confirmed": None,
            "health_response": None,
        }
        chosen = rng.sample(ACTIONS, _randint(rng, 3, 4))
        kinds = {kind for kind, _ in chosen}
        for kind, text in ACTIONS:  # police, health and social care each own at least one action
            if kind not in kinds and kind is not AgencyKind.EDUCATION:
                chosen.append((kind, text))
                kinds.add(kind)
        actions = []
        for kind, text in chosen:
            owner = (
                self._person(
                    {AgencyKind.POLICE: RoleName.POLICE, AgencyKind.HEALTH: RoleName.HEALTH}.get(
                        kind, RoleName.SOCIAL_CARE
                    )
                ).name
                if kind is not AgencyKind.EDUCATION
                else "Designated safeguarding lead"
            )
            actions.append(
                {
                    "description": text,
                    "owning_agency_kind": kind.value,
                    "owner": owner,
                    "due_date": _london_day(agreed) + timedelta(days=_randint(rng, 1, 21)),
                    "status": "not_started",
                    "updated_at": agreed,
                    "update_note": None,
                }
            )
        return row, actions

    def _settle_plans(self, plan_rows: list[dict], plan_actions: list[list[dict]]) -> None:
        """Action statuses as of now: done when due (closed plans), none overdue unless planted."""
        rng, today, flags = self.rng, self.today, self.plan.flags
        for row, actions in zip(plan_rows, plan_actions, strict=True):
            self.plans.append((row, actions))
            if row["status"] == "closed" and row["in_force_at"] is None:
                continue  # superseded draft: never in force, its actions never started
            if row["status"] == "closed":
                for action in actions:
                    done = rng.random() < 0.93
                    self._update_action(
                        action, "done" if done else "cancelled", row["in_force_at"], row["closed_at"]
                    )
                continue
            if row["status"] == "draft":
                # Not confirmed yet: what it asks must still be ahead.
                row["review_date"] = max(row["review_date"], today + timedelta(days=_randint(rng, 7, 40)))
                for action in actions:
                    action["due_date"] = max(action["due_date"], today + timedelta(days=_randint(rng, 0, 21)))
                continue
            # In force and open: review ahead; past-due actions done, the rest ahead.
            row["review_date"] = max(row["review_date"], today + timedelta(days=_randint(rng, 1, 45)))
            overdue = flags.get("overdue_action")
            for i, action in enumerate(actions):
                if (
                    overdue and i == 0
                ):  # planted: a working day at least a week ago, after the plan was agreed
                    agreed = _london_day(row["agreed_at"])
                    due = agreed + timedelta(days=_randint(rng, 1, max(1, (today - agreed).days - 7)))
                    while not is_working_day(due) or due > today - timedelta(days=7):
                        due -= timedelta(days=1)
                    action["due_date"] = due
                    if rng.random() < 0.5:
                        self._update_action(action, "in_progress", row["in_force_at"], self.now)
                    continue
                if action["due_date"] < today:
                    self._update_action(action, "done", row["in_force_at"], self.now)
                elif rng.random() < 0.3:
                    self._update_action(action, "in_progress", row["in_force_at"], self.now)

    def _update_action(self, action: dict, status: str, start: datetime, end: datetime) -> None:
        end = min(end, self.now - timedelta(minutes=1))
        due = _at_london(action["due_date"], 15)
        at = start + (min(max(due, start), end) - start) * self.rng.uniform(0.5, 1.0)
        at = max(start, min(at, end)).replace(microsecond=0)
        note = {
            "done": "Completed.",
            "in_progress": "Under way.",
            "cancelled": "No longer needed after review.",
        }[status]
        action.update(status=status, updated_at=at, update_note=note)
        kind = AgencyKind(action["owning_agency_kind"])
        role = {AgencyKind.POLICE: RoleName.POLICE, AgencyKind.HEALTH: RoleName.HEALTH}.get(
            kind, RoleName.SOCIAL_CARE
        )
        self._step(
            "plan_action_updated",
            "Plan action updated",
            None,
            self._person(role),
            at,
            {"action": action["description"], "status": status, "note": note},
        )

    # -- the referral row and its ready tasks
    def _referral(self, times: list[datetime]) -> None:
        tpl, plan, route = self.template, self.plan, self.plan.route
        state = tpl.state
        if plan.incident != tpl.incident:
            state = _set_in_state(state, "incident_type", tpl.incident, plan.incident)
        if self.source != tpl.source:
            state = _set_in_state(state, "referral_source", tpl.source, self.source)
        if plan.cls != route.cls:  # a template from before the decision: the case's own class and rating
            if plan.cls.startswith("da_"):
                state = _set_in_state(state, "dash_level", None, plan.cls.removeprefix("da_"))
            if plan.cls == "pp":
                state = _set_in_state(state, "police_protection_used", False, True)
        if plan.rag != route.rag:
            state = _set_in_state(state, "rag", route.rag, plan.rag)
        self.steps.sort(key=lambda s: s["at"])
        ready_at = max(times, default=self.received)
        self.ready = []
        plan_row = self.plans[-1][0] if self.plans else None
        for task_id, step, title, lane in tpl.ready:
            if step in BEFORE_THRESHOLD:
                due = self.due
            elif step == "close_plan" and plan_row is not None:
                due = _at_london(plan_row["review_date"], 17)
            else:
                due = _threshold_due(ready_at)  # one working day from when the step became ready
            self.ready.append(
                {
                    "task_id": task_id,
                    "step": step,
                    "title": title,
                    "lane": lane,
                    "due_at": due,
                    "created_at": ready_at,
                    "assigned_to_id": None,
                }
            )
        closed = tpl.closed
        self.referral = {
            "reference": self.gen._reference(self.received),
            "status": "closed" if closed else "open",
            "referral_source": self.source,
            "local_authority_area": self.area.name,
            "received_at": self.received,
            "threshold_due_at": self.due,
            "rag": plan.rag if route.stop != "triage" else None,
            "current_step": tpl.current_step,
            "outcome": self.outcome,
            "closed_at": self.closed_at if closed else None,
            "created_by_id": self.notification["submitted_by_id"],
            "created_at": self.received,
            "spec_version_id": tpl.spec_version_id,
            "serializer_version": tpl.serializer_version,
            "workflow_state": state,
            "version": tpl.version,
        }


def generate(n: int, *, seed: int = 1, now: datetime | None = None) -> dict[str, set[int]]:
    """Add `n` fictional referrals with known gaps planted; return each gap's planted referral ids.

    Flushes, does not commit. Every referral not in a returned set is gap-free as of `now`.
    """
    if n < 1:
        raise ValueError("The number of referrals must be 1 or more.")
    if n > MAX_REFERRALS:
        raise ValueError(f"At most {MAX_REFERRALS:,} referrals can be generated at a time.")
    now = (now or utcnow()).astimezone(UTC)
    # Millions of short-lived dicts and no reference cycles: the cyclic collector
    # would only slow this down (by about a third).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _Generator(n, seed, now).run()
    finally:
        if collecting:
            gc.enable()
