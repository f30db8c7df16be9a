"""Every recorded answer in a practitioner's words: the label of each key a step records,
and the label of each coded value, taken from where the allowed values are defined.

The timeline (app.referrals.presenters) reads only this module, so a coded answer
(an outcome, an incident type, a CIN census code) is shown by the label beside its
value in the contract, the models or the census list, never by the code itself.
A key with no label here is a bug that tests/referrals/test_case_record.py catches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

from app.domain.clock import LONDON

#: What each recorded answer is called, by its key.
FIELD_LABELS = {
    # The notification or contact.
    "referral_source": "Referral source (CIN code)",
    "incident_type": "Incident type",
    "occurred_at": "When it happened",
    "location": "Where it happened",
    "description": "What happened",
    "immediate_action": "Immediate safeguarding action",
    "referrer_name": "Referrer",
    "referrer_organisation": "Referrer's organisation",
    "dash_level": "DASH risk level",
    "pp_started_at": "Police protection started",
    "pp_place_of_safety": "Place of safety",
    "pp_local_authority_informed_at": "Local authority told about police protection",
    "pp_rescinded_at": "Police protection ended",
    "custody_arrived_at": "Arrived in custody",
    "custody_aa_requested_at": "Appropriate adult requested",
    "custody_aa_arrived_at": "Appropriate adult arrived",
    "custody_healthcare_assessed": "Healthcare assessment in custody",
    "custody_accommodation_requested": "Local authority accommodation requested",
    "custody_accommodation_refused": "Local authority accommodation refused",
    "custody_refusal_escalated": "Refusal of accommodation escalated",
    "prior_notifications_12m": "Earlier referrals about these children in the last 12 months",
    "people": "Adults named",
    "full_name": "Name",
    "role": "Role",
    "missing_episode": "Missing episode",
    "recorded_at": "Recorded in the police system",
    "received_at": "Received by the MASH (backlog entry)",
    # A child on the notification.
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "present": "Present at the incident",
    "spoken_to": "Spoken to",
    "not_spoken_to_reason": "Why not spoken to",
    "voice": "In their own words",
    "voice_not_recorded_reason": "Why their words were not recorded",
    "demeanour": "Behaviour and demeanour",
    "demeanour_not_recorded_reason": "Why behaviour and demeanour were not recorded",
    "injuries": "Injuries",
    "kind": "Missing or absent",
    "missing_from": "Missing from",
    "looked_after": "Looked after child",
    "reported_at": "Reported missing",
    "found_at": "Found",
    "found_where": "Where found",
    "found_with": "Found with",
    # Triage and research.
    "rag": "RAG rating",
    "rag_reason": "Reason for RAG rating",
    "significant_harm_suspected": "Reasonable cause to suspect significant harm",
    "research_needed": "Checks by police, health and social care needed",
    "research_not_needed_reason": "Why checks are not needed",
    "mash_dash_level": "MASH DASH risk level",
    "mash_dash_reason": "Why the MASH changed the DASH level",
    "history_weighed": "How the history was weighed",
    "findings": "What the checks found",
    "information_shared": "Information shared",
    "shared_with": "Shared with",
    "purpose": "Why it was shared",
    "lawful_basis": "Lawful basis",
    "lawful_basis_detail": "Lawful basis (other)",
    "disagrees": "Disagrees with triage",
    "disagreement_reason": "Reason for disagreement",
    # Decisions.
    "outcome": "Outcome",
    "rationale": "Rationale",
    "resolution": "Resolution",
    "disagreement_raised": "An agency disagrees with the decision",
    "signed_off": "Signed off by a manager",
    "disagreed_with": "Decision disagreed with",
    "raised_by": "Raised by",
    "review_outcome": "Outcome of the review",
    "primary_need": "Primary need (CIN code)",
    "next_step": "What happens next",
    "closure_reason": "Reason for closure (CIN code)",
    # Strategy discussion.
    "held_at": "Held at",
    "chair": "Chair",
    "attendees": "Attendees",
    "name": "Name",
    "agency_kind": "Agency",
    "social_care_absence_reason": "Why children's social care was absent",
    "police_absence_reason": "Why police were absent",
    "health_absence_reason": "Why health was absent",
    "decision": "Decision",
    "criminal_investigation": "Criminal investigation",
    "criminal_investigation_plan": "Criminal investigation plan",
    "immediate_actions": "Immediate actions",
    "legal_action_considered": "Legal action considered",
    "legal_action_notes": "Legal action",
    "other_children_considered": "Other children considered",
    "other_children_notes": "Other children",
    "icpc_required": "Initial child protection conference needed",
    # The plan.
    "summary": "Summary",
    "review_date": "Review date",
    "actions": "Actions",
    "owning_agency_kind": "Agency",
    "due_date": "Due",
    "confirmed": "Confirmed",
    "response": "Response",
    "status": "Status",
    "closure_summary": "Why the plan is closed",
    # Recorded after the steps.
    "held_on": "Conference held on",
    "not_required_reason": "Why a conference is not required",
    "rescinded_at": "Police protection ended",
    "ended_at": "Police protection ended",
    # Escalations (app/timers/escalations.py) and the steps the clocks add.
    "late_task": "What is late",
    "was_due": "Was due",
    "overdue_by": "Overdue by",
    "owner": "Who had it",
    "raised_for": "Raised for",
    "action": "What the manager did",
    "note": "Note",
    "reassigned_to": "Reassigned to",
    "extended_to": "New due time",
    "long_term_plan": "Long-term plan",
    "completed_on": "Assessment completed",
    "factors": "Factors identified at the end of assessment",
    "assessment_factors": "Factors identified at the end of assessment",
    # An agency invited from outside the MASH.
    "invited_agency": "Agency",
    "basis": "Invited for",
    "invitation_reason": "Why the agency is needed",
}

#: Where one step calls a key something else: (step, key) -> label.
STEP_FIELD_LABELS = {
    ("plan_action_updated", "action"): "Action",
    ("protective_plan", "owner"): "Owner",
    ("assessment_outcome", "summary"): "Summary of the assessment",
}

#: Kept in the stored answers for the process, never shown.
HIDDEN = frozenset(
    {"version", "csrf_token", "submit", "due_times", "manager_sign_off_needed", "children", "task_id"}
)


def _cin(list_name: str) -> Mapping[str, str]:
    from app.domain.cin_codes import codes

    return dict(codes(list_name))


@cache
def _value_labels() -> dict[str, Mapping[str, str]]:
    """Coded answers, by key: each code with its label, from the one place that defines it.

    Built on first use: the forms and models it reads import this package's services."""
    from app.models import AgencyKind, EscalationAction
    from app.models.missing import EpisodeKind, MissingFrom
    from app.models.persons import PERSON_ROLE_LABELS
    from app.models.referrals import INCIDENT_LABELS, Participation
    from app.referrals.forms import ACTION_STATUS_LABELS
    from app.tasks.forms.steps import LAWFUL_BASES
    from app.workflow.contract import DASH_LABELS, OUTCOME_LABELS, RAG_LABELS, STRATEGY_DECISION_LABELS

    agencies = {kind.value: kind.label for kind in AgencyKind}
    assessment_factors = _cin("assessment_factor")
    return {
        "rag": RAG_LABELS,
        "outcome": OUTCOME_LABELS,
        "decision": STRATEGY_DECISION_LABELS,
        "dash_level": DASH_LABELS,
        "mash_dash_level": DASH_LABELS,
        "incident_type": {k.value: v for k, v in INCIDENT_LABELS.items()},
        "lawful_basis": LAWFUL_BASES,
        "agency_kind": agencies,
        "owning_agency_kind": agencies,
        "status": {k.value: v for k, v in ACTION_STATUS_LABELS.items()},
        "action": {a.value: a.label for a in EscalationAction},
        "kind": {k.value: k.label for k in EpisodeKind},
        "missing_from": {k.value: k.label for k in MissingFrom},
        "role": {k.value: v for k, v in PERSON_ROLE_LABELS.items()},
        "primary_need": _with_code(_cin("primary_need")),
        "closure_reason": _with_code(_cin("reason_for_closure")),
        "factors": _with_code(assessment_factors),
        "assessment_factors": _with_code(assessment_factors),
        "referral_source": {code: referral_source_words(code) for code, _ in _cin("referral_source").items()},
        "sex": _cin("gender"),
        "basis": {basis.value: basis.label for basis in Participation},
    }


@cache
def _step_value_labels() -> dict[tuple[str, str], Mapping[str, str]]:
    """Where one step's coded answer draws on another list than the key's usual one."""
    from app.timers.forms import ASSESSMENT_OUTCOMES

    return {("assessment_outcome", "outcome"): dict(ASSESSMENT_OUTCOMES)}


def _with_code(labels: Mapping[str, str]) -> dict[str, str]:
    return {code: f"{words} ({code})" for code, words in labels.items()}


def rule_words(rule: str | None) -> str:
    """The threshold rule that applied, as a sentence: "R4: DASH high risk: s47 enquiry"."""
    return (rule or "").replace(" -> ", ": ")


def referral_source_words(code: str) -> str:
    """The CIN census referral source in sentence case with its code: "Police (6)"."""
    from app.domain.cin_codes import is_valid, sentence_case

    if not is_valid("referral_source", code):
        return code
    return f"{sentence_case('referral_source', code)} ({code})"


def label_for(key: str, step: str | None = None) -> str:
    """What an answer is called. A key with no label reads as words, never as its snake case."""
    return STEP_FIELD_LABELS.get((step, key)) or FIELD_LABELS.get(key) or key.replace("_", " ").capitalize()


def value_labels(key: str, step: str | None = None) -> Mapping[str, str] | None:
    """The labels of a coded answer's values, or None for a free answer."""
    return _step_value_labels().get((step, key)) or _value_labels().get(key)


def code_label(key: str, value: Any, step: str | None = None) -> Any:
    """The words for one coded value, or the value itself if it is not a code of that key."""
    labels = value_labels(key, step)
    if labels is None or not isinstance(value, str):
        return value
    return labels.get(value, value)


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def govuk_time(moment: datetime) -> str:
    """GOV.UK style: "10:40pm", "9am", "midday", "midnight"."""
    if moment.minute == 0 and moment.hour in (0, 12):
        return "midnight" if moment.hour == 0 else "midday"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def govuk_date(value: date | datetime | None) -> str:
    """GOV.UK style: "1 December 2026", in London for an instant."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%B %Y}"


def govuk_datetime(value: datetime | None) -> str:
    """GOV.UK style in London time: "1 December 2026 at 10:40pm"."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{govuk_date(local.date())} at {govuk_time(local)}"


def _shown(value: Any) -> bool:
    return value not in (None, "", [], {})


def display(key: str, value: Any, step: str | None = None) -> str | list[str] | None:
    """One answer as it is read: a label for a code, Yes or No, a GOV.UK date, a list of items,
    or None when there is nothing to show (a section that does not apply)."""
    if not _shown(value):
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return govuk_datetime(value)
    if isinstance(value, date):
        return govuk_date(value)
    if isinstance(value, dict):
        return _item(value, step)
    if isinstance(value, list):
        items = [_item(v, step) if isinstance(v, dict) else display(key, v, step) for v in value]
        return [item for item in items if item]
    if isinstance(value, str):
        labelled = code_label(key, value, step)
        if labelled is not value:
            return labelled
        if _INSTANT.match(value):
            try:
                return govuk_datetime(datetime.fromisoformat(value))
            except ValueError:
                return value
        if _DAY.match(value):
            try:
                return govuk_date(date.fromisoformat(value))
            except ValueError:
                return value
    return str(value)


def _item(value: dict, step: str | None) -> str:
    """One item of a list (an attendee, a plan action): its answers in words, in order."""
    parts = []
    for key, inner in value.items():
        if key in HIDDEN:
            continue
        shown = display(key, inner, step)
        if not shown:
            continue
        if isinstance(shown, list):
            shown = ", ".join(shown)
        parts.append(shown if key in _BARE else f"{label_for(key, step).lower()} {shown}")
    return ", ".join(parts)


#: Inside a list item these read on their own ("S Worker, Social worker, Police force");
#: the others are introduced by their label ("due 9 December 2026").
_BARE = frozenset({"name", "full_name", "role", "description", "agency_kind", "owning_agency_kind", "owner"})


def answer_rows(step: str | None, answers: Mapping[str, Any]) -> list[dict]:
    """A step's answers as summary list rows, leaving out what was not given."""
    rows = []
    for key, value in (answers or {}).items():
        if key in HIDDEN:
            continue
        shown = display(key, value, step)
        if not shown:
            continue
        rows.append({"key": key, "label": label_for(key, step), "value": shown})
    return rows
