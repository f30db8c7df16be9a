"""Creating referrals and completing their steps.

Functions here change data and flush; the route, API call or command that
calls them commits once. A step's domain records, its timeline entry and the
new workflow state are written together, so they commit together or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import joinedload, lazyload

from app.audit import facts as audit_facts
from app.domain import cin_codes
from app.domain.clock import LONDON, london_date, london_today, utcnow
from app.domain.working_days import icpc_due
from app.extensions import db
from app.missing.services import check_episode, record_episodes
from app.models import (
    ActionStatus,
    Agency,
    AgencyAbsence,
    AgencyKind,
    Child,
    IncidentType,
    Notification,
    PlanAction,
    PlanStatus,
    ProtectivePlan,
    ReadyTask,
    Referral,
    ReferralStatus,
    StepRecord,
    StrategyAttendee,
    StrategyDiscussion,
    ThresholdDecision,
    User,
    WorkflowSpecVersion,
    record_audit_event,
)
from app.models.missing import AssessmentFactor
from app.models.people import MASH_AGENCY_KINDS
from app.models.referrals import Participation, referral_agencies
from app.people import intake as people_intake
from app.people import services as people
from app.people.history import decision_inputs, indicators
from app.people.patterns import alert_owners_of_linked_cases
from app.permissions import lanes_for
from app.referrals import workflow
from app.referrals.strategy_attendance import (
    REQUIRED_AGENCIES,
    absences_without_reason,
    attendees_not_taking_part,
)
from app.timers import due
from app.workflow.contract import DASH_LEVELS, OUTCOME_LABELS
from app.workflow.engine import InvalidData, TaskNotReady, WorkflowError, WrongLane

STALE_MESSAGE = (
    "This task has already been completed, or the referral changed while you had the page open. "
    "Nothing you entered was saved. Open the referral to see its current state."
)


class StepInvalid(ValueError):
    """Input broke a rule. `errors` maps field names (dotted for lists) to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class StaleSubmission(Exception):
    """The task is no longer there to complete: done by someone else, or submitted twice."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


class NotAllowed(Exception):
    """The user's roles or agency do not allow this."""


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _record_step(
    referral: Referral,
    actor: User | None,
    step: str,
    title: str,
    lane: str | None,
    answers: dict,
    task_id: str | None = None,
) -> StepRecord:
    """A timeline entry, and the access-log entry for the change it records."""
    record = StepRecord(
        step=step,
        title=title,
        lane=lane,
        actor=actor,
        agency_id=actor.agency_id if actor else None,
        answers=_json_safe(answers),
        task_id=task_id,
    )
    # Set from the record's side: appending to referral.steps would first load
    # the whole timeline. The back-reference still adds it to a loaded list.
    record.referral = referral
    db.session.add(record)
    # A new referral has no id yet: create_referral logs "referral_created" once it has.
    if referral.id is not None:
        record_audit_event(
            actor,
            "task_completed" if task_id else "recorded",
            f"referral:{referral.id}",
            step=step,
            title=title,
            **({"task_id": task_id} if task_id else {}),
        )
    return record


# --- Creating a referral -------------------------------------------------------


def _new_reference(now: datetime) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        reference = f"FD-{now:%y}-" + "".join(secrets.choice(alphabet) for _ in range(6))
        if db.session.scalar(select(Referral.id).where(Referral.reference == reference)) is None:
            return reference


def _participating_agencies(actor: User) -> list[Agency]:
    """The submitting agency and the MASH's own agencies (police, social care, health) of its
    local authority area. Any other agency of the area (a school) takes part only when
    invited (app/participation); one that refers takes part as the referrer."""
    area = actor.agency.local_authority_area
    agencies = {actor.agency.id: actor.agency}
    if area:
        for agency in db.session.scalars(
            select(Agency).where(Agency.local_authority_area == area, Agency.kind.in_(MASH_AGENCY_KINDS))
        ):
            agencies[agency.id] = agency
    return list(agencies.values())


def _mark_referrer(referral: Referral, actor: User) -> None:
    """A referrer from outside the MASH takes part in its own referral as the referrer."""
    if actor.agency.kind.in_every_referral:
        return
    db.session.execute(
        update(referral_agencies)
        .where(
            referral_agencies.c.referral_id == referral.id, referral_agencies.c.agency_id == actor.agency_id
        )
        .values(basis=Participation.REFERRER)
    )


def check_children(children: list[dict], occurred_at: datetime) -> dict[str, str]:
    """Business rules on the children, checked again here so the API and forms agree."""
    errors: dict[str, str] = {}
    today = london_today()
    incident_day = london_date(occurred_at)
    if not children:
        errors["children"] = "Add at least one child"
    for i, child in enumerate(children):
        key = f"children.{i}"
        dob: date = child["date_of_birth"]
        if dob > today:
            errors[f"{key}.date_of_birth"] = "Date of birth must be in the past"
        elif Child(date_of_birth=dob).age_on(incident_day) >= 18:
            errors[f"{key}.date_of_birth"] = (
                f"{child['full_name']} was 18 or over on the date of the incident, so is not a child. "
                "Remove them or check the date of birth"
            )
        if not child.get("voice") and not child.get("voice_not_recorded_reason"):
            errors[f"{key}.voice"] = (
                "Enter the child's own words or views, or tick 'Not recorded' and give a reason"
            )
        if not child.get("demeanour") and not child.get("demeanour_not_recorded_reason"):
            errors[f"{key}.demeanour"] = (
                "Enter the child's behaviour and demeanour, or tick 'Not recorded' and give a reason"
            )
        if not child.get("spoken_to") and not child.get("not_spoken_to_reason"):
            errors[f"{key}.not_spoken_to_reason"] = "Give the reason the child was not spoken to"
    return errors


# What only some incidents have: DASH risk, police protection, custody. Optional.
INCIDENT_DETAIL_FIELDS = (
    "dash_level",
    "pp_started_at",
    "pp_place_of_safety",
    "pp_local_authority_informed_at",
    "pp_rescinded_at",
    "custody_arrived_at",
    "custody_aa_requested_at",
    "custody_aa_arrived_at",
    "custody_healthcare_assessed",
    "custody_accommodation_requested",
    "custody_accommodation_refused",
    "custody_refusal_escalated",
)
NOTIFICATION_FIELDS = (
    "occurred_at",
    "location",
    "description",
    "immediate_action",
    "referrer_name",
    "referrer_organisation",
    *INCIDENT_DETAIL_FIELDS,
)
CHILD_FIELDS = (
    "full_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "address",
    "school",
    "present",
    "spoken_to",
    "not_spoken_to_reason",
    "voice",
    "voice_not_recorded_reason",
    "demeanour",
    "demeanour_not_recorded_reason",
    "injuries",
)


RECORDED_AFTER_RECEIPT = (
    "The time it was recorded must be before it reached the MASH ({received}): "
    "it cannot be after receipt or in the future"
)
RECORDED_BEFORE_INCIDENT = "The time it was recorded must be after the incident ({occurred})"


RECEIVED_IN_THE_FUTURE = "The time the MASH received it must be now or in the past"
RECEIVED_BEFORE_INCIDENT = "The time the MASH received it must be after the incident ({occurred})"


def receipt(data: dict, now: datetime) -> tuple[datetime, dict]:
    """When the MASH received it, which every clock runs from: now, or earlier for a backlog entry.

    Also checks when the notifier recorded it (between the incident and receipt).
    Returns the time of receipt and the errors, keyed by the service's field names.
    """
    occurred_at: datetime = data["occurred_at"]
    received_at: datetime = data.get("received_at") or now
    if received_at > now:
        return now, {"received_at": RECEIVED_IN_THE_FUTURE}
    if received_at < occurred_at:
        return now, {"received_at": RECEIVED_BEFORE_INCIDENT.format(occurred=_london(occurred_at))}
    return received_at, check_recorded_at(data.get("recorded_at"), occurred_at, received_at)


def check_recorded_at(recorded_at: datetime | None, occurred_at: datetime, received_at: datetime) -> dict:
    """When the notifier recorded it, if they said: between the incident and receipt by the MASH."""
    if recorded_at is None:
        return {}
    if recorded_at > received_at:
        return {"recorded_at": RECORDED_AFTER_RECEIPT.format(received=_london(received_at))}
    if recorded_at < occurred_at:
        return {"recorded_at": RECORDED_BEFORE_INCIDENT.format(occurred=_london(occurred_at))}
    return {}


def _london(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%-d %B %Y %H:%M}"


def create_referral(actor: User, data: dict) -> Referral:
    """Record a notification or contact, its children, and start the front-door process."""
    now = utcnow()
    occurred_at: datetime = data["occurred_at"]
    errors = check_children(data.get("children") or [], occurred_at)
    errors |= people_intake.check_adults(data.get("people") or [], occurred_at)
    errors |= check_episode(data.get("missing_episode"), now)
    if occurred_at > now:
        errors["occurred_at"] = "The date of the incident must be today or in the past"
    received_at, receipt_errors = receipt(data, now)
    errors |= receipt_errors
    incident = IncidentType(data["incident_type"])
    if incident is IncidentType.DOMESTIC_ABUSE and not data.get("dash_level"):
        errors["dash_level"] = "Select the DASH risk level"
    if errors:
        raise StepInvalid(errors)

    referral = Referral(
        reference=_new_reference(now),
        referral_source=data["referral_source"],
        local_authority_area=actor.agency.local_authority_area,
        received_at=received_at,
        threshold_due_at=due.statutory_threshold_due(received_at),
        created_by=actor,
        agencies=_participating_agencies(actor),
        version=1,
        # A new referral has none of these yet: said here, reading them (the reply, the audit
        # facts) sends no query.
        threshold_decisions=[],
        strategy_discussions=[],
        plans=[],
    )
    referral.notification = Notification(
        incident_type=incident,
        submitted_by=actor,
        recorded_at=data.get("recorded_at") or received_at,
        **{f: data.get(f) for f in NOTIFICATION_FIELDS},
    )
    referral.children = [Child(**{f: c.get(f) for f in CHILD_FIELDS}) for c in data["children"]]
    # Police protection still in force when the MASH receives the notification: its 72 hours run.
    pp_in_force = data.get("pp_started_at") is not None and data.get("pp_rescinded_at") is None
    instance = workflow.start(
        referral,
        {
            "incident_type": incident.value,
            "police_protection_used": incident is IncidentType.POLICE_PROTECTION
            or data.get("pp_started_at") is not None,
            "police_protection_in_force": pp_in_force,
            "due_times": {
                "police_protection_in_force": due.police_protection(data["pp_started_at"]).as_data()
            }
            if pp_in_force
            else {},
            "dash_level": data.get("dash_level"),
            "referral_source": data["referral_source"],
        },
    )
    db.session.add(referral)  # only now: starting reads the spec table, which would autoflush it half-made
    title = "Police notification submitted" if data["referral_source"] == "6" else "Contact recorded"
    # Earlier notifications about the children, as the intake sees them: none until someone named
    # turns out to be known (below).
    received = _record_step(
        referral, actor, "notification_received", title, None, {**data, "prior_notifications_12m": 0}
    )
    db.session.flush()
    # Nobody else sees the referral until this transaction commits: its facts need no row lock.
    audit_facts.note_locked(db.session(), referral.id)
    _mark_referrer(referral, actor)
    workflow.announce_ready_tasks(referral, instance)
    recorded = people.record_people(referral, people_intake.named_on(referral, data))
    # Only people already known can be on other cases: nobody else is asked about.
    alert_owners_of_linked_cases(referral, recorded.known)
    record_episodes(referral, data.get("missing_episode"))
    # What the intake could see: people linked by NHS number. Confirming possible matches at
    # triage adds to it, and the steps before the decision work it out again.
    prior = decision_inputs(referral)["prior_notifications_12m"] if recorded.known else 0
    if prior:
        received.answers = {**received.answers, "prior_notifications_12m": prior}
    record_audit_event(actor, "referral_created", f"referral:{referral.id}", reference=referral.reference)
    return referral


# --- Completing a step ----------------------------------------------------------

#: Outcomes that close or step down: a child's history must be weighed in writing first.
HISTORY_MUST_BE_WEIGHED = ("nfa", "early_help")
#: Earlier contacts in 12 months about one child from which closing or stepping down needs a manager.
SIGN_OFF_EARLIER_CONTACTS = 2


def needs_manager_sign_off(referral: Referral, outcome: str, history: dict | None = None) -> bool:
    """No further action or early help waits for a MASH manager's sign-off when a child has
    2 or more earlier contacts in 12 months, or after domestic abuse (a referral always names
    children, so they were present or in the household). `history`: the children's indicators,
    when the caller has them already."""
    if outcome not in HISTORY_MUST_BE_WEIGHED:
        return False
    if referral.notification.incident_type is IncidentType.DOMESTIC_ABUSE:
        return True
    history = indicators(referral) if history is None else history
    return any(i.notifications_12m >= SIGN_OFF_EARLIER_CONTACTS for i in history.values())


@dataclass
class StepContext:
    actor: User
    referral: Referral
    data: dict
    instance: Any  # the loaded workflow, before this step runs

    @cached_property
    def process_data(self) -> dict:
        """The workflow's data before this step; worked out only for handlers that read it."""
        return workflow.engine().data(self.instance)

    def due_times(self, **new: dict) -> dict:
        """The process data's due times with ``new`` ones added (a step sends them all, as data is copied)."""
        return {**workflow.engine().due_times(self.instance, self.data["_task_id"]), **new}


StepHandler = Callable[[StepContext], dict]
STEP_HANDLERS: dict[str, StepHandler] = {}


def step(name: str, *aliases: str) -> Callable[[StepHandler], StepHandler]:
    def register(handler: StepHandler) -> StepHandler:
        for key in (name, *aliases):
            STEP_HANDLERS[key] = handler
        return handler

    return register


def _record_factors(ctx: StepContext) -> None:
    """The CIN census assessment factors coded at this step (an incident can carry several)."""
    codes = ctx.data.get("assessment_factors") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise StepInvalid({"assessment_factors": "Send the concerns as a list of CIN census factor codes"})
    unknown = [c for c in codes if not cin_codes.is_valid("assessment_factor", c)]
    if unknown:
        message = (
            f"{unknown[0]} is not a CIN census assessment factor"
            if len(unknown) == 1
            else f"{', '.join(unknown)} are not CIN census assessment factors"
        )
        raise StepInvalid({"assessment_factors": message})
    for code in dict.fromkeys(codes):
        db.session.add(
            AssessmentFactor(
                referral_id=ctx.referral.id, code=code, step=ctx.data["_step"], recorded_by_id=ctx.actor.id
            )
        )


def _regrade_dash(ctx: StepContext) -> None:
    level, reason = ctx.data.get("mash_dash_level"), ctx.data.get("mash_dash_reason")
    if not level:
        return
    notification = ctx.referral.notification
    if notification.incident_type is not IncidentType.DOMESTIC_ABUSE:
        raise StepInvalid(
            {"mash_dash_level": "Only a domestic abuse notification has a DASH risk level to re-grade"}
        )
    if level not in DASH_LEVELS:
        raise StepInvalid({"mash_dash_level": "Select standard, medium or high"})
    if not (reason or "").strip():
        raise StepInvalid({"mash_dash_reason": "Explain why you grade the DASH risk differently"})
    notification.mash_dash_level, notification.mash_dash_reason = level, reason.strip()


@step("triage")
def _triage(ctx: StepContext) -> dict:
    # Not given (API callers, pages opened before the question existed) means
    # checks happen: skipping them must always be a recorded choice.
    research_needed = ctx.data.get("research_needed")
    research_needed = True if research_needed is None else bool(research_needed)
    reason = ctx.data.get("research_not_needed_reason")
    reason = reason.strip() if isinstance(reason, str) else reason
    if not research_needed and not reason:
        raise StepInvalid(
            {
                "research_not_needed_reason": "Explain why checks by police, health and social care are not needed"
            }
        )
    # What the timeline shows: the answer as the process used it.
    ctx.data["research_needed"] = research_needed
    ctx.data["research_not_needed_reason"] = None if research_needed else reason
    _regrade_dash(ctx)
    _record_factors(ctx)
    ctx.referral.rag = ctx.data["rag"]
    received, rag = ctx.referral.received_at, ctx.data["rag"]
    # The RAG rating sets when the research and the decision are due; the decision's BPMN timer reads it.
    response = due.rag_response(received, rag).as_data()
    return {
        "rag": ctx.data["rag"],
        "significant_harm_suspected": bool(ctx.data["significant_harm_suspected"]),
        "research_needed": research_needed,
        **decision_inputs(ctx.referral),
        "due_times": ctx.due_times(
            police_research=response,
            health_research=response,
            social_care_research=response,
            threshold_decision=due.threshold_decision(received, rag).as_data(),
        ),
    }


@step("police_research", "health_research", "social_care_research")
def _research(ctx: StepContext) -> dict:
    if ctx.data.get("lawful_basis") == "other" and not (ctx.data.get("lawful_basis_detail") or "").strip():
        raise StepInvalid({"lawful_basis_detail": "Enter the lawful basis for sharing the information"})
    if ctx.data.get("disagrees") and not ctx.data.get("disagreement_reason"):
        raise StepInvalid({"disagreement_reason": "Explain why you disagree with the triage"})
    prefix = ctx.data["_step"].removesuffix("_research")
    return {f"{prefix}_disagrees": bool(ctx.data.get("disagrees"))}


@step("threshold_decision")
def _threshold_decision(ctx: StepContext) -> dict:
    outcome = ctx.data["outcome"]
    history = indicators(ctx.referral) if outcome in HISTORY_MUST_BE_WEIGHED else {}
    unweighed = outcome in HISTORY_MUST_BE_WEIGHED and not (ctx.data.get("history_weighed") or "").strip()
    if unweighed and any(i.has_history for i in history.values()):
        raise StepInvalid(
            {
                "history_weighed": "A child here has earlier referrals: say how you weighed that history "
                "before deciding on no further action or early help"
            }
        )
    disagreement = bool(ctx.data.get("disagreement_raised"))
    disagreement_reason = (ctx.data.get("disagreement_reason") or "").strip() or None
    if disagreement and not disagreement_reason:
        raise StepInvalid({"disagreement_reason": "Say which agency disagrees with this decision, and why"})
    ctx.data["disagreement_raised"], ctx.data["disagreement_reason"] = disagreement, disagreement_reason
    _record_factors(ctx)
    sign_off = needs_manager_sign_off(ctx.referral, outcome, history)
    ctx.referral.threshold_decisions.append(
        ThresholdDecision(
            recommended_outcome=ctx.process_data.get("recommended_outcome") or "nfa",
            recommendation_rule=ctx.process_data.get("recommendation_rule") or "",
            outcome=outcome,
            rationale=ctx.data["rationale"],
            decided_by_id=ctx.actor.id,
            decided_at=utcnow(),
            escalation_reason=disagreement_reason,
            sign_off_required=sign_off,
        )
    )
    ctx.referral.outcome = outcome
    return {
        "threshold_outcome": outcome,
        "disagreement_raised": disagreement,
        "manager_sign_off_needed": sign_off,
        "due_times": ctx.due_times(strategy_discussion=due.strategy_discussion(utcnow()).as_data()),
    }


@step("resolve_disagreement")
def _resolve(ctx: StepContext) -> dict:
    decision = ctx.referral.threshold_decision
    if decision is not None:
        decision.final_outcome = ctx.data["outcome"]
        decision.resolution = ctx.data["resolution"]
        decision.resolved_by_id = ctx.actor.id
        decision.resolved_at = utcnow()
        if decision.sign_off_required:  # the manager deciding is the manager signing off
            decision.signed_off = ctx.data["outcome"] == decision.outcome
            decision.signed_off_by_id, decision.signed_off_at = ctx.actor.id, decision.resolved_at
            decision.sign_off_note = ctx.data["resolution"]
    ctx.referral.outcome = ctx.data["outcome"]
    return {
        "threshold_outcome": ctx.data["outcome"],
        # A manager has decided the outcome, so it needs no one else's sign-off.
        "manager_sign_off_needed": False,
        "due_times": ctx.due_times(strategy_discussion=due.strategy_discussion(utcnow()).as_data()),
    }


@step("manager_sign_off")
def _manager_sign_off(ctx: StepContext) -> dict:
    decision = ctx.referral.threshold_decision
    signed_off = bool(ctx.data.get("signed_off"))
    note = (ctx.data.get("note") or "").strip() or None
    outcome = decision.outcome if signed_off else ctx.data.get("outcome")
    if not signed_off and outcome not in OUTCOME_LABELS:
        raise StepInvalid({"outcome": "Select the threshold decision you are changing it to"})
    if not signed_off and outcome == decision.outcome:
        raise StepInvalid({"outcome": "Select a different threshold decision, or sign this one off"})
    if not note:
        raise StepInvalid(
            {
                "note": "Say why you sign this decision off, given the history"
                if signed_off
                else "Say why you are changing the threshold decision"
            }
        )
    ctx.data["outcome"], ctx.data["note"] = outcome, note
    decision.signed_off, decision.sign_off_note = signed_off, note
    decision.signed_off_by_id, decision.signed_off_at = ctx.actor.id, utcnow()
    if not signed_off:
        decision.final_outcome = outcome
    ctx.referral.outcome = outcome
    return {
        "signed_off": signed_off,
        "threshold_outcome": outcome,
        "manager_sign_off_needed": False,
        "due_times": ctx.due_times(strategy_discussion=due.strategy_discussion(utcnow()).as_data()),
    }


@step("record_outcome")
def _record_outcome(ctx: StepContext) -> dict:
    return {}


def agency_kinds_taking_part(referral: Referral) -> set[str]:
    """The kinds of the agencies taking part in the referral, read afresh (an invitation may be new)."""
    kinds = db.session.scalars(
        select(Agency.kind)
        .join(referral_agencies, referral_agencies.c.agency_id == Agency.id)
        .where(referral_agencies.c.referral_id == referral.id)
    )
    return {kind.value for kind in kinds}


def check_strategy_discussion(referral: Referral, data: dict) -> dict[str, str]:
    kinds = [a["agency_kind"] for a in data.get("attendees") or []]
    errors = attendees_not_taking_part(kinds, agency_kinds_taking_part(referral))
    errors |= absences_without_reason(kinds, data)
    if data["held_at"] > utcnow():
        errors["held_at"] = "The strategy discussion date must be today or in the past"
    if data.get("criminal_investigation") and not data.get("criminal_investigation_plan"):
        errors["criminal_investigation_plan"] = (
            "Say how and when the criminal investigation will be conducted"
        )
    return errors


@step("strategy_discussion")
def _strategy_discussion(ctx: StepContext) -> dict:
    errors = check_strategy_discussion(ctx.referral, ctx.data)
    if errors:
        raise StepInvalid(errors)
    _record_factors(ctx)
    d = ctx.data
    discussion = StrategyDiscussion(
        held_at=d["held_at"],
        chair=d["chair"],
        information_shared=d["information_shared"],
        decision=d["decision"],
        criminal_investigation=bool(d["criminal_investigation"]),
        criminal_investigation_plan=d.get("criminal_investigation_plan"),
        immediate_actions=d["immediate_actions"],
        legal_action_considered=bool(d["legal_action_considered"]),
        legal_action_notes=d.get("legal_action_notes"),
        other_children_considered=bool(d["other_children_considered"]),
        other_children_notes=d.get("other_children_notes"),
        icpc_required=bool(d["icpc_required"]),
        icpc_target_date=icpc_due(d["held_at"].astimezone(LONDON)) if d["icpc_required"] else None,
        recorded_by_id=ctx.actor.id,
    )
    discussion.attendees = [
        StrategyAttendee(
            name=a["name"],
            agency_kind=AgencyKind(a["agency_kind"]),
            role=a["role"],
            agency_name=a.get("agency_name"),
        )
        for a in d["attendees"]
    ]
    discussion.absences = [
        AgencyAbsence(agency_kind=agency.kind, reason=d[agency.absence_reason_field])
        for agency in REQUIRED_AGENCIES
        if d.get(agency.absence_reason_field)
    ]
    ctx.referral.strategy_discussions.append(discussion)
    return {"strategy_decision": d["decision"]}


#: A plan action's due date problems name the action by its number on the page ("Action 2").
ACTION_DUE_MISSING = "Enter the date action {number} is due"
ACTION_DUE_PAST = "The due date of action {number} must be today or in the future"


def check_plan(data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = utcnow().astimezone(LONDON).date()
    if not data.get("actions"):
        errors["actions"] = "Add at least one action"
    for i, action in enumerate(data.get("actions") or []):
        if not action.get("owner"):
            errors[f"actions.{i}.owner"] = "Enter who owns this action"
        if not action.get("due_date"):
            errors[f"actions.{i}.due_date"] = ACTION_DUE_MISSING.format(number=i + 1)
        elif action["due_date"] < today:
            errors[f"actions.{i}.due_date"] = ACTION_DUE_PAST.format(number=i + 1)
    if data["review_date"] < today:
        errors["review_date"] = "The review date must be today or in the future"
    return errors


@step("protective_plan")
def _protective_plan(ctx: StepContext) -> dict:
    errors = check_plan(ctx.data)
    if errors:
        raise StepInvalid(errors)
    previous = ctx.referral.plan
    if previous is not None and previous.status is PlanStatus.DRAFT:
        previous.status = PlanStatus.CLOSED  # superseded by this revision
        previous.closed_at = utcnow()
    plan = ProtectivePlan(
        summary=ctx.data["summary"], review_date=ctx.data["review_date"], status=PlanStatus.DRAFT
    )
    plan.actions = [
        PlanAction(
            description=a["description"],
            owning_agency_kind=AgencyKind(a["owning_agency_kind"]),
            owner=a["owner"],
            due_date=a["due_date"],
        )
        for a in ctx.data["actions"]
    ]
    ctx.referral.plans.append(plan)
    confirm = due.plan_confirmation(utcnow()).as_data()
    return {"due_times": ctx.due_times(police_confirm_plan=confirm, health_confirm_plan=confirm)}


@step("police_confirm_plan", "health_confirm_plan")
def _confirm_plan(ctx: StepContext) -> dict:
    if not ctx.data["confirmed"] and not ctx.data.get("response"):
        raise StepInvalid({"response": "Explain why your agency does not confirm the plan"})
    agency = "police" if ctx.data["_step"].startswith("police") else "health"
    plan = ctx.referral.plan
    setattr(plan, f"{agency}_confirmed", bool(ctx.data["confirmed"]))
    setattr(plan, f"{agency}_response", ctx.data.get("response"))
    return {f"{agency}_confirmed": bool(ctx.data["confirmed"])}


@step("close_plan")
def _close_plan(ctx: StepContext) -> dict:
    plan = ctx.referral.plan
    if plan is not None:
        plan.status = PlanStatus.CLOSED
        plan.closed_at = utcnow()
    return {}


@cache
def _lock_statement() -> Select:
    """Built once: constructing a select with loader options costs more than running it."""
    return (
        select(Referral)
        .where(Referral.id == bindparam("referral_id"))
        .options(
            # Only the version's id and hash: the stored spec (~30 KB) is read only
            # if the engine has not cached that version (see workflow._StoredVersion).
            joinedload(Referral.spec_version, innerjoin=True).load_only(
                WorkflowSpecVersion.id, WorkflowSpecVersion.content_hash
            ),
            # At most a few rows (parallel tasks), so joined into the same statement.
            joinedload(Referral.ready_tasks),
            # Who may see the referral: not loaded, so can_view asks with one EXISTS.
            lazyload(Referral.agencies),
            # Not needed to complete a task: loaded only if something reads them.
            lazyload(Referral.children),
            lazyload(Referral.notification),
        )
        .with_for_update(of=Referral)
        .execution_options(populate_existing=True)
    )


@cache
def _lock_statement_for_viewer() -> Select:
    """The locking load, with whether one agency takes part in the referral as a second column."""
    return _lock_statement().add_columns(
        Referral.agency_takes_part(bindparam("agency_id")).label("takes_part")
    )


def lock_referral(referral_id: int, viewer: User | None = None) -> Referral | None:
    """Load a referral for writing: a row lock on PostgreSQL (SQLite's writer lock is taken at BEGIN).

    Loads what completing or assigning a task needs in one statement: the row
    with its ready tasks and spec version hash and, given the viewer, whether the
    viewer's agency takes part (``can_view``'s question); without a viewer,
    ``can_view`` asks that in a second statement if it is asked.
    """
    if viewer is None:
        result = db.session.execute(_lock_statement(), {"referral_id": referral_id})
        referral = result.unique().scalar_one_or_none()
    else:
        row = (
            db.session.execute(
                _lock_statement_for_viewer(), {"referral_id": referral_id, "agency_id": viewer.agency_id}
            )
            .unique()
            .one_or_none()
        )
        referral = row[0] if row is not None else None
        if referral is not None:
            referral.found_taking_part(viewer.agency_id, row[1])
    if referral is not None:
        audit_facts.note_locked(db.session(), referral_id)  # no second lock when its facts are written
    return referral


def find_ready_task(referral: Referral, task_id: str) -> ReadyTask | None:
    return next((t for t in referral.ready_tasks if t.task_id == task_id), None)


def version_token(referral: Referral, ready: ReadyTask) -> int:
    """The version a task's page carries: the referral version at which this task became ready."""
    return ready.ready_version if ready.ready_version is not None else referral.version


def token_fits(referral: Referral, ready: ReadyTask, token: int | None) -> bool:
    """Was the page built while this very task was ready, and has it stayed ready since?

    The task id (in the URL) and this token name the task's own state. A token
    from when the task was ready up to now fits, so completing police's research
    does not refuse health's page opened at the same time. A token from before
    the task became ready does not (the page showed some other state), and once
    the task is completed it is not ready, so a second submission is refused.
    """
    if token is None:
        return False
    if token == referral.version:
        return True
    return ready.ready_version is not None and ready.ready_version <= token <= referral.version


def complete_task(
    actor: User, referral: Referral, task_id: str, expected_version: int, data: dict
) -> StepRecord:
    """Complete one ready task with validated answers; one flush, no commit.

    `expected_version` is the token the task's page or the API client was given
    (`version_token`, or the referral's version): see `token_fits`.

    Autoflush is off until that flush: otherwise each lazy load on the way
    (a handler's collections, the plan) would write the changes made so far,
    and the referral row would be updated several times in one step.
    """
    ready = find_ready_task(referral, task_id)
    if ready is None or not token_fits(referral, ready, expected_version):
        raise StaleSubmission()
    if ready.lane not in lanes_for(actor) or not referral.can_view(actor):
        raise NotAllowed()
    eng = workflow.engine()
    with db.session.no_autoflush:
        instance = workflow.load(referral)
        ctx = StepContext(actor, referral, {**data, "_step": ready.step, "_task_id": ready.task_id}, instance)
        process_answers = STEP_HANDLERS[ready.step](ctx)
        try:
            eng.complete_task(instance, task_id, lane=ready.lane, data=process_answers)
        except (TaskNotReady, WrongLane) as error:
            raise StaleSubmission() from error
        except InvalidData as error:
            raise StepInvalid({"_": str(error)}) from error
        except WorkflowError:
            raise
        # First: the tasks this step makes ready are stamped with the new version.
        referral.version += 1
        after = {t.bpmn_id for t in workflow.save(referral, instance)}
        _after_step(referral, ready.step, after, eng.is_completed(instance))
        # ctx.data, not data: a handler may fill in a default it applied (triage's research_needed).
        answers = {k: v for k, v in ctx.data.items() if not k.startswith("_")}
        record = _record_step(referral, actor, ready.step, ready.title, ready.lane, answers, task_id)
    db.session.flush()
    return record


def _after_step(referral: Referral, step_name: str, ready_steps: set[str], completed: bool) -> None:
    """Domain consequences of where the process went next."""
    if step_name == "threshold_decision" and referral.threshold_decision is not None:
        referral.threshold_decision.escalated = "resolve_disagreement" in ready_steps
    # Only when the plan can have come into force: reading it loads the plans.
    plan = referral.plan if "close_plan" in ready_steps else None
    if plan is not None and plan.status is PlanStatus.DRAFT:
        plan.status = PlanStatus.IN_FORCE
        plan.in_force_at = utcnow()
    if completed:
        referral.status = ReferralStatus.CLOSED
        referral.closed_at = utcnow()


def assign_task(actor: User, referral: Referral, task_id: str) -> ReadyTask:
    """Pick up a task: it shows as yours in every inbox until completed."""
    ready = find_ready_task(referral, task_id)
    if ready is None:
        raise StaleSubmission()
    if ready.lane not in lanes_for(actor) or not referral.can_view(actor):
        raise NotAllowed()
    ready.assigned_to = actor
    record_audit_event(actor, "task_picked_up", f"referral:{referral.id}", step=ready.step, task_id=task_id)
    db.session.flush()
    return ready


def update_plan_action(actor: User, action: PlanAction, status: str, note: str | None) -> PlanAction:
    if action.plan.status is not PlanStatus.IN_FORCE:
        raise StepInvalid({"status": "Actions can only be updated while the plan is in force"})
    action.status = ActionStatus(status)
    action.update_note = note
    _record_step(
        action.plan.referral,
        actor,
        "plan_action_updated",
        "Plan action updated",
        None,
        {"action": action.description, "status": status, "note": note},
    )
    db.session.flush()
    return action


def ready_tasks_for(user: User):
    """Ready tasks in the user's lanes on referrals their agency takes part in, earliest due first."""

    lanes = lanes_for(user)
    return (
        select(ReadyTask)
        .join(Referral, Referral.id == ReadyTask.referral_id)
        .where(
            ReadyTask.lane.in_(lanes),
            Referral.seen_by(user, ReadyTask.referral_id),
        )
        .order_by(*ReadyTask.inbox_order())
    )


# The steps the clocks add (escalations, the police protection review, the assessment outcome)
# register their handlers in STEP_HANDLERS when imported.
from app.timers import steps as _timer_steps  # noqa: E402,F401
