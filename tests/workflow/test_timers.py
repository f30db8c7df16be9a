"""The BPMN timers on the real process files: they fire when their due time passes, raise a task, and go.

Framework-free, like test_engine_paths: the engine is driven directly, and the
clock is set with the clock fixture (SpiffWorkflow reads the same clock).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.workflow.contract import TIMERS
from app.workflow.engine import FrontDoorEngine, SpecInvalid
from tests.workflow.test_engine_paths import WORKFLOWS, Referral, _edit

FRIDAY_3PM = datetime(2026, 8, 28, 14, 0, tzinfo=UTC)  # 15:00 in London


@pytest.fixture(scope="module")
def engine() -> FrontDoorEngine:
    return FrontDoorEngine(WORKFLOWS)


def due(at: datetime) -> dict:
    return {"at": at.isoformat(), "basis": "test", "working_time": False}


def due_times(at: datetime) -> dict:
    return {timer.attached_to: due(at) for timer in TIMERS.values()}


def at_decision(engine, clock, decision_due: datetime) -> Referral:
    clock.set(FRIDAY_3PM)
    referral = Referral(engine)
    # Green with no history recommends no further action (R17), so "nfa" needs no manager.
    referral.do("triage", rag="green", significant_harm_suspected=False, due_times=due_times(decision_due))
    referral.research()
    return referral


def test_the_decision_timer_waits_with_the_due_time_it_was_given(engine, clock):
    referral = at_decision(engine, clock, FRIDAY_3PM + timedelta(hours=4))
    (timer,) = engine.waiting_timers(referral.wf)
    assert (timer.bpmn_id, timer.attached_to) == ("threshold_decision_overdue", "threshold_decision")
    assert timer.due_at == FRIDAY_3PM + timedelta(hours=4)
    assert engine.next_timer_at(referral.wf) == timer.due_at
    # Not yet due: firing does nothing.
    assert engine.fire_timers(referral.wf) == []
    assert set(referral.ready()) == {"threshold_decision"}
    # Waiting timers are not highlighted as work: the decision is.
    assert engine.active_step_ids(referral.wf) == ["threshold_decision"]


def test_past_its_due_time_the_timer_raises_an_escalation_and_the_decision_stays_open(engine, clock):
    referral = at_decision(engine, clock, FRIDAY_3PM + timedelta(hours=4))
    (decision,) = engine.ready_tasks(referral.wf)
    clock.advance(hours=4, minutes=1)
    (fired,) = engine.fire_timers(referral.wf)
    assert (fired.bpmn_id, fired.attached_task_id) == ("threshold_decision_overdue", decision.id)
    assert fired.due_at == FRIDAY_3PM + timedelta(hours=4)
    assert referral.ready() == {"threshold_decision": "Social care", "escalate_threshold_decision": "Manager"}
    escalation = next(
        t for t in engine.ready_tasks(referral.wf) if t.bpmn_id == "escalate_threshold_decision"
    )
    assert (escalation.raised_by, escalation.late_task_id) == ("threshold_decision_overdue", decision.id)
    assert engine.next_timer_at(referral.wf) is None
    # It fires once: a second run raises nothing more.
    assert engine.fire_timers(referral.wf) == []
    # Both survive a save and a load, and the decision can still be made.
    referral.wf = engine.load(engine.current, engine.dump_state(referral.wf))
    referral.do("threshold_decision", threshold_outcome="nfa")
    assert referral.ready() == {"record_outcome": "Social care", "escalate_threshold_decision": "Manager"}
    referral.do("escalate_threshold_decision", escalation_action="recorded")
    referral.do("record_outcome")
    assert engine.is_completed(referral.wf)


def test_a_decision_made_in_time_cancels_its_timer(engine, clock):
    referral = at_decision(engine, clock, FRIDAY_3PM + timedelta(hours=4))
    referral.do("threshold_decision", threshold_outcome="nfa")
    assert engine.waiting_timers(referral.wf) == []
    clock.advance(days=3)
    assert engine.fire_timers(referral.wf) == []
    assert referral.ready() == {"record_outcome": "Social care"}


def test_a_task_that_becomes_ready_already_late_escalates_at_once(engine, clock):
    # Research finished after the decision's due time: the escalation comes with the decision.
    clock.set(FRIDAY_3PM)
    referral = Referral(engine)
    referral.do("triage", rag="red", significant_harm_suspected=False, due_times=due_times(FRIDAY_3PM))
    clock.advance(hours=1)
    referral.research()
    assert referral.ready() == {"threshold_decision": "Social care", "escalate_threshold_decision": "Manager"}


def test_the_strategy_discussion_and_plan_confirmations_have_timers(engine, clock):
    referral = at_decision(engine, clock, FRIDAY_3PM + timedelta(days=30))
    soon = FRIDAY_3PM + timedelta(hours=2)
    referral.do("threshold_decision", threshold_outcome="s47", due_times=due_times(soon))
    referral.do("resolve_disagreement", threshold_outcome="s47", due_times=due_times(soon))
    assert [t.bpmn_id for t in engine.waiting_timers(referral.wf)] == ["strategy_discussion_overdue"]
    clock.advance(hours=3)
    (fired,) = engine.fire_timers(referral.wf)
    assert fired.bpmn_id == "strategy_discussion_overdue"
    assert "escalate_strategy_discussion" in referral.ready()
    referral.do("strategy_discussion", strategy_decision="joint_investigation")
    referral.do("protective_plan", due_times=due_times(soon + timedelta(hours=5)))
    assert {t.bpmn_id for t in engine.waiting_timers(referral.wf)} == {
        "police_confirm_plan_overdue",
        "health_confirm_plan_overdue",
    }
    clock.advance(hours=5)
    fired = engine.fire_timers(referral.wf)
    assert {f.bpmn_id for f in fired} == {"police_confirm_plan_overdue", "health_confirm_plan_overdue"}
    assert {"escalate_police_confirm_plan", "escalate_health_confirm_plan"} <= set(referral.ready())


def police_protection(engine, clock, started: datetime) -> Referral:
    clock.set(FRIDAY_3PM)
    return Referral(
        engine,
        {
            "incident_type": "police_protection",
            "police_protection_used": True,
            "police_protection_in_force": True,
            "due_times": {"police_protection_in_force": due(started + timedelta(hours=72))},
        },
    )


def test_police_protection_raises_a_police_task_at_72_hours(engine, clock):
    started = FRIDAY_3PM - timedelta(hours=2)
    referral = police_protection(engine, clock, started)
    (timer,) = engine.waiting_timers(referral.wf)
    assert (timer.bpmn_id, timer.due_at) == ("police_protection_72_hours", started + timedelta(hours=72))
    assert referral.ready() == {"triage": "Social care"}
    clock.set(started + timedelta(hours=72, minutes=1))
    (fired,) = engine.fire_timers(referral.wf)
    assert fired.attached_to == "police_protection_in_force"
    assert referral.ready() == {"triage": "Social care", "police_protection_review": "Police"}
    referral.do("police_protection_review")
    assert engine.end_wait(referral.wf, "police_protection_in_force")
    assert referral.ready() == {"triage": "Social care"}


def test_recording_the_end_of_police_protection_cancels_its_timer(engine, clock):
    referral = police_protection(engine, clock, FRIDAY_3PM)
    assert engine.end_wait(referral.wf, "police_protection_in_force")
    assert engine.end_wait(referral.wf, "police_protection_in_force") is False  # already ended
    assert engine.waiting_timers(referral.wf) == []
    clock.advance(hours=80)
    assert engine.fire_timers(referral.wf) == []


def test_without_police_protection_in_force_there_is_no_timer(engine, clock):
    clock.set(FRIDAY_3PM)
    referral = Referral(engine, {"police_protection_used": True})  # used, but already ended
    assert engine.waiting_timers(referral.wf) == []
    assert "no_police_protection" in referral.completed_ids()


def test_due_times_must_be_aware_iso_instants(engine, clock):
    clock.set(FRIDAY_3PM)
    referral = Referral(engine)
    from app.workflow.engine import InvalidData

    (triage,) = engine.ready_tasks(referral.wf)
    for bad in (
        {"threshold_decision": {"at": "2026-08-28T19:00:00"}},
        {"threshold_decision": {"at": "soon"}},
    ):
        with pytest.raises(InvalidData, match="UTC offset"):
            engine.complete_task(
                referral.wf,
                triage.id,
                data={"rag": "red", "significant_harm_suspected": False, "due_times": bad},
            )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">due_times["threshold_decision"]["at"]</bpmn:timeDate>',
            '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">PT24H</bpmn:timeDuration>',
            "with the quotes",
            id="unquoted-duration",
        ),
        pytest.param(
            'id="threshold_decision_overdue" name="Decision overdue" cancelActivity="false"',
            'id="threshold_decision_overdue" name="Decision overdue" cancelActivity="true"',
            "non-interrupting",
            id="interrupting",
        ),
        pytest.param(
            '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">due_times["threshold_decision"]["at"]</bpmn:timeDate>',
            '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">due_times["triage"]["at"]</bpmn:timeDate>',
            "due_times",
            id="reads-another-task-due-time",
        ),
    ],
)
def test_a_timer_the_web_layer_cannot_rely_on_is_refused(workflows_copy, old, new, message):
    _edit(workflows_copy / "front_door.bpmn", old, new)
    with pytest.raises(SpecInvalid, match=message):
        FrontDoorEngine(workflows_copy)


def test_a_quoted_duration_is_accepted(workflows_copy):
    _edit(
        workflows_copy / "front_door.bpmn",
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">due_times["threshold_decision"]["at"]</bpmn:timeDate>',
        '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"PT24H"</bpmn:timeDuration>',
    )
    FrontDoorEngine(workflows_copy)


def fired_and_escalated(engine, clock):
    referral = at_decision(engine, clock, FRIDAY_3PM + timedelta(hours=4))
    (decision,) = engine.ready_tasks(referral.wf)
    clock.advance(hours=5)
    engine.fire_timers(referral.wf)
    referral.do("escalate_threshold_decision", escalation_action="extended")
    return referral, decision


def test_a_fired_timer_re_armed_fires_again_at_its_new_due_time(engine, clock):
    referral, decision = fired_and_escalated(engine, clock)
    new_due = FRIDAY_3PM + timedelta(days=1)
    assert engine.rearm_timer(referral.wf, decision.id, new_due) is True
    (timer,) = engine.waiting_timers(referral.wf)
    assert (timer.bpmn_id, timer.attached_task_id, timer.due_at) == (
        "threshold_decision_overdue",
        decision.id,
        new_due,
    )
    referral.wf = engine.load(engine.current, engine.dump_state(referral.wf))  # it survives a save
    assert engine.next_timer_at(referral.wf) == new_due
    assert engine.fire_timers(referral.wf) == []
    clock.set(new_due + timedelta(minutes=1))
    (fired,) = engine.fire_timers(referral.wf)
    assert (fired.attached_task_id, fired.due_at) == (decision.id, new_due)
    escalation = next(
        t for t in engine.ready_tasks(referral.wf) if t.bpmn_id == "escalate_threshold_decision"
    )
    assert (escalation.raised_by, escalation.late_task_id) == ("threshold_decision_overdue", decision.id)
    referral.do("threshold_decision", threshold_outcome="nfa")
    referral.do("escalate_threshold_decision", escalation_action="recorded")
    referral.do("record_outcome")
    assert engine.is_completed(referral.wf)


def test_a_re_armed_timer_is_cancelled_when_the_late_task_is_done(engine, clock):
    referral, decision = fired_and_escalated(engine, clock)
    engine.rearm_timer(referral.wf, decision.id, FRIDAY_3PM + timedelta(days=1))
    referral.do("threshold_decision", threshold_outcome="nfa")
    assert engine.waiting_timers(referral.wf) == []
    clock.advance(days=3)
    assert engine.fire_timers(referral.wf) == []
    assert referral.ready() == {"record_outcome": "Social care"}
    assert engine.rearm_timer(referral.wf, decision.id, FRIDAY_3PM + timedelta(days=4)) is False  # done


def test_re_arming_a_timer_still_waiting_moves_its_due_time(engine, clock):
    referral, decision = fired_and_escalated(engine, clock)
    engine.rearm_timer(referral.wf, decision.id, FRIDAY_3PM + timedelta(days=1))
    later = FRIDAY_3PM + timedelta(days=2)
    assert engine.rearm_timer(referral.wf, decision.id, later) is True
    (timer,) = engine.waiting_timers(referral.wf)
    assert timer.due_at == later
    with pytest.raises(ValueError, match="aware"):
        engine.rearm_timer(referral.wf, decision.id, later.replace(tzinfo=None))
