"""The timeline of a generated case: what each step recorded, as the services would have written it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from app.models import RoleName
from app.sample_data.areas import Person
from app.sample_data.case_templates import (
    CLOSED,
    CONFIRM_STEPS,
    RESEARCH_STEPS,
    STEP_TITLES,
    GeneratorError,
    route_steps,
)
from app.sample_data.discussions import record_icpc, strategy_discussion
from app.sample_data.fictional import choice
from app.sample_data.plans import PlanRounds

if TYPE_CHECKING:
    from app.sample_data.cases import Case

RAG_REASONS = {
    "red": "Serious concerns for the children's immediate safety.",
    "amber": "Repeat concerns; needs a decision today.",
    "green": "Low-level concern; no immediate risk identified.",
}
RATIONALES = {
    "nfa": "No further action: advice given and signposted to universal services.",
    "early_help": "Needs are below the threshold for social care; early help offered to the family.",
    "s17": "Child in need: an assessment under section 17 is needed.",
    "s47": "Reasonable cause to suspect significant harm: strategy discussion and s47 enquiry.",
    "immediate_protection": "Child in police protection: immediate protection and strategy discussion.",
}
RESEARCH_FINDINGS = [
    "No previous involvement.",
    "Two earlier call-outs to the address.",
    "Known to the health visitor; missed appointments.",
    "Previous early help episode closed last year.",
]
NEXT_STEPS = {
    "nfa": "Advice given; no further action.",
    "early_help": "Early help hub to contact the family.",
    "s17": "Child and family assessment allocated.",
}


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def record_steps(case: Case, times: list[datetime]) -> None:
    """The notification and every step of the case's route at `times`, with the records they wrote."""
    route = case.plan.route
    _notification_received(case)
    rounds = PlanRounds()
    steps = route_steps(route)
    for i, ((step, arg), at) in enumerate(zip(steps, times, strict=True)):
        title, lane = STEP_TITLES[step]
        actor = case.person(lane)
        if step == "triage":
            answers = _triage(case)
        elif step in RESEARCH_STEPS:
            answers = _research(case, bool(arg))
        elif step == "threshold_decision":
            answers = _threshold_decision(case, arg, actor, at)
        elif step == "resolve_disagreement":
            answers = _resolve_disagreement(case, arg, actor, at)
        elif step == "manager_sign_off":
            answers = _manager_sign_off(case, actor, at)
        elif step == "record_outcome":
            answers = _record_outcome(case, at)
        elif step == "strategy_discussion":
            answers = strategy_discussion(case, arg, at, times[i - 1])
        elif step == "protective_plan":
            answers = rounds.agree(case, at)
        elif step in CONFIRM_STEPS:
            answers = rounds.respond(case, step, bool(arg), at)
        elif step == "close_plan":
            answers = rounds.close(case, at)
        else:
            raise GeneratorError(f"No records for step {step!r}")
        case.add_step(step, title, lane, actor, at, answers)
    rounds.settle(case)
    if case.sd_row is not None:
        record_icpc(case)
    if route.stop == CLOSED:
        case.closed_at = case.closed_at or times[-1]
    case.steps.sort(key=lambda s: s["at"])


def _notification_received(case: Case) -> None:
    """The first step, with everything reported; and police protection ending later, if it did."""
    police = case.source == "6"
    creator = case.person(RoleName.POLICE if police else RoleName.SOCIAL_CARE)
    answers = {
        "referral_source": case.source,
        "incident_type": case.plan.incident,
        **{
            k: _iso(v)
            for k, v in case.notification.items()
            if k not in ("submitted_by_id", "submitted_at", "incident_type")
        },
        "children": [{k: _iso(v) for k, v in c.items()} for c in case.children],
        "prior_notifications_12m": 0,
    }
    rescinded = case.notification["pp_rescinded_at"]
    if rescinded is not None and rescinded > case.received:
        # Police protection ended after the notification: recorded later, as app/referrals/recording.py does.
        answers["pp_rescinded_at"] = None
        at = max(rescinded, min(rescinded + timedelta(hours=case.rng.uniform(0.2, 12)), case.now))
        case.add_step(
            "police_protection_ended",
            "Police protection ended",
            "Police",
            case.person(RoleName.POLICE),
            at.replace(microsecond=0),
            {"rescinded_at": rescinded.isoformat()},
        )
    title = "Police notification submitted" if police else "Contact recorded"
    case.add_step("notification_received", title, None, creator, case.received, answers)


def _triage(case: Case) -> dict:
    route = case.plan.route
    return {
        "rag": case.plan.rag,
        "rag_reason": RAG_REASONS[case.plan.rag],
        "significant_harm_suspected": route.harm,
        "research_needed": route.research,
        "research_not_needed_reason": None
        if route.research
        else "Information only: no new concerns needing partner checks.",
    }


def _research(case: Case, disagrees: bool) -> dict:
    return {
        "findings": choice(case.rng, RESEARCH_FINDINGS),
        "information_shared": "Relevant history for the children and adults named.",
        "shared_with": "MASH social worker",
        "purpose": "To inform the threshold decision.",
        "lawful_basis": "dpa_2018_safeguarding",
        "disagrees": disagrees,
        "disagreement_reason": "Risk is higher than the triage rating suggests." if disagrees else None,
    }


def _threshold_decision(case: Case, outcome: str, actor: Person, at: datetime) -> dict:
    answers = {"outcome": outcome, "rationale": RATIONALES[outcome]}
    route = case.plan.route
    recommended, rule = case.template.recommended or (route.recommended, "")
    case.decisions.append(
        {
            "recommended_outcome": recommended,
            "recommendation_rule": rule,
            "outcome": outcome,
            "rationale": answers["rationale"],
            "decided_by_id": actor.id,
            "decided_at": at,
            "escalated": route.escalated,
            "escalation_reason": None,
            "final_outcome": None,
            "resolved_by_id": None,
            "resolved_at": None,
            "resolution": None,
            "sign_off_required": route.needs_sign_off,
            "signed_off": None,
            "signed_off_by_id": None,
            "signed_off_at": None,
            "sign_off_note": None,
        }
    )
    case.outcome = outcome
    return answers


def _manager_sign_off(case: Case, actor: Person, at: datetime) -> dict:
    answers = {"signed_off": True, "note": "Signed off: " + RATIONALES[case.outcome].lower()}
    case.decisions[-1].update(
        signed_off=True, signed_off_by_id=actor.id, signed_off_at=at, sign_off_note=answers["note"]
    )
    return answers


def _resolve_disagreement(case: Case, outcome: str, actor: Person, at: datetime) -> dict:
    answers = {
        "outcome": outcome,
        "resolution": "Discussed with the social worker and partners; " + RATIONALES[outcome].lower(),
    }
    case.decisions[-1].update(
        final_outcome=outcome, resolved_by_id=actor.id, resolved_at=at, resolution=answers["resolution"]
    )
    case.outcome = outcome
    return answers


def _record_outcome(case: Case, at: datetime) -> dict:
    case.closed_at = at
    return {
        "primary_need": choice(case.rng, ["N1", "N4", "N5", "N9"]),
        "next_step": NEXT_STEPS.get(case.outcome, "No s47 enquiry; closed."),
        "closure_reason": "RC8" if case.outcome == "nfa" else None,
    }
