"""When the notifier recorded it (the police record) versus when the MASH received it.

The clocks run from receipt; the notifier's own time only shows the backlog
before it. A time after receipt, in the future, or before the incident is
refused naming the field, and nothing is saved: over the API (422) and on
both forms (400).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Referral
from app.timers import due as due_times
from tests.conftest import sign_in
from tests.notifications.test_forms import child, contact, post
from tests.referrals.test_bad_input import notification_json, token_for

# A Tuesday in March (Greenwich Mean Time: London wall time is UTC).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def referral_count() -> int:
    return db.session.scalar(select(func.count(Referral.id)))


def api_notification(**fields) -> dict:
    payload = notification_json()
    payload["occurred_date"] = "2026-03-09"
    payload["occurred_time"] = "10:00"
    return payload | fields


def test_the_api_keeps_when_the_police_recorded_it_and_the_clocks_run_from_receipt(client, mash, clock):
    clock.set(NOW)
    response = client.post(
        "/api/v1/notifications",
        json=api_notification(recorded_date="2026-03-10", recorded_time="09:00"),
        headers=token_for(mash["police"]),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["recorded_at"] == "2026-03-10T09:00:00+00:00"
    assert body["received_at"] == "2026-03-10T12:00:00+00:00"
    referral = db.session.get(Referral, body["id"])
    assert referral.notification.recorded_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert referral.received_at == NOW
    # One working day from receipt (Wednesday 12:00), not from the police record (09:00).
    assert referral.threshold_due_at == due_times.statutory_threshold_due(NOW)
    assert referral.threshold_due_at == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)
    assert {t.due_at for t in referral.ready_tasks} == {datetime(2026, 3, 11, 12, 0, tzinfo=UTC)}

    sign_in(client, mash["social_care"].email)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Received by the MASH" in page
    assert "3 hours before it reached the MASH" in page


def test_a_notification_that_gives_no_time_of_its_own_counts_as_recorded_at_receipt(client, mash, clock):
    clock.set(NOW)
    response = client.post(
        "/api/v1/notifications", json=api_notification(), headers=token_for(mash["police"])
    )
    assert response.status_code == 201, response.get_json()
    referral = db.session.get(Referral, response.get_json()["id"])
    assert referral.notification.recorded_at == NOW
    assert referral.notification.backlog_in_words is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        # Later today: after receipt, so in the future.
        (
            {"recorded_date": "2026-03-10", "recorded_time": "12:30"},
            "recorded_time",
            "The time it was recorded in the police system must be in the past",
        ),
        (
            {"recorded_date": "2026-03-11", "recorded_time": "09:00"},
            "recorded_date",
            "The date it was recorded in the police system must be today or in the past",
        ),
        (
            {"recorded_date": "2026-03-09", "recorded_time": "09:59"},
            "recorded_time",
            "The time it was recorded must be after the incident",
        ),
        (
            {"recorded_date": "2026-03-10"},
            "recorded_time",
            "Enter the time it was recorded in the police system, or leave the date blank too",
        ),
        (
            {"recorded_time": "09:00"},
            "recorded_date",
            "Enter the date it was recorded in the police system, or leave the time blank too",
        ),
        ({"recorded_date": "2026-02-30", "recorded_time": "09:00"}, "recorded_date", "real date"),
    ],
)
def test_a_bad_recorded_time_over_the_api_is_422_naming_the_field(
    client, mash, clock, fields, field, message
):
    clock.set(NOW)
    before = referral_count()
    response = client.post(
        "/api/v1/notifications", json=api_notification(**fields), headers=token_for(mash["police"])
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == [field], errors
    assert message in errors[field]
    assert referral_count() == before


def test_the_service_refuses_a_recorded_time_after_receipt_whatever_sent_it(app, mash, clock):
    from app.referrals import services

    clock.set(NOW)
    assert services.check_recorded_at(datetime(2026, 3, 10, 12, 1, tzinfo=UTC), NOW.replace(day=9), NOW) == {
        "recorded_at": "The time it was recorded must be before it reached the MASH (10 March 2026 12:00): "
        "it cannot be after receipt or in the future"
    }
    assert services.check_recorded_at(NOW, NOW.replace(day=9), NOW) == {}


def contact_form(**overrides) -> dict:
    return contact(occurred_date=["9", "3", "2026"], occurred_time="10:00", **overrides)


def test_the_contact_form_keeps_when_the_referrer_recorded_it(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    response = client.post(
        "/contacts/new",
        data=post(contact_form(recorded_date=["10", "3", "2026"], recorded_time="08:30"), child(0)),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.scalars(select(Referral).order_by(Referral.id.desc())).first()
    assert referral.notification.recorded_at == datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
    assert referral.received_at == NOW
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 hours before it reached the MASH" in page


def test_a_recorded_time_in_the_future_on_the_contact_form_is_refused_and_nothing_saved(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    before = referral_count()
    response = client.post(
        "/contacts/new",
        data=post(contact_form(recorded_date=["10", "3", "2026"], recorded_time="13:00"), child(0)),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "The time it was recorded by the person or organisation who made contact must be in the past" in page
    )
    assert 'href="#recorded_time"' in page
    assert referral_count() == before


def test_the_police_form_offers_the_police_record_time(client, mash):
    sign_in(client, mash["police"].email)
    page = client.get("/notifications/new").get_data(as_text=True)
    assert "When was it recorded in the police system?" in page
    assert 'name="recorded_time"' in page


def test_a_backlog_entry_gives_when_the_mash_received_it_and_the_clocks_run_from_then(client, mash, clock):
    clock.set(NOW)
    response = client.post(
        "/api/v1/notifications",
        json=api_notification(
            recorded_date="2026-03-09",
            recorded_time="11:00",
            received_date="2026-03-09",
            received_time="12:00",
        ),
        headers=token_for(mash["police"]),
    )
    assert response.status_code == 201, response.get_json()
    referral = db.session.get(Referral, response.get_json()["id"])
    received = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert referral.received_at == received
    assert referral.notification.recorded_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert referral.created_at == NOW  # entered now: that is when it was recorded here
    # One working day from receipt on Monday: due at noon today, so already due.
    assert referral.threshold_due_at == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert [t.due_at for t in referral.ready_tasks] == [datetime(2026, 3, 10, 12, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"received_date": "2026-03-10", "received_time": "12:01"},
            "received_time",
            "The time the MASH received it must be in the past",
        ),
        (
            {"received_date": "2026-03-09", "received_time": "09:00"},
            "received_time",
            "The time the MASH received it must be after the incident",
        ),
        # Recorded by the police after the MASH says it received it.
        (
            {
                "received_date": "2026-03-09",
                "received_time": "12:00",
                "recorded_date": "2026-03-09",
                "recorded_time": "12:30",
            },
            "recorded_at",  # the service's own check, named as the service names it
            "The time it was recorded must be before it reached the MASH (9 March 2026 12:00): "
            "it cannot be after receipt or in the future",
        ),
    ],
)
def test_a_bad_received_time_over_the_api_is_422_naming_the_field(
    client, mash, clock, fields, field, message
):
    clock.set(NOW)
    before = referral_count()
    response = client.post(
        "/api/v1/notifications", json=api_notification(**fields), headers=token_for(mash["police"])
    )
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert list(errors) == [field], errors
    assert message in errors[field]
    assert referral_count() == before


def test_on_the_form_a_record_after_the_backlog_receipt_is_refused_on_the_recorded_date(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    before = referral_count()
    response = client.post(
        "/contacts/new",
        data=post(
            contact_form(
                recorded_date="9/3/2026",
                recorded_time="15:00",
                received_date="9 March 2026",
                received_time="14:00",
            ),
            child(0),
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "it cannot be after receipt or in the future" in page
    assert 'href="#recorded_date"' in page
    assert referral_count() == before
