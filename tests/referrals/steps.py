"""Valid answers for every step, as services take them, for tests to start from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.clock import london_today, utcnow


def child(name: str = "Alex Fictional", dob: date = date(2013, 3, 4), **overrides) -> dict:
    return {
        "full_name": name,
        "date_of_birth": dob,
        "sex": "2",
        "nhs_number": None,
        "address": "1 Imaginary Road, Northshire",
        "school": "Northshire Academy",
        "present": True,
        "spoken_to": True,
        "not_spoken_to_reason": None,
        "voice": "I want my mum to be safe.",
        "voice_not_recorded_reason": None,
        "demeanour": "Quiet, tearful, calmed with her teacher.",
        "demeanour_not_recorded_reason": None,
        "injuries": None,
        **overrides,
    }


def notification(children: list[dict] | None = None, **overrides) -> dict:
    return {
        "referral_source": "6",
        "incident_type": "domestic_abuse",
        "occurred_at": (utcnow() - timedelta(hours=5)).replace(microsecond=0),
        "location": "1 Imaginary Road",
        "description": "Verbal argument, neighbour called police.",
        "immediate_action": "Suspect removed from the address.",
        "referrer_name": None,
        "referrer_organisation": None,
        "dash_level": "medium",
        "pp_started_at": None,
        "pp_place_of_safety": None,
        "pp_local_authority_informed_at": None,
        "pp_rescinded_at": None,
        "custody_arrived_at": None,
        "custody_aa_requested_at": None,
        "custody_aa_arrived_at": None,
        "custody_healthcare_assessed": None,
        "custody_accommodation_requested": None,
        "custody_accommodation_refused": None,
        "custody_refusal_escalated": None,
        "children": children if children is not None else [child()],
        **overrides,
    }


def triage(rag: str = "amber", harm: bool = False, research_needed: bool | None = None) -> dict:
    """Without ``research_needed`` the key is left out, as an older API caller would."""
    data = {"rag": rag, "rag_reason": "Repeat incidents at the address.", "significant_harm_suspected": harm}
    if research_needed is not None:
        data["research_needed"] = research_needed
        data["research_not_needed_reason"] = None if research_needed else "Information only: no new concerns."
    return data


def research(disagrees: bool = False) -> dict:
    return {
        "findings": "Two earlier call-outs.",
        "information_shared": "Call-out history.",
        "shared_with": "MASH social worker",
        "purpose": "To inform the threshold decision.",
        "lawful_basis": "dpa_safeguarding",
        "disagrees": disagrees,
        "disagreement_reason": "Risk is higher than amber." if disagrees else None,
    }


def threshold(outcome: str) -> dict:
    return {"outcome": outcome, "rationale": "Reasoned decision."}


def strategy(decision: str = "joint_investigation", **overrides) -> dict:
    return {
        "held_at": (utcnow() - timedelta(hours=1)).replace(microsecond=0),
        "chair": "Team manager",
        "attendees": [
            {"name": "S Worker", "agency_kind": "childrens_social_care", "role": "Social worker"},
            {"name": "D Sergeant", "agency_kind": "police", "role": "Detective sergeant"},
            {"name": "H Visitor", "agency_kind": "health", "role": "Named nurse"},
        ],
        "social_care_absence_reason": None,
        "police_absence_reason": None,
        "health_absence_reason": None,
        "information_shared": "Histories from all agencies.",
        "decision": decision,
        "criminal_investigation": True,
        "criminal_investigation_plan": "ABE interview within 48 hours.",
        "immediate_actions": "Children to stay with grandparents.",
        "legal_action_considered": True,
        "legal_action_notes": "Not needed now.",
        "other_children_considered": True,
        "other_children_notes": "Siblings included.",
        "icpc_required": True,
        **overrides,
    }


def plan(**overrides) -> dict:
    soon = (datetime.now(UTC) + timedelta(days=7)).date()
    return {
        "summary": "Keep the children safe while the enquiry runs.",
        "review_date": soon,
        "actions": [
            {
                "description": "Visit the children at home",
                "owning_agency_kind": "childrens_social_care",
                "owner": "S Worker",
                "due_date": soon,
            },
            {
                "description": "Interview the stepfather",
                "owning_agency_kind": "police",
                "owner": "D Sergeant",
                "due_date": soon,
            },
            {
                "description": "Health assessments",
                "owning_agency_kind": "health",
                "owner": "H Visitor",
                "due_date": soon,
            },
        ],
        **overrides,
    }


def confirm(confirmed: bool = True) -> dict:
    return {"confirmed": confirmed, "response": None if confirmed else "Not enough detail on police actions."}


def record_outcome() -> dict:
    return {
        "primary_need": "N1",
        "next_step": "Early help hub to contact the family.",
        "closure_reason": None,
    }


def close_plan() -> dict:
    return {"closure_summary": "Actions complete; case stepped down.", "closure_reason": "RC8"}


def assessment_outcome(**overrides) -> dict:
    return {
        "completed_on": utcnow().date(),
        "factors": ["3A"],
        "outcome": "cin_plan",
        "summary": "Needs met with a child in need plan.",
        **overrides,
    }


def escalation(action: str = "recorded", **overrides) -> dict:
    return {
        "action": action,
        "note": "Spoke to the team: done today.",
        "reassign_to": None,
        "extend_to": None,
        **overrides,
    }


def police_protection_review(ended_at, **overrides) -> dict:
    return {"ended_at": ended_at, "long_term_plan": "Returned home with a safety plan.", **overrides}


def notification_json(**child) -> dict:
    """A police notification as the API takes it (JSON shaped like the form), one child, the
    incident yesterday by the app's clock; `child` changes the child's fields."""
    return {
        "incident_type": "neglect",
        "occurred_date": (london_today() - timedelta(days=1)).isoformat(),
        "occurred_time": "10:00",
        "location": "1 Imaginary Road",
        "description": "Concern",
        "immediate_action": "Visited",
        "children": [
            {
                "full_name": "Sam Smith",
                "date_of_birth": "2015-03-04",
                "sex": "1",
                "address": "1 Imaginary Road",
                "present": True,
                "spoken_to": True,
                "voice": "I am fine",
                "demeanour": "Calm",
            }
            | child
        ],
    }
