"""Turning stored records into what people read: the timeline, labels, and which
record links a referral page offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models import Referral
from app.workflow.contract import OUTCOME_LABELS, STRATEGY_DECISION_LABELS

FIELD_LABELS = {
    "rag": "RAG rating",
    "rag_reason": "Reason for RAG rating",
    "significant_harm_suspected": "Reasonable cause to suspect significant harm",
    "findings": "What the checks found",
    "information_shared": "Information shared",
    "shared_with": "Shared with",
    "purpose": "Why it was shared",
    "lawful_basis": "Lawful basis",
    "disagrees": "Disagrees with triage",
    "disagreement_reason": "Reason for disagreement",
    "outcome": "Outcome",
    "rationale": "Rationale",
    "resolution": "Resolution",
    "history_weighed": "How the history was weighed",
    "disagreement_raised": "An agency disagrees with the decision",
    "signed_off": "Signed off by a manager",
    "disagreed_with": "Decision disagreed with",
    "raised_by": "Raised by",
    "review_outcome": "Outcome of the review",
    "prior_notifications_12m": "Earlier referrals about these children in the last 12 months",
    "referral_source": "Referral source (CIN code)",
    "incident_type": "Incident type",
    "occurred_at": "When it happened",
    "immediate_action": "Immediate safeguarding action",
    "held_at": "Held at",
    "decision": "Decision",
    "icpc_required": "Initial child protection conference needed",
    "confirmed": "Confirmed",
    "response": "Response",
    "review_date": "Review date",
    "research_needed": "Checks by police, health and social care needed",
    "research_not_needed_reason": "Why checks are not needed",
    "held_on": "Conference held on",
    "not_required_reason": "Why a conference is not required",
    "rescinded_at": "Police protection ended",
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
}
#: Answers that are instants, shown in UK time.
INSTANTS = {"was_due", "extended_to", "rescinded_at"}
HIDDEN = {"version", "csrf_token", "submit"}


def outcome_label(value: Any) -> Any:
    """The words for a threshold outcome (OUTCOMES), or the value itself if it is not one."""
    return OUTCOME_LABELS.get(value, value)


def strategy_decision_label(value: Any) -> Any:
    """The words for a strategy discussion decision (STRATEGY_DECISIONS), or the value itself."""
    return STRATEGY_DECISION_LABELS.get(value, value)


def label_for(key: str) -> str:
    return FIELD_LABELS.get(key, key.replace("_", " ").capitalize())


def display_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "":
        return "Not given"
    if key in INSTANTS and isinstance(value, str):
        from app.template_helpers import uk_datetime

        try:
            return uk_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    if key == "outcome":
        return outcome_label(value)
    if key == "decision":
        return strategy_decision_label(value)
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(
                    ", ".join(
                        str(v)
                        for k, v in item.items()
                        if v not in (None, "")
                        and k
                        in {
                            "full_name",
                            "name",
                            "role",
                            "agency_kind",
                            "description",
                            "owner",
                            "owning_agency_kind",
                            "due_date",
                        }
                    )
                )
            else:
                parts.append(str(item))
        return "; ".join(parts)
    return str(value)


def timeline(referral: Referral) -> list[dict]:
    entries = []
    for record in referral.steps:
        answers = [
            {"label": label_for(k), "value": display_value(k, v)}
            for k, v in (record.answers or {}).items()
            if k not in HIDDEN and k != "children"
        ]
        entries.append(
            {
                "title": record.title,
                "at": record.at,
                "actor": record.actor.full_name if record.actor else "System",
                "agency": record.agency.name if record.agency else "",
                "lane": record.lane,
                "answers": answers,
            }
        )
    return entries


@dataclass(frozen=True)
class RecordingLinks:
    """Which links to record something after the steps (app.referrals.recording) a referral
    page shows: only those the user's lane may follow and the record still needs."""

    conference: bool
    police_protection_end: bool


def recording_links(referral: Referral, lanes: set[str]) -> RecordingLinks:
    # Imported here: recording imports the services, which import the audit package,
    # which imports this module for its labels.
    from app.referrals import recording

    return RecordingLinks(
        conference=recording.CONFERENCE_LANE in lanes and recording.conference_can_be_recorded(referral),
        police_protection_end=recording.POLICE_PROTECTION_LANE in lanes
        and recording.police_protection_end_can_be_recorded(referral),
    )
