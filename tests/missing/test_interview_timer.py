"""The return home interview's 72 hours as a timer: the timer worker escalates it to its owners, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AlertKind, InterviewStatus, MissingEpisode, StepRecord
from app.referrals import services
from tests.conftest import sign_in
from tests.missing.test_episodes import missing_notification

FOUND = datetime(2026, 6, 16, 23, 40, tzinfo=UTC)
DUE = FOUND + timedelta(hours=72)  # 00:40 on 20 June, London time


def run_timers(app) -> str:
    result = app.test_cli_runner().invoke(args=["timers", "run"])
    assert result.exit_code == 0, result.output
    return result.output


def episode_of(referral) -> MissingEpisode:
    return db.session.scalar(select(MissingEpisode).where(MissingEpisode.referral_id == referral.id))


def escalation_entries(referral) -> list[StepRecord]:
    return db.session.scalars(
        select(StepRecord).where(
            StepRecord.referral_id == referral.id, StepRecord.step == "return_home_interview_72_hours_fired"
        )
    ).all()


def alerts_for(user) -> list[Alert]:
    return db.session.scalars(
        select(Alert).where(Alert.user_id == user.id, Alert.kind == AlertKind.ESCALATION)
    ).all()


def found_child(clock, mash):
    clock.set(FOUND + timedelta(hours=1))
    referral = services.create_referral(mash["police"], missing_notification())
    db.session.commit()
    return referral


def test_an_interview_still_outstanding_at_72_hours_is_escalated_to_social_care_once(
    app, clock, client, mash
):
    referral = found_child(clock, mash)
    episode = episode_of(referral)
    assert episode.interview_timer_at == DUE

    clock.set(DUE - timedelta(minutes=1))
    assert "0 return home interviews escalated" in run_timers(app)
    assert escalation_entries(referral) == [] and alerts_for(mash["social_care"]) == []

    clock.set(DUE + timedelta(hours=2))
    assert "1 return home interviews escalated" in run_timers(app)
    (entry,) = escalation_entries(referral)
    assert entry.title == "Escalated: Return home interview overdue"
    assert entry.lane == "Social care"
    assert entry.answers["overdue_by"] == "2 hours"
    assert entry.answers["was_due"] == DUE.isoformat()
    db.session.refresh(episode)
    assert episode.interview_timer_at is None and episode.interview_escalated_at == DUE + timedelta(hours=2)
    (alert,) = alerts_for(mash["social_care"])
    assert alert.referral_id == referral.id
    assert "return home interview is overdue by 2 hours" in alert.text
    assert "Jordan" not in alert.text  # no child's name in an alert (it may be emailed)
    assert alerts_for(mash["police"]) == []  # not theirs to do

    assert "0 return home interviews escalated" in run_timers(app)  # once only
    assert len(escalation_entries(referral)) == 1

    sign_in(client, mash["social_care"].email)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Escalated: Return home interview overdue" in page and "2 hours" in page


def test_an_interview_only_offered_is_still_escalated(app, clock, client, mash):
    referral = found_child(clock, mash)
    episode = episode_of(referral)
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{referral.id}/missing-episodes/{episode.id}/interview"
    assert client.post(url, data={"status": "offered", "on": ["17", "6", "2026"]}).status_code == 302
    db.session.refresh(episode)
    assert episode.interview_status is InterviewStatus.OFFERED and episode.interview_timer_at == DUE
    clock.set(DUE + timedelta(minutes=30))
    assert "1 return home interviews escalated" in run_timers(app)
    (entry,) = escalation_entries(referral)
    assert entry.answers["owner"] == "Social care (offered, not yet held)"


def test_an_interview_held_in_time_stops_the_clock(app, clock, client, mash):
    referral = found_child(clock, mash)
    episode = episode_of(referral)
    clock.set(datetime(2026, 6, 18, 10, 0, tzinfo=UTC))
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{referral.id}/missing-episodes/{episode.id}/interview"
    done = client.post(
        url, data={"status": "done", "on": ["18", "6", "2026"], "findings": "Stayed with a friend."}
    )
    assert done.status_code == 302
    db.session.refresh(episode)
    assert episode.interview_timer_at is None
    clock.set(DUE + timedelta(days=1))
    assert "0 return home interviews escalated" in run_timers(app)
    assert escalation_entries(referral) == []
    assert db.session.scalar(select(func.count(Alert.id)).where(Alert.kind == AlertKind.ESCALATION)) == 0


def test_a_child_still_missing_has_no_clock(app, clock, mash):
    clock.set(FOUND)
    referral = services.create_referral(mash["police"], missing_notification(found_at=None, found_where=None))
    db.session.commit()
    assert episode_of(referral).interview_timer_at is None
    clock.set(FOUND + timedelta(days=10))
    assert "0 return home interviews escalated" in run_timers(app)
