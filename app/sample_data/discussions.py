"""The strategy discussion on a generated case, and what became of its child protection conference."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.domain.clock import LONDON
from app.domain.working_days import add_working_days, icpc_due
from app.models import AgencyKind, RoleName
from app.sample_data.areas import STAFF_FIRST_NAMES
from app.sample_data.fictional import choice, randint
from app.sample_data.timeline import at_london, london_day

if TYPE_CHECKING:
    from app.sample_data.cases import Case

# Who comes for each agency a discussion needs, besides the chair.
ATTENDING_FOR = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: (RoleName.SOCIAL_CARE, "Social worker"),
    AgencyKind.POLICE: (RoleName.POLICE, "Detective sergeant"),
    AgencyKind.HEALTH: (RoleName.HEALTH, "Named nurse for safeguarding"),
}
ABSENCE_REASONS = [
    "No one available at short notice",
    "Invited; did not attend",
    "Information sent by email instead",
]


def _attendees(case: Case, missing: AgencyKind | None) -> list[dict]:
    """The chair and one person from each agency but `missing`, and sometimes the school."""
    rng, names = case.rng, case.area.agency_names
    attendees = []
    if missing is not AgencyKind.CHILDRENS_SOCIAL_CARE:
        attendees.append(
            {
                "name": case.person(RoleName.MASH_MANAGER).name,
                "agency_kind": AgencyKind.CHILDRENS_SOCIAL_CARE.value,
                "agency_name": names[AgencyKind.CHILDRENS_SOCIAL_CARE],
                "role": "Team manager (chair)",
            }
        )
    for kind, (role, job) in ATTENDING_FOR.items():
        if kind is not missing:
            attendees.append(
                {
                    "name": case.person(role).name,
                    "agency_kind": kind.value,
                    "agency_name": names[kind],
                    "role": job,
                }
            )
    if rng.random() < 0.3:
        attendees.append(
            {
                "name": f"{choice(rng, STAFF_FIRST_NAMES)} Teacher-Example",
                "agency_kind": AgencyKind.EDUCATION.value,
                "agency_name": names.get(AgencyKind.EDUCATION),
                "role": "Designated safeguarding lead",
            }
        )
    return attendees


def strategy_discussion(case: Case, decision: str, recorded: datetime, previous: datetime) -> dict:
    """The discussion's rows, kept on the case, and the answers its step recorded."""
    rng, flags = case.rng, case.plan.flags
    held = recorded - min(timedelta(hours=rng.uniform(0.3, 3)), (recorded - previous) / 2)
    held = held.replace(microsecond=0)
    missing = flags.get("missing_agency")
    attendees = _attendees(case, missing)
    absences = []
    if missing is not None:
        absences.append({"agency_kind": missing.value, "reason": choice(rng, ABSENCE_REASONS)})
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
        "recorded_by_id": case.person(RoleName.SOCIAL_CARE).id,
        "recorded_at": recorded,
    }
    case.sd_row = row
    case.discussions.append((row, attendees, absences))
    return {
        "held_at": held.isoformat(),
        "chair": row["chair"],
        "attendees": [{k: a[k] for k in ("name", "agency_kind", "role")} for a in attendees],
        "social_care_absence_reason": next(
            (a["reason"] for a in absences if a["agency_kind"] == "childrens_social_care"), None
        ),
        "police_absence_reason": next((a["reason"] for a in absences if a["agency_kind"] == "police"), None),
        "health_absence_reason": next((a["reason"] for a in absences if a["agency_kind"] == "health"), None),
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


def record_icpc(case: Case) -> None:
    """What became of the conference: held, not needed, still to come, or (planted) nothing recorded."""
    row, rng = case.sd_row, case.rng
    if row["decision"] == "no_s47" or not row["icpc_required"] or case.plan.flags.get("icpc") == "overdue":
        return
    start = london_day(row["held_at"])
    target = row["icpc_target_date"]
    recorder = case.person(RoleName.SOCIAL_CARE)
    not_needed = rng.random() < 0.08
    day = add_working_days(start, randint(rng, 3, 12) if not_needed else randint(rng, 6, 15))
    if day > case.today:
        if target >= case.today + timedelta(days=2):
            return  # not yet due
        day = case.today
    at = min(at_london(day, 16), case.now - timedelta(minutes=1))
    if at < row["recorded_at"]:
        at = row["recorded_at"]
    if not_needed:
        row["icpc_not_required_reason"] = "Enquiries did not substantiate the concerns; no conference needed."
        answers = {"not_required_reason": row["icpc_not_required_reason"]}
    else:
        row["icpc_held_on"] = day
        answers = {"held_on": day.isoformat()}
    row.update(icpc_recorded_by_id=recorder.id, icpc_recorded_at=at)
    # As app/referrals/recording.py writes it.
    case.add_step(
        "conference_recorded",
        "Initial child protection conference recorded",
        "Social care",
        recorder,
        at,
        answers,
    )
