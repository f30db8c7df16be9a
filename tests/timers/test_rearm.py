"""An extension re-arms the timer: if the late work is still not done at the new due time, it escalates again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Escalation
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps
from tests.timers.conftest import FRIDAY_3PM
from tests.timers.test_escalations import at_the_decision, complete_escalation, run_timers

NEW_DUE = FRIDAY_3PM + timedelta(days=1)  # Saturday 15:00 in London


def escalations(referral) -> list[Escalation]:
    return db.session.scalars(
        select(Escalation).where(Escalation.referral_id == referral.id).order_by(Escalation.id)
    ).all()


def escalation_tasks(referral) -> list:
    db.session.refresh(referral)
    return [t for t in referral.ready_tasks if t.step == "escalate_threshold_decision"]


def extended(app, friday, start_journey):
    """A red decision escalated at 20:00 on Friday, then extended to Saturday 15:00."""
    journey = at_the_decision(start_journey)  # due 19:00
    friday.advance(hours=5)
    run_timers(app)
    assert len(escalations(journey.referral)) == 1
    complete_escalation(
        journey, steps.escalation("extended", note="Waiting for the GP's records.", extend_to=NEW_DUE)
    )
    db.session.commit()
    return journey


def test_the_timer_fires_again_at_the_new_due_time_if_the_decision_is_still_not_made(
    app, friday, start_journey, client, mash
):
    journey = extended(app, friday, start_journey)
    referral = journey.referral
    assert escalation_tasks(referral) == []  # the first escalation is dealt with
    assert referral.next_timer_at == NEW_DUE  # waiting again, on the indexed column

    friday.advance(hours=18, minutes=59)  # Saturday 14:59: not yet
    assert "0 referrals with timers due" in run_timers(app)
    assert len(escalations(referral)) == 1 and escalation_tasks(referral) == []

    friday.advance(minutes=2)  # Saturday 15:01
    output = run_timers(app)
    assert "1 referrals with timers due, 1 timers fired, 1 tasks raised" in output
    first, second = escalations(referral)
    assert first.action.value == "extended" and first.extended_to == NEW_DUE
    assert second.late_step == "threshold_decision" and second.late_due_at == NEW_DUE
    assert second.resolved_at is None
    (task,) = escalation_tasks(referral)
    assert task.lane == "Manager" and task.task_id == second.task_id
    assert "threshold_decision" in {t.step for t in referral.ready_tasks}  # still the social worker's
    assert referral.next_timer_at is None
    assert "0 referrals with timers due" in run_timers(app)  # once only

    sign_in(client, mash["manager"].email)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    # Two escalations in the timeline (the diagram's list of steps done names them too).
    assert page.count('data-step="threshold_decision_overdue_fired"') == 2
    assert "Escalated: Threshold decision overdue" in page
    assert 'data-count="escalations">1<' in client.get("/").get_data(as_text=True)


def test_a_decision_made_before_the_new_due_time_is_not_escalated_again(app, friday, start_journey):
    journey = extended(app, friday, start_journey)
    friday.advance(hours=2)
    journey.do("threshold_decision", steps.threshold("s17"))
    db.session.commit()
    assert journey.referral.next_timer_at is None or journey.referral.next_timer_at > NEW_DUE
    friday.advance(days=2)
    run_timers(app)
    assert len(escalations(journey.referral)) == 1
    assert escalation_tasks(journey.referral) == []


def test_extending_the_second_escalation_re_arms_it_again(app, friday, start_journey):
    journey = extended(app, friday, start_journey)
    friday.advance(hours=20)  # Saturday 16:00
    run_timers(app)
    later = NEW_DUE + timedelta(days=1)
    complete_escalation(journey, steps.escalation("extended", note="GP surgery closed.", extend_to=later))
    db.session.commit()
    assert journey.referral.next_timer_at == later
    friday.advance(days=1)
    run_timers(app)
    assert [e.late_due_at for e in escalations(journey.referral)] == [
        FRIDAY_3PM + timedelta(hours=4),
        NEW_DUE,
        later,
    ]
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 3


def test_an_extension_refused_for_want_of_a_reason_re_arms_nothing(app, friday, start_journey):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    with pytest.raises(services.StepInvalid) as refused:
        complete_escalation(journey, steps.escalation("extended", note=None, extend_to=NEW_DUE))
    assert refused.value.errors == {"note": "Give the reason for extending the due time"}
    db.session.rollback()
    db.session.refresh(journey.referral)
    assert journey.referral.next_timer_at is None
    friday.advance(days=2)
    run_timers(app)
    assert len(escalations(journey.referral)) == 1
