"""Acceptance 1: the RAG rating sets the clock, and the statutory one working day is a ceiling."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.domain.response_times import TimeUnit
from app.extensions import db
from app.models import ResponseTimeSetting
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps

LONDON = ZoneInfo("Europe/London")
FRIDAY_7PM = datetime(2026, 8, 28, 19, 0, tzinfo=LONDON)
TUESDAY_3PM = datetime(2026, 9, 1, 15, 0, tzinfo=LONDON)
THURSDAY_3PM = datetime(2026, 9, 3, 15, 0, tzinfo=LONDON)
RESEARCH = ("police_research", "health_research", "social_care_research")


def due(journey, step: str):
    return next(t for t in journey.referral.ready_tasks if t.step == step)


@pytest.mark.parametrize(
    ("rag", "research_due", "decision_due", "basis"),
    [
        ("red", FRIDAY_7PM, FRIDAY_7PM, "Red rating: 4 clock hours from receipt"),
        ("amber", TUESDAY_3PM, TUESDAY_3PM, "Amber rating: 1 working day from receipt"),
        ("green", THURSDAY_3PM, TUESDAY_3PM, "Green rating: 3 working days from receipt"),
    ],
)
def test_the_rag_rating_sets_when_research_and_the_decision_are_due(
    friday, start_journey, rag, research_due, decision_due, basis
):
    journey = start_journey()
    journey.do("triage", steps.triage(rag))
    for step in RESEARCH:
        task = due(journey, step)
        assert task.due_at == research_due
        assert task.due_basis == basis
        assert task.working_time is (rag != "red")
    for step in RESEARCH:
        journey.do(step, steps.research())
    decision = due(journey, "threshold_decision")
    assert decision.due_at == decision_due
    if rag == "green":
        assert decision.due_basis == (
            "1 working day from receipt (statutory); the green rating's 3 working days is longer"
        )
    else:
        assert decision.due_basis == basis
    # The decision's BPMN timer waits for the same instant.
    assert journey.referral.next_timer_at == decision_due
    # The statutory clock on the referral is unchanged by the rating.
    assert journey.referral.threshold_due_at == TUESDAY_3PM


def test_the_inbox_lists_the_red_contact_first(friday, start_journey, client, mash):
    journeys = {}
    for rag in ("green", "amber", "red"):  # the red one arrives last
        journeys[rag] = start_journey()
        journeys[rag].do("triage", steps.triage(rag))
    tasks = db.session.scalars(services.ready_tasks_for(mash["social_care"])).all()
    order = [t.referral_id for t in tasks if t.step == "social_care_research"]
    assert order == [
        journeys["red"].referral.id,
        journeys["amber"].referral.id,
        journeys["green"].referral.id,
    ]
    sign_in(client, mash["social_care"].email)
    html = client.get("/tasks").get_data(as_text=True)
    positions = [html.index(journeys[rag].referral.reference) for rag in ("red", "amber", "green")]
    assert positions == sorted(positions)
    assert "Red rating: 4 clock hours from receipt" in html


def test_overdue_work_comes_first_in_the_inbox(friday, start_journey, mash):
    late = start_journey()
    late.do("triage", steps.triage("red"))
    friday.advance(hours=5)  # the red research is now an hour overdue
    fresh = start_journey()
    fresh.do("triage", steps.triage("red"))
    tasks = db.session.scalars(services.ready_tasks_for(mash["police"])).all()
    assert [t.referral_id for t in tasks][:2] == [late.referral.id, fresh.referral.id]


def test_a_partnership_setting_changes_the_due_time_of_work_that_starts_after_it(friday, start_journey):
    db.session.add(ResponseTimeSetting(key="rag_red", amount=2, unit=TimeUnit.WORKING_HOURS))
    db.session.commit()
    journey = start_journey()
    journey.do("triage", steps.triage("red"))
    task = due(journey, "police_research")
    assert task.due_at == datetime(2026, 8, 28, 17, 0, tzinfo=LONDON)
    assert task.due_basis == "Red rating: 2 working hours from receipt"


def test_the_due_time_and_its_reason_are_on_the_task_and_the_referral_page(
    friday, start_journey, client, mash
):
    journey = start_journey()
    journey.do("triage", steps.triage("red"))
    sign_in(client, mash["police"].email)
    task = due(journey, "police_research")
    page = client.get(f"/referrals/{journey.referral.id}/tasks/{task.task_id}").get_data(as_text=True)
    assert "Due 28 August 2026 at 7pm" in page and "Red rating: 4 clock hours from receipt" in page
    assert '<time datetime="2026-08-28T18:00:00+00:00">' in page
    referral_page = client.get(f"/referrals/{journey.referral.id}").get_data(as_text=True)
    assert "Red rating: 4 clock hours from receipt" in referral_page
    assert db.session.scalar(select(ResponseTimeSetting)) is None  # the defaults were in force


def test_the_api_gives_the_due_time_and_its_reason(friday, start_journey, client, mash):
    from app.models import ApiToken
    from tests.conftest import system_account_for

    journey = start_journey()
    journey.do("triage", steps.triage("red"))
    _, token = ApiToken.issue(system_account_for(mash["police"]), "test", None)
    db.session.commit()
    tasks = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).get_json()["tasks"]
    (research,) = [t for t in tasks if t["step"] == "police_research"]
    assert research["due_at"] == "2026-08-28T18:00:00+00:00"
    assert research["due_basis"] == "Red rating: 4 clock hours from receipt"
    assert research["due_in_working_time"] is False
