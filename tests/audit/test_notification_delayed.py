"""Gap 16: notifications that reached the MASH long after the notifier recorded them.

Notifications come in through the API with the police's own record time; the list,
the dashboard's facts and the case audit page agree on which waited too long, and
the allowed wait is a setting."""

from __future__ import annotations

from datetime import UTC, datetime

from app.audit.gaps import case_ids
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Referral
from tests.conftest import sign_in
from tests.referrals.test_bad_input import notification_json, token_for

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday


def notify(client, headers, recorded_date: str, recorded_time: str) -> Referral:
    payload = notification_json() | {
        "occurred_date": "2026-03-07",
        "occurred_time": "21:00",
        "recorded_date": recorded_date,
        "recorded_time": recorded_time,
    }
    response = client.post("/api/v1/notifications", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Referral, response.get_json()["id"])


def test_notifications_that_waited_longer_than_allowed_are_listed(app, client, mash, clock):
    clock.set(NOW)
    police = token_for(mash["police"])
    late = notify(client, police, "2026-03-08", "09:00")  # 51 hours before receipt
    prompt = notify(client, police, "2026-03-10", "06:00")  # 6 hours
    borderline = notify(client, police, "2026-03-09", "13:00")  # 23 hours
    assert case_ids("notification-delayed", AuditScope.everything(NOW)) == {late.id}

    sign_in(client, mash["manager"].email)
    page = client.get("/audit/gaps/notification-delayed").get_data(as_text=True)
    assert late.reference in page and "51.0 hours" in page
    assert prompt.reference not in page and borderline.reference not in page
    audit = client.get(f"/audit/cases/{late.id}/audit").get_data(as_text=True)
    assert "Recorded by the notifier" in audit and "51 hours before receipt" in audit

    # A partnership that allows 12 hours also lists the one that waited 23.
    app.config["AUDIT_NOTIFICATION_DELAY_HOURS"] = 12
    try:
        assert case_ids("notification-delayed", AuditScope.everything(NOW)) == {late.id, borderline.id}
    finally:
        app.config["AUDIT_NOTIFICATION_DELAY_HOURS"] = 24
