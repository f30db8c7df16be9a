"""Routes through the front-door process, and the template each is driven once to make.

A route is what triage, research, the decision, the strategy discussion and the
plan rounds answered, and where the referral stops. Each distinct route is driven
once through the real services, inside a SAVEPOINT that is rolled back; the
generated referrals copy its workflow state, spec version and ready tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache

from app.domain.clock import LONDON, utcnow
from app.extensions import db
from app.models import ReferralStatus
from app.referrals import services, workflow
from app.sample_data.areas import LANE_ROLE, Area
from app.workflow.contract import S47_OUTCOMES

CLOSED = "closed"
CONFIRM_STEPS = ("police_confirm_plan", "health_confirm_plan")
RESEARCH_STEPS = ("police_research", "health_research", "social_care_research")
BEFORE_THRESHOLD = frozenset({"triage", *RESEARCH_STEPS, "threshold_decision", "resolve_disagreement"})


class GeneratorError(RuntimeError):
    """The process files no longer take a route the generator relies on, or a route has a step it cannot record."""


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
    def needs_sign_off(self) -> bool:
        """No further action or early help after domestic abuse waits for a manager's sign-off
        (app/referrals/services.py needs_manager_sign_off); a manager who resolved an escalation
        has decided already. Template referrals have no earlier contacts."""
        return self.cls.startswith("da_") and self.decision in ("nfa", "early_help") and not self.escalated

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
    if route.needs_sign_off:
        if route.stop == "manager_sign_off":
            return done
        done.append(("manager_sign_off", None))
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
    if step == "manager_sign_off":
        return {"signed_off": True, "note": "Template."}
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
    now = utcnow().replace(microsecond=0)
    actors = {lane: area.users[role][0] for lane, role in LANE_ROLE.items()}
    incident = TEMPLATE_INCIDENT[route.cls]
    notification = dict.fromkeys(services.NOTIFICATION_FIELDS)  # what create_referral reads
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
