"""What the record of one case shows, stage by stage, beside the case audit form.

The auditor reads these facts and the inspection grounds while grading each stage.
A fact marked as a concern is what an inspector would question; where that is what
a gap looks for, the check is the gap's own (app/audit/gaps/<slug>.py). One case is
loaded with its records: no set query is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.audit.gaps import (
    child_not_heard,
    children_in_custody,
    icpc_overdue,
    late_threshold_decision,
    notification_delayed,
    overdue_actions,
    police_protection,
    possible_match_unresolved,
    repeat_missing_no_strategy_discussion,
    repeat_no_further_action,
    return_home_interview_overdue,
    s47_no_strategy_discussion,
    strategy_discussion_missing_agency,
    strategy_discussion_no_plan,
    unresolved_escalations,
)
from app.audit.gaps.da_standard_nfa_no_research import RESEARCH_STEPS
from app.audit.gaps.owners import KIND_OWNER, OWNER_LABELS
from app.domain.clock import LONDON, utcnow
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import AuditStage, IncidentType, PlanStatus, Referral, ReferralStatus
from app.models.missing import MissingEpisode
from app.models.people import AgencyKind
from app.models.persons import MatchStatus, PossibleMatch
from app.referrals.answers import rule_words
from app.referrals.presenters import OUTCOME_LABELS, STRATEGY_DECISION_LABELS
from app.workflow.contract import S47_DECISIONS

# The grounds inspectors use (docs/audit-rules.md and the domain reference), by stage.
STAGE_CRITERIA: dict[AuditStage, tuple[str, ...]] = {
    AuditStage.NOTIFICATION: (
        "The child was spoken to, and their own words and their behaviour and demeanour are written down.",
        "The notification says what the risk is, rather than passing information on without assessing it.",
        "Earlier incidents are linked, so cumulative risk shows: notifications, referrals, s47s and MARACs in the last 12 months.",
    ),
    AuditStage.TRIAGE: (
        "The RAG rating fits the concerns and the reason for it is written down.",
        "Each agency checked its own systems, or the record says why checks were not needed.",
        "What was shared, with whom, why and on what lawful basis is recorded.",
    ),
    AuditStage.THRESHOLD: (
        "The decision was made within one working day of the referral.",
        "The decision is judged on its quality, not only its timing: does the rationale follow from what was known?",
        "Where agencies disagreed, it was escalated and a manager resolved it.",
    ),
    AuditStage.STRATEGY_DISCUSSION: (
        "Every s47 enquiry starts with a strategy discussion, held on or before the enquiry began.",
        "Attendance is recorded by agency, with social care, police and health all there, senior enough to decide.",
        "It recorded whether the enquiry is single-agency or joint, and how and when any criminal investigation will run.",
        "Brothers, sisters and other children in the household were considered.",
    ),
    AuditStage.PLAN: (
        "A joint plan was agreed, with police involved in the longer-term risk as well as social care and health.",
        "Every action has an owning agency, a person and a due date, and overdue actions are visible.",
        "Police and health confirmed the plan.",
    ),
    AuditStage.OUTCOME: (
        "The child is safer: the outcome matches the risk, and the case was not closed before the plan was done.",
        "The initial child protection conference was held within 15 working days, or recorded as not needed.",
    ),
}

# Grounds that apply only to some cases, added after the general ones.
INCIDENT_CRITERIA: dict[IncidentType, dict[AuditStage, str]] = {
    IncidentType.CHILD_IN_CUSTODY: {
        AuditStage.NOTIFICATION: "In custody: an appropriate adult came as soon as practicable, a healthcare assessment "
        "was offered, and when bail was refused, other accommodation was asked for and a refusal escalated.",
        AuditStage.OUTCOME: "A child held in custody is often a child in need: was a referral to children's social care made?",
    },
    IncidentType.POLICE_PROTECTION: {
        AuditStage.NOTIFICATION: "Police protection: when it started, the place of safety, when the local authority "
        "was told, the child's wishes, and when it ended (it lasts at most "
        f"{police_protection.POLICE_PROTECTION_HOURS} hours).",
        AuditStage.OUTCOME: "After police protection, a long-term protective plan is recorded.",
    },
}


def criteria_for(referral: Referral) -> dict[AuditStage, list[str]]:
    """The inspection grounds for each stage of this case."""
    extra = INCIDENT_CRITERIA.get(referral.notification.incident_type, {})
    if (
        referral.notification.pp_started_at
        and referral.notification.incident_type is not IncidentType.POLICE_PROTECTION
    ):
        extra = {**extra, **INCIDENT_CRITERIA[IncidentType.POLICE_PROTECTION]}
    return {
        stage: [*STAGE_CRITERIA[stage], *([extra[stage]] if stage in extra else [])] for stage in AuditStage
    }


@dataclass(frozen=True)
class Fact:
    """One thing the record shows; `concern` marks what an inspector would question."""

    label: str
    value: str
    concern: bool = False


def _when(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M") if moment else "not recorded"


def _day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "not recorded"


def _hours(start: datetime, end: datetime) -> str:
    hours = (end - start).total_seconds() / 3600
    return (
        f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}" if hours >= 1 else f"{hours * 60:.0f} minutes"
    )


def _outcome(value: str | None) -> str:
    return OUTCOME_LABELS.get(value or "", value or "none")


def _steps(referral: Referral, name: str) -> list:
    return [s for s in referral.steps if s.step == name]


def _not_reached(why: str, concern: bool = False) -> list[Fact]:
    return [Fact("Not reached", why, concern)]


def _notification_facts(referral: Referral, now: datetime) -> list[Fact]:
    n = referral.notification
    facts = [
        Fact("Received", _when(referral.received_at)),
        Fact("Incident", f"{n.incident_type.label}, {_when(n.occurred_at)}"),
    ]
    if n.recorded_at is not None and n.recorded_at < referral.received_at:
        facts.append(
            Fact(
                "Recorded by the notifier",
                f"{_when(n.recorded_at)}, {_hours(n.recorded_at, referral.received_at)} before receipt",
                notification_delayed.waited_too_long(n, referral.received_at),
            )
        )
    received = next(iter(_steps(referral, "notification_received")), None)
    history = (received.answers or {}).get("prior_notifications_12m") if received else None
    if history is not None:
        facts.append(Fact("Earlier referrals about these children (12 months)", str(history)))
    for child in referral.children:
        age = child.age_on(n.occurred_at.astimezone(LONDON).date())
        who = f"{child.full_name} ({age})"
        facts.append(
            Fact(
                f"{who}: spoken to",
                f"No: {child.not_spoken_to_reason}" if child_not_heard.not_spoken_to(child) else "Yes",
                child_not_heard.not_spoken_to(child),
            )
        )
        facts.append(
            Fact(
                f"{who}: own words or views",
                f"Not recorded: {child.voice_not_recorded_reason}"
                if child_not_heard.voice_not_recorded(child)
                else "Recorded",
                child_not_heard.voice_not_recorded(child),
            )
        )
        facts.append(
            Fact(
                f"{who}: behaviour and demeanour",
                f"Not recorded: {child.demeanour_not_recorded_reason}"
                if child_not_heard.demeanour_not_recorded(child)
                else "Recorded",
                child_not_heard.demeanour_not_recorded(child),
            )
        )
    facts.extend(_episode_facts(referral, now))
    if n.incident_type is IncidentType.CHILD_IN_CUSTODY or n.custody_arrived_at:
        facts.extend(_custody_facts(referral, now))
    if n.incident_type is IncidentType.POLICE_PROTECTION or n.pp_started_at:
        facts.extend(_police_protection_facts(referral, now))
    return facts


def _episode_facts(referral: Referral, now: datetime) -> list[Fact]:
    """Each missing or absent episode, and its return home interview (gap 13's check)."""
    episodes = db.session.scalars(
        select(MissingEpisode).where(MissingEpisode.referral_id == referral.id).order_by(MissingEpisode.id)
    ).all()
    names = {c.id: c.full_name for c in referral.children}
    facts = []
    for episode in episodes:
        who = names.get(episode.child_id, "A child")
        found = f"found {_when(episode.found_at)}" if episode.found_at else "not yet found"
        facts.append(
            Fact(f"{who}: {episode.kind.label.lower()}", f"Reported {_when(episode.reported_at)}, {found}")
        )
        overdue = return_home_interview_overdue.interview_overdue(episode, now)
        facts.append(
            Fact(
                f"{who}: return home interview",
                episode.interview_status.label
                + (f" ({_hours(episode.found_at, now)} since the child was found)" if overdue else ""),
                overdue,
            )
        )
    return facts


def _custody_facts(referral: Referral, now: datetime) -> list[Fact]:
    n = referral.notification
    facts = []
    if n.custody_arrived_at and n.custody_arrived_at < referral.received_at:
        facts.append(
            Fact(
                "Arrived in custody",
                f"{_when(n.custody_arrived_at)}, {_hours(n.custody_arrived_at, referral.received_at)} before the notification was received",
            )
        )
    requested, arrived = n.custody_aa_requested_at, n.custody_aa_arrived_at
    if requested and arrived:
        facts.append(
            Fact(
                "Appropriate adult",
                f"arrived {_hours(requested, arrived)} after being requested",
                children_in_custody.appropriate_adult_late(requested, arrived),
            )
        )
    elif requested:
        facts.append(
            Fact(
                "Appropriate adult",
                f"requested {_when(requested)}; arrival not recorded ({_hours(requested, now)} ago)",
                True,
            )
        )
    else:
        facts.append(Fact("Appropriate adult", "no request recorded", True))
    assessed = n.custody_healthcare_assessed
    facts.append(
        Fact(
            "Healthcare assessment",
            {True: "Yes", False: "No", None: "Not recorded"}[assessed],
            assessed is not True,
        )
    )
    if n.custody_accommodation_requested:
        if n.custody_accommodation_refused:
            not_escalated = children_in_custody.refusal_not_escalated(n)
            facts.append(
                Fact(
                    "Alternative accommodation",
                    "Requested and refused; "
                    + ("the refusal was not escalated" if not_escalated else "the refusal was escalated"),
                    not_escalated,
                )
            )
        else:
            facts.append(Fact("Alternative accommodation", "Requested and not refused"))
    else:
        facts.append(Fact("Alternative accommodation", "Not requested"))
    outcome = referral.outcome
    referred = children_in_custody.referred_to_social_care(outcome)
    facts.append(
        Fact(
            "Referral to children's social care",
            f"Yes: {_outcome(outcome)}"
            if referred
            else f"No: {_outcome(outcome) if outcome else 'no threshold decision yet'}",
            not referred,
        )
    )
    return facts


def _police_protection_facts(referral: Referral, now: datetime) -> list[Fact]:
    n = referral.notification
    facts = [
        Fact(
            "Police protection started",
            f"{_when(n.pp_started_at)} at {n.pp_place_of_safety or 'a place not recorded'}",
            not n.pp_started_at,
        ),
        Fact(
            "Local authority informed",
            _when(n.pp_local_authority_informed_at),
            not n.pp_local_authority_informed_at,
        ),
    ]
    if not police_protection.end_not_recorded(n):
        facts.append(Fact("Police protection ended", _when(n.pp_rescinded_at)))
    else:
        since = (
            f" ({_hours(n.pp_started_at, now)} since it started; the power lasts at most "
            f"{police_protection.POLICE_PROTECTION_HOURS} hours)"
            if n.pp_started_at
            else ""
        )
        facts.append(Fact("Police protection ended", "Time rescinded not recorded" + since, True))
    return facts


def _match_facts(referral: Referral, now: datetime) -> list[Fact]:
    """The possible matches offered for the people this case names (gap 15's check)."""
    matches = db.session.scalars(
        select(PossibleMatch).where(PossibleMatch.referral_id == referral.id).order_by(PossibleMatch.id)
    ).all()
    facts = []
    for match in matches:
        who = match.involvement.full_name
        if match.status is MatchStatus.OPEN:
            late = possible_match_unresolved.left_unresolved(match, now)
            facts.append(
                Fact(
                    f"Possible match for {who}",
                    f"Offered {_when(match.created_at)}; not yet confirmed or rejected",
                    late,
                )
            )
        else:
            facts.append(
                Fact(
                    f"Possible match for {who}",
                    f"{match.status.value.capitalize()} {_when(match.resolved_at)}",
                )
            )
    return facts


def _triage_facts(referral: Referral, now: datetime) -> list[Fact]:
    return [*_match_facts(referral, now), *_triage_record_facts(referral)]


def _triage_record_facts(referral: Referral) -> list[Fact]:
    triage = next(iter(_steps(referral, "triage")), None)
    if triage is None:
        return _not_reached("No triage is recorded yet", referral.status is ReferralStatus.CLOSED)
    answers = triage.answers or {}
    facts = [
        Fact("Triaged", f"{_when(triage.at)}, {_hours(referral.received_at, triage.at)} after receipt"),
        Fact(
            "RAG rating",
            f"{str(answers.get('rag') or 'none').capitalize()}: {answers.get('rag_reason') or 'no reason recorded'}",
            not answers.get("rag_reason"),
        ),
        Fact("Significant harm suspected", "Yes" if answers.get("significant_harm_suspected") else "No"),
    ]
    if answers.get("research_needed") is False:
        facts.append(
            Fact("Checks by each agency", f"Not needed: {answers.get('research_not_needed_reason')}")
        )
        return facts
    for step, owner in RESEARCH_STEPS.items():
        agency = OWNER_LABELS[owner]
        record = next(iter(_steps(referral, step)), None)
        if record is None:
            facts.append(Fact(f"{agency} checks", "Not recorded", True))
            continue
        a = record.answers or {}
        missing = [
            label
            for key, label in (
                ("information_shared", "what"),
                ("shared_with", "with whom"),
                ("purpose", "why"),
                ("lawful_basis", "lawful basis"),
            )
            if not a.get(key)
        ]
        sharing = (
            "what was shared, with whom, why and the lawful basis recorded"
            if not missing
            else "missing: " + ", ".join(missing)
        )
        disagrees = f"; disagreed with triage: {a.get('disagreement_reason')}" if a.get("disagrees") else ""
        facts.append(
            Fact(f"{agency} checks", f"Recorded {_when(record.at)}; {sharing}{disagrees}", bool(missing))
        )
    return facts


def _threshold_facts(referral: Referral, now: datetime) -> list[Fact]:
    decision = referral.threshold_decision
    due = referral.threshold_due_at
    if decision is None:
        if late_threshold_decision.past_due_without_decision(referral, now):
            return [
                Fact("Not reached", f"No threshold decision; it was due {_when(due)} (one working day)", True)
            ]
        return _not_reached(f"No threshold decision yet; it is due {_when(due)}")
    late = late_threshold_decision.decided_late(referral)
    if late:
        days = working_days_between(due.astimezone(LONDON), decision.decided_at.astimezone(LONDON))
        timing = (
            f"Late: {days} working day{'s' if days != 1 else ''} after it was due"
            if days
            else f"Late: {_hours(due, decision.decided_at)} after it was due"
        )
    else:
        timing = "On time"
    facts = [
        Fact("Due", f"{_when(due)} (one working day after receipt)"),
        Fact("Decided", f"{_when(decision.decided_at)}. {timing}", late),
        Fact(
            "Recommended",
            f"{_outcome(decision.recommended_outcome)} (rule {rule_words(decision.recommendation_rule)})"
            if decision.recommendation_rule
            else f"{_outcome(decision.recommended_outcome)} (no rule recorded)",
        ),
        Fact("Decision", f"{_outcome(decision.outcome)}: {decision.rationale}"),
    ]
    if decision.escalated:
        if not unresolved_escalations.awaiting_resolution(decision):
            facts.append(
                Fact(
                    "Escalated to a manager",
                    f"Resolved {_when(decision.resolved_at)}: {_outcome(decision.final_outcome)}. {decision.resolution}",
                )
            )
        else:
            facts.append(Fact("Escalated to a manager", "Awaiting resolution", True))
    return facts


def _strategy_facts(referral: Referral) -> list[Fact]:
    sd = referral.strategy_discussion
    if (
        sd is None
        and referral.notification.incident_type is IncidentType.MISSING
        and not police_protection.plan_in_force(referral)
        and repeat_missing_no_strategy_discussion.missing_pattern(referral)
    ):
        return [
            Fact(
                "Not reached",
                "A child on this case has had "
                f"{repeat_missing_no_strategy_discussion.EPISODES} or more missing episodes in 90 days, "
                "but no strategy discussion is recorded",
                True,
            )
        ]
    if sd is None:
        if s47_no_strategy_discussion.needs_a_strategy_discussion(referral):
            return [
                Fact(
                    "Not reached",
                    f"Threshold outcome {_outcome(referral.outcome)}, but no strategy discussion is recorded",
                    True,
                )
            ]
        return _not_reached(
            f"Threshold outcome: {_outcome(referral.outcome)}"
            if referral.outcome
            else "No threshold decision yet"
        )
    facts = [Fact("Held", f"{_when(sd.held_at)}, chaired by {sd.chair}")]
    decision = referral.threshold_decision
    if decision is not None:
        days = working_days_between(decision.decided_at.astimezone(LONDON), sd.held_at.astimezone(LONDON))
        facts.append(Fact("After the threshold decision", f"{days} working day{'s' if days != 1 else ''}"))
    absences = {a.agency_kind: a.reason for a in sd.absences}
    expected = strategy_discussion_missing_agency.EXPECTED_AGENCIES
    for kind in expected:
        name = OWNER_LABELS[KIND_OWNER[kind]]
        if strategy_discussion_missing_agency.attended(sd, kind):
            present = [f"{a.name}, {a.role}" for a in sd.attendees if a.agency_kind == kind]
            facts.append(Fact(f"{name} attended", "; ".join(present)))
        else:
            facts.append(Fact(f"{name} attended", f"No: {absences.get(kind) or 'no reason recorded'}", True))
    others = [
        f"{a.name}, {a.role} ({a.agency_kind.label})" for a in sd.attendees if a.agency_kind not in expected
    ]
    if others:
        facts.append(Fact("Others attended", "; ".join(others)))
    facts.append(Fact("Decision", STRATEGY_DECISION_LABELS.get(sd.decision, sd.decision)))
    facts.append(
        Fact(
            "Criminal investigation",
            f"Yes: {sd.criminal_investigation_plan}" if sd.criminal_investigation else "No",
        )
    )
    facts.append(
        Fact(
            "Other children considered",
            f"Yes{': ' + sd.other_children_notes if sd.other_children_notes else ''}"
            if sd.other_children_considered
            else "No",
            not sd.other_children_considered,
        )
    )
    facts.append(Fact("Legal action considered", "Yes" if sd.legal_action_considered else "No"))
    return facts


def _plan_facts(referral: Referral, today: date) -> list[Fact]:
    plan = referral.plan
    if plan is None:
        needed = strategy_discussion_no_plan.needs_a_plan(referral)
        return _not_reached(
            "No joint protective plan is recorded"
            + (" after a strategy discussion that started s47 enquiries" if needed else ""),
            needed,
        )
    status = {
        PlanStatus.DRAFT: "Drafted, not yet confirmed",
        PlanStatus.IN_FORCE: "In force",
        PlanStatus.CLOSED: "Closed",
    }[plan.status]
    facts = [Fact("Status", f"{status}; review date {_day(plan.review_date)}")]
    for agency, confirmed, response in (
        ("Police", plan.police_confirmed, plan.police_response),
        ("Health", plan.health_confirmed, plan.health_response),
    ):
        text = {True: "Confirmed", False: f"Declined: {response}", None: "Not yet answered"}[confirmed]
        facts.append(
            Fact(
                f"{agency} confirmation",
                text,
                strategy_discussion_no_plan.confirmation_outstanding(confirmed),
            )
        )
    actions = plan.actions
    complete = [a for a in actions if a.owner and a.due_date]
    facts.append(
        Fact(
            "Actions",
            f"{len(actions)}, of which {len(complete)} have an owner and a due date",
            len(complete) < len(actions) or not actions,
        )
    )
    by_agency = sorted({a.owning_agency_kind.label for a in actions})
    if by_agency:
        facts.append(
            Fact(
                "Agencies owning actions",
                ", ".join(by_agency),
                AgencyKind.POLICE not in {a.owning_agency_kind for a in actions},
            )
        )
    if plan.status is not PlanStatus.CLOSED:
        overdue = [a for a in actions if overdue_actions.overdue_on_the_case_page(a, today)]
        facts.append(
            Fact(
                "Overdue actions",
                "; ".join(
                    f"{a.description} ({a.owning_agency_kind.label}, due {_day(a.due_date)})" for a in overdue
                )
                or "None",
                bool(overdue),
            )
        )
    return facts


def _outcome_facts(referral: Referral, today: date) -> list[Fact]:
    facts = [Fact("Threshold outcome", _outcome(referral.outcome) if referral.outcome else "No decision yet")]
    if referral.status is ReferralStatus.CLOSED:
        facts.append(Fact("Closed", _when(referral.closed_at)))
        if referral.outcome == "nfa" and repeat_no_further_action.repeat_no_further_action(referral):
            facts.append(
                Fact(
                    "Earlier no further action",
                    "A case about the same child was closed with no further action in the 12 months before",
                    True,
                )
            )
    else:
        facts.append(Fact("Open", "The case is still open"))
    for step in ("record_outcome", "close_plan"):
        for record in _steps(referral, step):
            a = record.answers or {}
            text = "; ".join(
                str(v)
                for k, v in a.items()
                if v and k in ("next_step", "closure_summary", "primary_need", "closure_reason")
            )
            facts.append(
                Fact(
                    "Closed or handed over" if step == "record_outcome" else "Plan closed",
                    text or "No details recorded",
                )
            )
    sd = referral.strategy_discussion
    if sd is not None and sd.decision in S47_DECISIONS:
        if sd.icpc_held_on:
            on_time = sd.icpc_target_date is None or sd.icpc_held_on <= sd.icpc_target_date
            facts.append(
                Fact(
                    "Initial child protection conference",
                    f"Held {_day(sd.icpc_held_on)} (target {_day(sd.icpc_target_date)})",
                    not on_time,
                )
            )
        elif sd.icpc_not_required_reason:
            facts.append(
                Fact("Initial child protection conference", f"Not required: {sd.icpc_not_required_reason}")
            )
        elif sd.icpc_required and sd.icpc_target_date:
            overdue = icpc_overdue.conference_overdue(sd, today)
            facts.append(
                Fact(
                    "Initial child protection conference",
                    f"Due by {_day(sd.icpc_target_date)}; not yet recorded"
                    + (" and overdue" if overdue else ""),
                    overdue,
                )
            )
        else:
            facts.append(
                Fact(
                    "Initial child protection conference", "Recorded as not needed at the strategy discussion"
                )
            )
    n = referral.notification
    if n.pp_started_at:
        in_force = police_protection.plan_in_force(referral)
        facts.append(
            Fact(
                "Long-term plan after police protection",
                "A joint plan was put in force" if in_force else "No joint plan in force",
                not in_force,
            )
        )
    return facts


def case_facts(referral: Referral, now: datetime | None = None) -> dict[AuditStage, list[Fact]]:
    """What the record shows for each stage, worked out from the case (one case: no set query needed)."""
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    return {
        AuditStage.NOTIFICATION: _notification_facts(referral, now),
        AuditStage.TRIAGE: _triage_facts(referral, now),
        AuditStage.THRESHOLD: _threshold_facts(referral, now),
        AuditStage.STRATEGY_DISCUSSION: _strategy_facts(referral),
        AuditStage.PLAN: _plan_facts(referral, today),
        AuditStage.OUTCOME: _outcome_facts(referral, today),
    }


def _referrer_kind(referral: Referral) -> AgencyKind:
    source = referral.referral_source or ""
    if source == "6":
        return AgencyKind.POLICE
    if source.startswith("2"):
        return AgencyKind.EDUCATION
    if source.startswith("3"):
        return AgencyKind.HEALTH
    if source.startswith("5"):
        return AgencyKind.CHILDRENS_SOCIAL_CARE
    submitter = referral.notification.submitted_by
    return submitter.agency.kind if submitter else AgencyKind.OTHER


def default_agencies(referral: Referral) -> dict[AuditStage, AgencyKind]:
    """Who each stage's grade is usually about: the referrer for the notification, social care
    (which leads triage, decides, convenes and owns the plan) for the rest. The auditor can change it."""
    defaults = dict.fromkeys(AuditStage, AgencyKind.CHILDRENS_SOCIAL_CARE)
    defaults[AuditStage.NOTIFICATION] = _referrer_kind(referral)
    return defaults
