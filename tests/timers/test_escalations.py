"""Acceptance 2: timers fire and escalate; the manager acts on the escalation; police protection at 72 hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Escalation, EscalationAction, ReadyTask
from app.referrals import recording, services
from tests.conftest import sign_in
from tests.referrals import steps
from tests.timers.conftest import FRIDAY_3PM

RESEARCH = ("police_research", "health_research", "social_care_research")


def at_the_decision(start_journey, rag="red"):
    journey = start_journey()
    journey.do("triage", steps.triage(rag))
    for step in RESEARCH:
        journey.do(step, steps.research())
    return journey


def run_timers(app) -> str:
    result = app.test_cli_runner().invoke(args=["timers", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def escalation_task(referral) -> ReadyTask:
    db.session.refresh(referral)
    return next(t for t in referral.ready_tasks if t.step == "escalate_threshold_decision")


def test_past_the_decision_due_time_the_worker_raises_a_manager_escalation(
    app, friday, start_journey, client, mash
):
    journey = at_the_decision(start_journey)  # red: the decision is due at 19:00
    assert "escalate_threshold_decision" not in journey.ready()
    assert "0 referrals with timers due" in run_timers(app)  # not yet due: nothing happens
    friday.advance(hours=6)  # 21:00, two hours late
    output = run_timers(app)
    assert "1 referrals with timers due, 1 timers fired, 1 tasks raised" in output
    referral = journey.referral
    task = escalation_task(referral)
    assert (task.lane, task.title) == ("Manager", "Escalation: threshold decision overdue")
    # The late decision stays open for the social worker.
    assert "threshold_decision" in {t.step for t in referral.ready_tasks}
    escalation = db.session.scalar(select(Escalation).where(Escalation.referral_id == referral.id))
    assert escalation.late_step == "threshold_decision"
    assert escalation.late_due_at == FRIDAY_3PM + timedelta(hours=4)
    assert referral.next_timer_at is None
    # A second run raises nothing more.
    assert "0 referrals with timers due" in run_timers(app)

    sign_in(client, mash["manager"].email)
    inbox = client.get("/tasks").get_data(as_text=True)
    assert "Escalation: threshold decision overdue" in inbox and referral.reference in inbox
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Escalated: Threshold decision overdue" in page
    assert "2 hours" in page  # clock hours for a red rating
    task_page = client.get(f"/referrals/{referral.id}/tasks/{task.task_id}").get_data(as_text=True)
    assert "Overdue by" in task_page and "2 hours" in task_page and "Not picked up (Social care)" in task_page
    home = client.get("/").get_data(as_text=True)
    assert 'data-count="escalations">1<' in home


def test_working_time_lateness_is_counted_in_working_hours(app, friday, start_journey, client, mash):
    journey = at_the_decision(start_journey, rag="amber")  # due Tuesday 15:00
    friday.advance(days=4, hours=2)  # Tuesday 17:00
    run_timers(app)
    sign_in(client, mash["manager"].email)
    page = client.get(f"/referrals/{journey.referral.id}").get_data(as_text=True)
    assert "2 working hours" in page


def complete_escalation(journey, data):
    task = escalation_task(journey.referral)
    return services.complete_task(
        journey.users["manager"], journey.referral, task.task_id, journey.referral.version, data
    )


def test_the_manager_records_what_was_done_and_the_timeline_shows_it(app, friday, start_journey):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    complete_escalation(journey, steps.escalation("recorded", note="Spoke to the team: decision today."))
    db.session.commit()
    escalation = db.session.scalar(select(Escalation).where(Escalation.referral_id == journey.referral.id))
    assert escalation.action is EscalationAction.RECORDED and escalation.resolved_at is not None
    last = journey.referral.steps[-1]
    assert last.step == "escalate_threshold_decision"
    assert last.answers["note"] == "Spoke to the team: decision today."


def test_the_manager_reassigns_the_late_task(app, friday, start_journey, make_user, mash):
    journey = at_the_decision(start_journey)
    colleague = make_user("social_care", agency=mash["social_care"].agency)
    friday.advance(hours=5)
    run_timers(app)
    complete_escalation(
        journey, steps.escalation("reassigned", note=None, reassign_to=colleague.email.upper())
    )
    db.session.commit()
    decision = next(t for t in journey.referral.ready_tasks if t.step == "threshold_decision")
    assert decision.assigned_to_id == colleague.id
    assert journey.referral.steps[-1].answers["reassigned_to"] == colleague.full_name


def test_reassigning_to_someone_outside_the_lane_is_refused(app, friday, start_journey, mash):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    with pytest.raises(services.StepInvalid) as refused:
        complete_escalation(journey, steps.escalation("reassigned", reassign_to=mash["police"].email))
    assert "is not someone who works Social care tasks" in refused.value.errors["reassign_to"]


def test_the_manager_extends_the_due_time_with_a_reason(app, friday, start_journey):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    new_due = FRIDAY_3PM + timedelta(days=1)
    complete_escalation(
        journey, steps.escalation("extended", note="Waiting for GP records.", extend_to=new_due)
    )
    db.session.commit()
    decision = next(t for t in journey.referral.ready_tasks if t.step == "threshold_decision")
    assert decision.due_at == new_due and "Waiting for GP records." in decision.due_basis
    assert journey.referral.steps[-1].answers["extended_to"] == new_due.isoformat()


def test_an_extension_without_a_reason_is_refused_and_nothing_is_saved(
    app, friday, start_journey, client, mash
):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    task = escalation_task(journey.referral)
    version = journey.referral.version
    sign_in(client, mash["manager"].email)
    response = client.post(
        f"/referrals/{journey.referral.id}/tasks/{task.task_id}",
        data={
            "version": version,
            "action": "extended",
            "note": "",
            "extend_date": ["29", "8", "2026"],
            "extend_time": "12:00",
        },
    )
    assert response.status_code == 400
    assert "Give the reason for extending the due time" in response.get_data(as_text=True)
    db.session.expire_all()
    decision = next(t for t in journey.referral.ready_tasks if t.step == "threshold_decision")
    assert decision.due_at == FRIDAY_3PM + timedelta(hours=4)
    assert journey.referral.version == version
    # The service refuses it too, for API callers.
    with pytest.raises(services.StepInvalid) as refused:
        complete_escalation(
            journey, steps.escalation("extended", note=None, extend_to=FRIDAY_3PM + timedelta(days=1))
        )
    assert refused.value.errors == {"note": "Give the reason for extending the due time"}


def test_an_extension_into_the_past_is_refused(app, friday, start_journey):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    with pytest.raises(services.StepInvalid) as refused:
        complete_escalation(journey, steps.escalation("extended", note="Because.", extend_to=FRIDAY_3PM))
    assert refused.value.errors == {"extend_to": "The new due time must be in the future"}


def test_police_protection_at_72_hours_raises_a_police_task(app, friday, start_journey, client, mash):
    started = FRIDAY_3PM - timedelta(hours=3)
    journey = start_journey(
        incident_type="police_protection", pp_started_at=started, pp_place_of_safety="Foster carer"
    )
    referral = journey.referral
    assert referral.next_timer_at == started + timedelta(hours=72)
    friday.set(started + timedelta(hours=72, minutes=5))
    run_timers(app)
    db.session.refresh(referral)
    review = next(t for t in referral.ready_tasks if t.step == "police_protection_review")
    assert review.lane == "Police"
    sign_in(client, mash["police"].email)
    assert "Police protection at 72 hours" in client.get("/tasks").get_data(as_text=True)
    ended = started + timedelta(hours=70)
    services.complete_task(
        mash["police"], referral, review.task_id, referral.version, steps.police_protection_review(ended)
    )
    db.session.commit()
    assert referral.notification.pp_rescinded_at == ended
    assert "police_protection_review" not in {t.step for t in referral.ready_tasks}
    assert "Police protection ended" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)


def test_recording_the_end_of_police_protection_first_means_no_police_task(app, friday, start_journey, mash):
    started = FRIDAY_3PM - timedelta(hours=3)
    journey = start_journey(
        incident_type="police_protection", pp_started_at=started, pp_place_of_safety="Home"
    )
    referral = services.lock_referral(journey.referral.id)
    recording.record_police_protection_ended(mash["police"], referral, FRIDAY_3PM, FRIDAY_3PM)
    db.session.commit()
    assert referral.next_timer_at is None
    friday.advance(hours=80)
    run_timers(app)
    assert "police_protection_review" not in {t.step for t in referral.ready_tasks}


def test_the_police_protection_review_takes_a_12_hour_time_as_its_hint_says(
    app, friday, start_journey, client, mash
):
    import lxml.html

    from app.domain.clock import LONDON

    started = FRIDAY_3PM - timedelta(hours=3)
    journey = start_journey(
        incident_type="police_protection", pp_started_at=started, pp_place_of_safety="Foster carer"
    )
    referral = journey.referral
    friday.set(started + timedelta(hours=72, minutes=5))
    run_timers(app)
    db.session.refresh(referral)
    review = next(t for t in referral.ready_tasks if t.step == "police_protection_review")
    sign_in(client, mash["police"].email)
    url = f"/referrals/{referral.id}/tasks/{review.task_id}"
    form_page = lxml.html.fromstring(client.get(url).data)
    assert " ".join(form_page.xpath("//div[@id='ended_time-hint']")[0].text_content().split()) == (
        "For example, 14:30 or 2:30pm"
    )
    ended = (started + timedelta(hours=70)).astimezone(LONDON)
    response = client.post(
        url,
        data={
            "version": form_page.xpath("//input[@name='version']/@value")[0],
            "ended_date": [str(ended.day), str(ended.month), str(ended.year)],
            "ended_time": ended.strftime("%-I%p").lower(),  # "10am"
            "long_term_plan": "Returned home with a safety plan.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(referral)
    assert referral.notification.pp_rescinded_at == ended.replace(minute=0)
