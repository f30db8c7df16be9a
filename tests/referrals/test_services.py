"""Every path of the real BPMN, driven through the service layer and the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import PlanStatus, Referral, ReferralStatus, StepRecord
from app.referrals import services
from tests.referrals import steps


def test_notification_creates_referral_ready_for_triage(start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    assert referral.reference.startswith("FD-")
    assert set(journey.ready()) == {"triage"}
    assert referral.ready_tasks[0].due_at == referral.threshold_due_at
    assert referral.threshold_due_at > referral.received_at
    assert {a.name for a in referral.agencies} == {
        "Testshire Police",
        "Testshire Children's Services",
        "Testshire Health",
    }
    assert referral.can_view(mash["social_care"]) and not referral.can_view(mash["outsider"])
    assert [s.step for s in referral.steps] == ["notification_received"]


def test_research_runs_in_parallel_lanes(start_journey):
    journey = start_journey()
    journey.do("triage", steps.triage())
    lanes = {t.step: t.lane for t in journey.referral.ready_tasks}
    assert lanes == {
        "police_research": "Police",
        "health_research": "Health",
        "social_care_research": "Social care",
    }


@pytest.mark.parametrize("outcome", ["nfa", "early_help", "s17"])
def test_outcomes_without_s47_close_after_recording_the_outcome(start_journey, outcome):
    journey = start_journey().to_threshold(rag="green")
    referral = journey.referral
    decision_needed = referral.threshold_decision is None
    assert decision_needed and "threshold_decision" in journey.ready()
    recommended = services.workflow.engine().data(services.workflow.load(referral))["recommended_outcome"]
    journey.do("threshold_decision", steps.threshold(outcome))
    if outcome != recommended:
        journey.do("resolve_disagreement", {"outcome": outcome, "resolution": "Agreed after discussion."})
    elif outcome in ("nfa", "early_help"):  # domestic abuse: a manager signs off closing or stepping down
        assert set(journey.ready()) == {"manager_sign_off"}
        journey.sign_off_if_needed()
    assert set(journey.ready()) == {"record_outcome"}
    journey.do("record_outcome", steps.record_outcome())
    if outcome == "s17":  # handed over for assessment: the assessment outcome closes the referral
        assert set(journey.ready()) == {"assessment_outcome"}
        assert referral.status is ReferralStatus.OPEN
        journey.do("assessment_outcome", steps.assessment_outcome())
        assert referral_assessment(referral).kind == "s17"
    assert referral.status is ReferralStatus.CLOSED and referral.closed_at is not None
    assert referral.ready_tasks == []


def referral_assessment(referral):
    from app.models import Assessment

    return db.session.scalar(select(Assessment).where(Assessment.referral_id == referral.id))


def test_triage_can_decide_no_checks_are_needed(start_journey):
    journey = start_journey(dash_level="standard")  # green, DASH standard, no history: R10, nfa
    referral = journey.referral
    journey.do("triage", steps.triage("green", research_needed=False))
    assert set(journey.ready()) == {"threshold_decision"}
    triage = next(s for s in referral.steps if s.step == "triage")
    assert triage.answers["research_needed"] is False
    assert triage.answers["research_not_needed_reason"] == "Information only: no new concerns."
    data = services.workflow.engine().data(services.workflow.load(referral))
    assert data["research_needed"] is False and data["recommended_outcome"] == "nfa"
    journey.do("threshold_decision", steps.threshold("nfa"))
    assert not referral.threshold_decision.escalated
    assert set(journey.ready()) == {"manager_sign_off"}  # domestic abuse
    journey.sign_off_if_needed()
    assert set(journey.ready()) == {"record_outcome"}
    journey.do("record_outcome", steps.record_outcome())
    assert referral.status is ReferralStatus.CLOSED
    assert not {s.step for s in referral.steps} & {
        "police_research",
        "health_research",
        "social_care_research",
    }


def test_no_checks_needs_a_reason_and_nothing_is_saved(start_journey):
    journey = start_journey()
    data = steps.triage("green", research_needed=False)
    data["research_not_needed_reason"] = "  "
    with pytest.raises(services.StepInvalid) as error:
        journey.do("triage", data)
    assert set(error.value.errors) == {"research_not_needed_reason"}
    db.session.rollback()
    referral = db.session.get(Referral, journey.referral.id)
    assert {t.step for t in referral.ready_tasks} == {"triage"} and referral.rag is None


@pytest.mark.parametrize("research_needed", [None, True], ids=["not-given", "yes"])
def test_checks_happen_unless_triage_says_no(start_journey, research_needed):
    journey = start_journey()
    journey.do("triage", steps.triage("green", research_needed=research_needed))
    assert set(journey.ready()) == {"police_research", "health_research", "social_care_research"}
    triage = next(s for s in journey.referral.steps if s.step == "triage")
    assert triage.answers["research_needed"] is True  # the default is recorded, not left out
    assert triage.answers["research_not_needed_reason"] is None


def test_decision_against_the_recommendation_goes_to_a_manager(start_journey):
    journey = start_journey().to_threshold(rag="amber")
    decision = journey.referral
    journey.do("threshold_decision", steps.threshold("nfa"))
    assert set(journey.ready()) == {"resolve_disagreement"}
    assert decision.threshold_decision.escalated
    assert decision.ready_tasks[0].lane == "Manager"
    journey.do("resolve_disagreement", {"outcome": "s17", "resolution": "Cumulative risk needs assessment."})
    td = journey.referral.threshold_decision
    assert td.final_outcome == "s17" and td.resolved_at is not None
    assert set(journey.ready()) == {"record_outcome"}


def test_partner_disagreement_escalates_even_when_decision_matches(start_journey):
    journey = start_journey().to_threshold(rag="amber", health_disagrees=True)
    journey.do("threshold_decision", steps.threshold("s17"))  # R5: amber -> s17, same as recommended
    assert set(journey.ready()) == {"resolve_disagreement"}


def test_full_s47_path_to_a_plan_in_force_and_closed(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    referral = journey.referral
    journey.do("threshold_decision", steps.threshold("s47"))
    assert set(journey.ready()) == {"strategy_discussion"}
    journey.do("strategy_discussion", steps.strategy())
    sd = referral.strategy_discussion
    assert sd.icpc_target_date is not None and sd.icpc_target_date > sd.held_at.date()
    assert len(sd.attendees) == 3
    assert set(journey.ready()) == {"protective_plan", "assessment_outcome"}
    journey.do("assessment_outcome", steps.assessment_outcome())
    assert referral_assessment(referral).kind == "s47"
    journey.do("protective_plan", steps.plan())
    assert referral.plan.status is PlanStatus.DRAFT
    assert set(journey.ready()) == {"police_confirm_plan", "health_confirm_plan"}
    journey.do("police_confirm_plan", steps.confirm())
    assert referral.plan.status is PlanStatus.DRAFT  # health has not confirmed yet
    journey.do("health_confirm_plan", steps.confirm())
    assert referral.plan.status is PlanStatus.IN_FORCE and referral.plan.in_force_at is not None
    assert set(journey.ready()) == {"close_plan"}
    action = referral.plan.actions[1]
    services.update_plan_action(journey.users["police"], action, "done", "Interviewed.")
    journey.do("close_plan", steps.close_plan())
    assert referral.status is ReferralStatus.CLOSED
    assert referral.plan.status is PlanStatus.CLOSED
    timeline = [s.step for s in referral.steps]
    assert timeline[:2] == ["notification_received", "triage"]
    assert timeline[-1] == "close_plan" and "plan_action_updated" in timeline


def test_a_declined_plan_goes_back_for_revision(start_journey):
    journey = start_journey().to_threshold(rag="red")
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm(False))
    journey.do("health_confirm_plan", steps.confirm())
    assert set(journey.ready()) == {"protective_plan", "assessment_outcome"}
    assert journey.referral.plan.police_confirmed is False
    journey.do("protective_plan", steps.plan(summary="Revised plan"))
    assert [p.status for p in journey.referral.plans] == [PlanStatus.CLOSED, PlanStatus.DRAFT]


def test_no_s47_after_strategy_discussion_records_outcome(start_journey):
    journey = start_journey().to_threshold(rag="red")
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do(
        "strategy_discussion",
        steps.strategy(
            "no_s47", criminal_investigation=False, criminal_investigation_plan=None, icpc_required=False
        ),
    )
    assert set(journey.ready()) == {"record_outcome"}


def test_a_step_is_a_few_statements_with_one_update_of_the_referral(start_journey, mash):
    """What a route does (lock, complete), as SQL: bounded, and nothing loaded that a step does not need."""
    from sqlalchemy import event

    journey = start_journey()
    journey.do("triage", steps.triage())
    referral_id, actor = journey.referral.id, mash["police"]
    task_id = journey.ready()["police_research"]
    db.session.expire_all()  # as in a new request
    assert actor.roles and actor.agency_id  # the signed-in user is loaded before the route runs
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        referral = services.lock_referral(referral_id)
        services.complete_task(actor, referral, task_id, referral.version, steps.research())
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # Lock with ready tasks and spec hash, agencies, delete the done task, update, add the record
    # and its access-log entry.
    assert len(statements) <= 6, "\n".join(statements)
    assert sum(s.startswith("UPDATE referrals") for s in statements) == 1
    # Task ids are unique only within a referral, so the delete names the referral.
    deletes = [s for s in statements if s.startswith("DELETE")]
    assert deletes and all(
        s.startswith("DELETE FROM ready_tasks WHERE ready_tasks.referral_id = ") for s in deletes
    )
    for table in ("step_records", "children", "notifications", "protective_plans"):
        assert not any(s.startswith("SELECT") and f"FROM {table}" in s for s in statements), table
    assert not any("serialized" in s for s in statements)  # the engine has this version cached
    db.session.commit()
    assert set(journey.ready()) == {"health_research", "social_care_research"}
    assert [s.step for s in journey.referral.steps][-1] == "police_research"


def test_stale_and_duplicate_submissions_are_refused_and_change_nothing(start_journey):
    journey = start_journey()
    referral = journey.referral
    task_id = journey.ready()["triage"]
    old_version = referral.version
    services.complete_task(journey.users["social_care"], referral, task_id, old_version, steps.triage())
    db.session.commit()
    state_after_first = referral.workflow_state
    steps_after_first = db.session.scalar(
        select(func.count(StepRecord.id)).where(StepRecord.referral_id == referral.id)
    )
    with pytest.raises(services.StaleSubmission):
        services.complete_task(
            journey.users["social_care"], referral, task_id, old_version, steps.triage("red")
        )
    with pytest.raises(services.StaleSubmission):  # right version, but the task is gone
        services.complete_task(
            journey.users["social_care"], referral, task_id, referral.version, steps.triage("red")
        )
    db.session.rollback()
    db.session.refresh(referral)
    assert referral.workflow_state == state_after_first and referral.rag == "amber"
    assert (
        db.session.scalar(select(func.count(StepRecord.id)).where(StepRecord.referral_id == referral.id))
        == steps_after_first
    )


def test_wrong_lane_or_agency_is_not_allowed(start_journey, mash):
    journey = start_journey()
    task_id = journey.ready()["triage"]
    for who in ("police", "health", "outsider"):
        with pytest.raises(services.NotAllowed):
            services.complete_task(
                mash[who], journey.referral, task_id, journey.referral.version, steps.triage()
            )


def test_strategy_discussion_needs_each_agency_or_a_reason(start_journey):
    journey = start_journey().to_threshold(rag="red")
    journey.do("threshold_decision", steps.threshold("s47"))
    data = steps.strategy(
        attendees=[{"name": "S Worker", "agency_kind": "childrens_social_care", "role": "Social worker"}]
    )
    with pytest.raises(services.StepInvalid) as error:
        journey.do("strategy_discussion", data)
    assert set(error.value.errors) == {"police_absence_reason", "health_absence_reason"}
    assert (
        "record a police attendee or give the reason police were absent"
        in error.value.errors["police_absence_reason"]
    )
    db.session.rollback()
    referral = db.session.get(Referral, journey.referral.id)
    assert referral.strategy_discussions == [] and {t.step for t in referral.ready_tasks} == {
        "strategy_discussion"
    }
    data["police_absence_reason"] = "Officer called to an emergency; briefed by phone after."
    data["health_absence_reason"] = "Named nurse on leave; records shared in advance."
    journey.referral = referral
    journey.do("strategy_discussion", data)
    assert {a.agency_kind.value for a in referral.strategy_discussion.absences} == {"police", "health"}


def test_plan_action_needs_owner_and_due_date(start_journey):
    journey = start_journey().to_threshold(rag="red")
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    bad = steps.plan()
    bad["actions"][0]["owner"] = ""
    bad["actions"][1]["due_date"] = None
    with pytest.raises(services.StepInvalid) as error:
        journey.do("protective_plan", bad)
    assert error.value.errors == {
        "actions.0.owner": "Enter who owns this action",
        "actions.1.due_date": "Enter the date action 2 is due",
    }


def test_over_18_and_missing_voice_are_refused_and_nothing_saved(mash):
    before = db.session.scalar(select(func.count(Referral.id)))
    data = steps.notification(children=[steps.child("Grown Up", date(2000, 1, 1)), steps.child(voice=None)])
    with pytest.raises(services.StepInvalid) as error:
        services.create_referral(mash["police"], data)
    assert "was 18 or over on the date of the incident" in error.value.errors["children.0.date_of_birth"]
    assert "children.1.voice" in error.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count(Referral.id))) == before


def test_repeat_referrals_linked_by_nhs_number_raise_the_count_at_intake(start_journey):
    known = steps.child(nhs_number="9434765919")
    start_journey(children=[known])
    start_journey(children=[known])
    third = start_journey(children=[known])
    assert third.referral.steps[0].answers["prior_notifications_12m"] == 2


def test_an_intake_naming_only_people_not_yet_known_reads_no_history(start_journey, mash):
    """Someone given a new person record is on no other case: the intake asks about no earlier
    referrals and no linked cases, and counts no earlier notifications."""
    from tests.statements import recorded_statements

    start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])  # a likeness, not a link
    with recorded_statements() as sent:
        referral = services.create_referral(
            mash["police"], steps.notification(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
        )
        db.session.flush()  # what is left to write, as the commit would
    assert referral.steps[0].answers["prior_notifications_12m"] == 0
    reads = [" ".join(s.split()) for s in sent if s.lstrip().startswith("SELECT")]
    # The linked cases (referrals joined to the people's involvements), this referral's
    # involvements with their people, and the earlier referrals of those people.
    assert not any("JOIN involvements" in s or s.startswith("SELECT involvements.id") for s in reads), reads
    assert not any(s.startswith("SELECT involvements_1.person_id") for s in reads), reads
    assert not any(s.lstrip().startswith("UPDATE step_records") for s in sent)  # the count is in the record


def test_referrals_continue_on_the_spec_version_they_started_on(start_journey):
    from app.models import WorkflowSpecVersion

    journey = start_journey()
    original = journey.referral.spec_version_id
    newer = WorkflowSpecVersion(
        content_hash="0" * 64, serialized=journey.referral.spec_version.serialized, bpmn_xml="<x/>"
    )
    db.session.add(newer)
    db.session.commit()
    journey.do("triage", steps.triage())
    assert journey.referral.spec_version_id == original
