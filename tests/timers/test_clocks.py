"""Acceptance: the other clocks, with their due times on the referral page and in the inbox."""

from __future__ import annotations

from datetime import date, timedelta

from app.domain.clock import utcnow
from app.referrals import services
from app.timers.clocks import clocks_for
from tests.conftest import sign_in
from tests.referrals import steps

RESEARCH = ("police_research", "health_research", "social_care_research")


def to_plan(start_journey):
    journey = start_journey()
    journey.do("triage", steps.triage("red", harm=True))
    for step in RESEARCH:
        journey.do(step, steps.research())
    journey.do("threshold_decision", steps.threshold("s47"))
    return journey


def test_strategy_discussion_is_due_a_working_day_after_the_s47_decision(friday, start_journey):
    journey = to_plan(start_journey)
    task = next(t for t in journey.referral.ready_tasks if t.step == "strategy_discussion")
    assert task.due_basis == "1 working day from the decision to start s47"
    assert task.due_at.date() == date(2026, 9, 1)  # Tuesday: Monday is a bank holiday
    assert journey.referral.next_timer_at == task.due_at


def test_an_s47_case_shows_every_clock_and_the_inbox_its_other_deadlines(friday, start_journey, client, mash):
    journey = to_plan(start_journey)
    journey.do("strategy_discussion", steps.strategy())
    assessment = next(t for t in journey.referral.ready_tasks if t.step == "assessment_outcome")
    assert assessment.due_basis == "45 working days from the referral"
    assert assessment.due_at.date() == date(2026, 11, 2)
    journey.do("protective_plan", steps.plan())
    confirm = next(t for t in journey.referral.ready_tasks if t.step == "police_confirm_plan")
    assert confirm.due_basis == "1 working day from when the plan was agreed"
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    names = [clock.name for clock in clocks_for(journey.referral)]
    assert {
        "Threshold decision (statutory)",
        "Initial child protection conference",
        "Assessment",
        "Plan review",
    } <= set(names)
    assert any(name.startswith("Plan action: Interview the stepfather") for name in names)
    sign_in(client, mash["police"].email)
    page = client.get(f"/referrals/{journey.referral.id}").get_data(as_text=True)
    assert 'id="clocks"' in page and "Initial child protection conference" in page and "Met" in page
    inbox = client.get("/tasks").get_data(as_text=True)
    assert "Other deadlines" in inbox and "Interview the stepfather" in inbox
    assert "Visit the children at home" not in inbox  # social care's action, not police's
    friday.advance(days=9)
    sign_in(client, mash["police"].email)  # nine days on, the idle session has ended
    assert "Interview the stepfather" in client.get("/tasks?overdue=1").get_data(as_text=True)


def test_police_protection_shows_its_72_hours_on_the_referral_page(friday, start_journey, client, mash):
    journey = start_journey(
        incident_type="police_protection", pp_started_at=services.utcnow() - timedelta(hours=2)
    )
    (clock,) = [c for c in clocks_for(journey.referral) if c.name.startswith("Police protection")]
    assert clock.due_at == journey.referral.notification.pp_started_at + timedelta(hours=72)
    sign_in(client, mash["police"].email)
    page = client.get(f"/referrals/{journey.referral.id}").get_data(as_text=True)
    assert "Police protection (72 hours)" in page and "due in 70 hours" in page


def test_the_social_care_inbox_lists_plan_reviews_and_return_home_interviews_with_its_deadlines(
    friday, start_journey, client, mash
):
    journey = to_plan(start_journey)
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    found = utcnow() - timedelta(hours=10)
    missing = start_journey(
        incident_type="missing",
        dash_level=None,
        occurred_at=found - timedelta(days=1),
        missing_episode={
            "kind": "missing",
            "missing_from": "home",
            "looked_after": False,
            "reported_at": found - timedelta(days=1),
            "found_at": found,
            "found_where": "A friend's house",
            "found_with": None,
        },
    )
    sign_in(client, mash["social_care"].email)
    from app.extensions import db
    from tests.statements import recorded_statements

    db.session.expire_all()
    with recorded_statements() as sent:
        inbox = client.get("/tasks").get_data(as_text=True)
    deadlines = inbox.split('id="deadlines"')[1]
    assert "Plan review" in deadlines and journey.referral.reference in deadlines
    assert "Return home interview" in deadlines and missing.referral.reference in deadlines
    # Each deadline's referral is read for its reference: not its workflow state, the largest column.
    assert not any("workflow_state" in s for s in sent if "JOIN referrals" in s)
    # Police see neither: both are social care's.
    client.post("/sign-out")
    sign_in(client, mash["police"].email)
    inbox = client.get("/tasks").get_data(as_text=True)
    assert "Plan review" not in inbox and "Return home interview" not in inbox


def test_the_inbox_lists_only_the_soonest_other_deadlines_and_says_so(
    friday, start_journey, client, mash, monkeypatch
):
    """The other deadlines under the inbox are the soonest few (50 in service; 1 here), so the
    page stays the same size however many plans are in force."""
    monkeypatch.setattr("app.tasks.routes.DEADLINES_SHOWN", 1)
    journey = to_plan(start_journey)
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())  # the plan is in force
    sign_in(client, mash["social_care"].email)  # its actions, the review and the conference
    inbox = client.get("/tasks").get_data(as_text=True)
    deadlines = inbox[inbox.index('id="deadlines"') :]
    assert deadlines.count('<tr class="govuk-table__row">') == 1 + 1  # the heading row and one deadline
    assert "These are the 1 soonest" in deadlines
    monkeypatch.setattr("app.tasks.routes.DEADLINES_SHOWN", 50)
    inbox = client.get("/tasks").get_data(as_text=True)
    all_of_them = inbox[inbox.index('id="deadlines"') :]
    assert "soonest" not in all_of_them and all_of_them.count('<tr class="govuk-table__row">') > 2
