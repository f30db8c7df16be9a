"""Recording the conference outcome and the end of police protection: each closes an audit gap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.audit.gaps import case_ids
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import StepRecord
from tests.conftest import sign_in
from tests.referrals import steps


def s47_case(start_journey, **strategy):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy(**strategy))
    return journey


def test_social_care_records_the_conference_and_the_case_leaves_the_icpc_list(client, mash, start_journey):
    held = datetime.now(UTC) - timedelta(days=40)
    journey = s47_case(start_journey, held_at=held.replace(microsecond=0))
    referral = journey.referral
    assert referral.id in case_ids("icpc-overdue", AuditScope.everything())
    sign_in(client, mash["social_care"].email)
    assert "Record the conference" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    url = f"/referrals/{referral.id}/conference"
    page = client.post(url, data={"outcome": "held"})
    assert page.status_code == 400 and "Enter the date of the conference" in page.get_data(as_text=True)
    future = datetime.now(UTC).date() + timedelta(days=3)
    page = client.post(
        url, data={"outcome": "held", "held_on": [str(future.day), str(future.month), str(future.year)]}
    )
    assert "The conference date must be today or in the past" in page.get_data(as_text=True)
    assert referral.strategy_discussion.icpc_held_on is None
    day = (held + timedelta(days=20)).date()
    response = client.post(
        url, data={"outcome": "held", "held_on": [str(day.day), str(day.month), str(day.year)]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert referral.strategy_discussion.icpc_held_on == day
    assert referral.id not in case_ids("icpc-overdue", AuditScope.everything())
    assert (
        db.session.query(StepRecord).filter_by(referral_id=referral.id, step="conference_recorded").count()
        == 1
    )


def test_a_conference_not_required_needs_a_reason(client, mash, start_journey):
    journey = s47_case(start_journey)
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/conference"
    page = client.post(url, data={"outcome": "not_required", "not_required_reason": "  "})
    assert "Enter why a conference is not required" in page.get_data(as_text=True)
    assert (
        client.post(
            url, data={"outcome": "not_required", "not_required_reason": "Concerns not substantiated"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert journey.referral.strategy_discussion.icpc_not_required_reason == "Concerns not substantiated"


def test_only_social_care_records_the_conference(client, mash, start_journey):
    journey = s47_case(start_journey)
    for who in ("police", "health", "outsider"):
        sign_in(client, mash[who].email)
        assert client.get(f"/referrals/{journey.referral.id}/conference").status_code == 403, who
        client.post("/sign-out")


def test_police_record_when_police_protection_ended(client, mash, start_journey):
    started = (datetime.now(UTC) - timedelta(hours=80)).replace(microsecond=0)
    journey = start_journey(
        incident_type="police_protection",
        pp_started_at=started,
        pp_place_of_safety="Foster placement",
        pp_local_authority_informed_at=started + timedelta(minutes=30),
        pp_rescinded_at=None,
    )
    referral = journey.referral
    assert referral.id in case_ids("police-protection", AuditScope.everything())
    sign_in(client, mash["social_care"].email)
    assert client.get(f"/referrals/{referral.id}/police-protection-ended").status_code == 403
    client.post("/sign-out")
    sign_in(client, mash["police"].email)
    assert "Record when it ended" in client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    url = f"/referrals/{referral.id}/police-protection-ended"
    before = started - timedelta(hours=1)
    page = client.post(
        url,
        data={"ended_date": [str(before.day), str(before.month), str(before.year)], "ended_time": "00:01"},
    )
    assert page.status_code == 400
    assert "Police protection must end after it started" in page.get_data(
        as_text=True
    ) or "must end after" in page.get_data(as_text=True)
    ended = (started + timedelta(hours=20)).astimezone()
    from zoneinfo import ZoneInfo

    local = ended.astimezone(ZoneInfo("Europe/London"))
    response = client.post(
        url,
        data={
            "ended_date": [str(local.day), str(local.month), str(local.year)],
            "ended_time": f"{local:%H:%M}",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert referral.notification.pp_rescinded_at is not None
    rows = [
        r
        for r in __import__("app.audit.gaps", fromlist=["rows_for"]).rows_for(
            "police-protection", AuditScope.everything()
        )
        if r.referral_id == referral.id
    ]
    assert all("No time rescinded" not in r.detail for r in rows)
