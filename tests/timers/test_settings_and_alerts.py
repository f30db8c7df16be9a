"""The response times page, alerts in the header and on their page, and the inbox's filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.domain.response_times import TimeUnit
from app.extensions import db
from app.models import Alert, AuditEvent, ResponseTimeSetting, RoleName
from tests.conftest import sign_in
from tests.referrals import steps

GOOD = {
    "rag_red": "4 clock hours",
    "rag_amber": "6 working hours",
    "rag_green": "3 working days",
    "strategy_discussion": "1 working day",
    "plan_confirmation": "1 working day",
    "escalation": "4 working hours",
}


def test_an_administrator_changes_a_response_time(client, login_as):
    admin = login_as(RoleName.ADMINISTRATOR)
    page = client.get("/settings/response-times").get_data(as_text=True)
    assert 'value="4 clock hours"' in page and "Surrey" in page
    response = client.post("/settings/response-times", data=GOOD)
    assert response.status_code == 302
    row = db.session.get(ResponseTimeSetting, "rag_amber")
    assert (row.amount, row.unit, row.updated_by_id) == (Decimal(6), TimeUnit.WORKING_HOURS, admin.id)
    assert db.session.scalar(select(func.count()).select_from(ResponseTimeSetting)) == 1  # only the change
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_time_changed")) is not None
    )
    assert 'value="6 working hours"' in client.get("/settings/response-times").get_data(as_text=True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-4 clock hours", "The red response time cannot be negative"),
        ("-1 working day", "The red response time cannot be negative"),
        ("0 clock hours", "The red response time must be more than 0"),
        ("PT0H", "The red response time must be more than 0"),
        ("soon", "The red response time must be a number and a unit"),
        ("4 fortnights", "The red response time must be a number and a unit"),
        ("", "Enter the red response time"),
    ],
)
def test_a_bad_response_time_gets_a_clear_message_and_nothing_is_saved(client, login_as, value, message):
    login_as(RoleName.ADMINISTRATOR)
    response = client.post(
        "/settings/response-times", data={**GOOD, "rag_red": value, "rag_amber": "2 working days"}
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ResponseTimeSetting)) == 0  # not even amber


@pytest.mark.parametrize("role", [RoleName.SOCIAL_CARE, RoleName.MASH_MANAGER, RoleName.AUDITOR])
def test_only_administrators_set_response_times(client, login_as, role):
    login_as(role)
    assert client.get("/settings/response-times").status_code == 403
    assert client.post("/settings/response-times", data=GOOD).status_code == 403


def test_a_new_task_alerts_its_lane_and_the_header_counts_it(friday, start_journey, client, mash):
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    assert "Alerts (1 unread)" in client.get("/").get_data(as_text=True)  # triage
    journey.do("triage", steps.triage("amber"))
    page = client.get("/alerts").get_data(as_text=True)
    assert "Alerts (2 unread)" in page
    assert f"{journey.referral.reference}: new task, Social care research" in page
    assert "Alex Fictional" not in page  # alerts name the referral, never the child
    # Police were told of their research task, not of social care's.
    police = db.session.scalars(select(Alert.text).where(Alert.user_id == mash["police"].id)).all()
    assert police == [f"{journey.referral.reference}: new task, Police research"]
    assert db.session.scalar(select(func.count()).where(Alert.user_id == mash["outsider"].id)) == 0


def test_alerts_are_marked_read_one_by_one_or_all_and_only_your_own(friday, start_journey, client, mash):
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    mine = db.session.scalars(
        select(Alert).where(Alert.user_id == mash["social_care"].id).order_by(Alert.id)
    ).all()
    theirs = db.session.scalar(select(Alert).where(Alert.user_id == mash["police"].id))
    sign_in(client, mash["social_care"].email)
    client.post("/alerts/read", data={"alert": [str(mine[0].id), str(theirs.id)]})
    db.session.expire_all()
    assert mine[0].read_at is not None and mine[1].read_at is None
    assert theirs.read_at is None  # another user's alert is never touched
    client.post("/alerts/read", data={"all": "1"})
    db.session.expire_all()
    assert mine[1].read_at is not None
    assert "Alerts (" not in client.get("/").get_data(as_text=True)


def test_the_inbox_filters_and_says_when_work_is_due(friday, start_journey, client, mash):
    red, green = start_journey(), start_journey()
    red.do("triage", steps.triage("red"))
    green.do("triage", steps.triage("green"))
    sign_in(client, mash["police"].email)
    page = client.get("/tasks").get_data(as_text=True)
    assert "due in 4 hours" in page and "due in 24 working hours" not in page
    assert "due in 3 working days" in page
    assert '<time datetime="2026-08-28T18:00:00+00:00">' in page
    only_red = client.get("/tasks?rag=red").get_data(as_text=True)
    assert red.referral.reference in only_red and green.referral.reference not in only_red
    friday.advance(hours=6)  # red research two hours late
    sign_in(client, mash["police"].email)  # six hours on, the idle session has ended
    overdue = client.get("/tasks?overdue=1").get_data(as_text=True)
    assert red.referral.reference in overdue and green.referral.reference not in overdue
    assert "overdue by 2 hours" in overdue
    task = next(t for t in green.referral.ready_tasks if t.step == "police_research")
    task.assigned_to = mash["police"]
    db.session.commit()
    mine = client.get("/tasks?mine=1").get_data(as_text=True)
    assert green.referral.reference in mine and red.referral.reference not in mine
    unassigned = client.get("/tasks?unassigned=1").get_data(as_text=True)
    assert red.referral.reference in unassigned and green.referral.reference not in unassigned
    assert client.get("/tasks?rag=purple&lane=Nowhere").status_code == 200  # unknown values are ignored
    home = client.get("/").get_data(as_text=True)
    assert 'data-count="waiting">2<' in home and 'data-count="overdue">1<' in home
    assert 'data-count="mine">1<' in home
