"""Missing episodes: recorded from the notification, counted in the history, and the
return home interview prompted within 72 hours of the child being found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import InterviewStatus, MissingEpisode
from app.people.history import decision_inputs
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps

FOUND = datetime(2026, 6, 16, 23, 40, tzinfo=UTC)


def episode(**overrides) -> dict:
    return {
        "kind": "missing",
        "missing_from": "home",
        "looked_after": False,
        "reported_at": FOUND - timedelta(days=2),
        "found_at": FOUND,
        "found_where": "A friend's house",
        "found_with": None,
        **overrides,
    }


def missing_notification(child: dict | None = None, **overrides) -> dict:
    return steps.notification(
        incident_type="missing",
        dash_level=None,
        occurred_at=FOUND - timedelta(days=2),
        children=[child or steps.child("Jordan Fictional", nhs_number="9434765919")],
        missing_episode=episode(**overrides),
    )


@pytest.fixture(autouse=True)
def june(clock):
    clock.set(datetime(2026, 6, 19, 9, 0, tzinfo=UTC), tick=True)


def test_a_missing_notification_records_the_episode_and_its_interview_clock(mash):
    referral = services.create_referral(mash["police"], missing_notification())
    db.session.commit()
    [row] = db.session.query(MissingEpisode).filter_by(referral_id=referral.id).all()
    assert row.kind.value == "missing" and row.found_where == "A friend's house"
    assert row.interview_status is InterviewStatus.NOT_YET
    assert row.interview_due_at == FOUND + timedelta(hours=72)


def test_repeat_episodes_are_counted_at_any_address(mash):
    for n in range(6):
        services.create_referral(
            mash["police"],
            missing_notification(
                steps.child("Jordan Fictional", nhs_number="9434765919", address=f"{n} Old Road")
            ),
        )
        db.session.commit()
    referral = services.create_referral(
        mash["police"],
        missing_notification(
            steps.child("Jordan Fictional", nhs_number="9434765919", address="9 New Street")
        ),
    )
    db.session.commit()
    assert decision_inputs(referral)["missing_episodes_ever"] == 7


def test_bad_episodes_are_refused_with_specific_messages_and_nothing_saved(mash):
    before = db.session.query(MissingEpisode).count()
    with pytest.raises(services.StepInvalid) as error:
        services.create_referral(mash["police"], missing_notification(found_at=FOUND - timedelta(days=3)))
    assert error.value.errors == {
        "missing_found_date": "The child must have been found after being reported missing"
    }
    db.session.rollback()
    with pytest.raises(services.StepInvalid) as error:
        services.create_referral(mash["police"], missing_notification(kind="lost", found_where=" "))
    assert error.value.errors["missing_kind"] == "Select whether the child was missing or absent"
    assert error.value.errors["missing_found_where"] == "Enter where the child was found"
    db.session.rollback()
    assert db.session.query(MissingEpisode).count() == before


def test_the_referral_page_prompts_for_the_interview_and_records_it(client, mash):
    referral = services.create_referral(mash["police"], missing_notification())
    db.session.commit()
    row = db.session.query(MissingEpisode).filter_by(referral_id=referral.id).one()
    sign_in(client, mash["social_care"].email)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Return home interview" in page and "Due by 20 June 2026 at 12:40am" in page
    url = f"/referrals/{referral.id}/missing-episodes/{row.id}/interview"
    refused = client.post(url, data={"status": "done", "on": ["18", "6", "2026"]})
    assert refused.status_code == 400 and "Enter what the interview found" in refused.get_data(as_text=True)
    db.session.refresh(row)
    assert row.interview_status is InterviewStatus.NOT_YET
    done = client.post(
        url,
        data={
            "status": "done",
            "on": ["18", "6", "2026"],
            "findings": "He stayed with friends; no harm disclosed.",
        },
    )
    assert done.status_code == 302
    db.session.refresh(row)
    assert row.interview_status is InterviewStatus.DONE and "no harm disclosed" in row.interview_findings
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Held: He stayed with friends" in page and "Due by" not in page
