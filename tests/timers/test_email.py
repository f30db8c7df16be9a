"""Acceptance 4: with SMTP configured, an escalation is emailed; the email holds no child's name."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import select

from app.extensions import db
from app.models import Alert, AlertKind
from tests.referrals import steps
from tests.timers.test_escalations import at_the_decision, run_timers


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on a free local port, and the app configured to use it."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (the controller checks it is listening, so not 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "SERVICE_URL", "https://front-door.example")
    yield inbox
    controller.stop()


def test_an_escalation_is_emailed_with_only_the_reference_and_a_link(
    app, friday, start_journey, smtp_server, mash
):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    output = run_timers(app)
    assert "1 emails sent" in output
    (message,) = smtp_server.messages
    referral = journey.referral
    db.session.refresh(referral)
    task = next(t for t in referral.ready_tasks if t.step == "escalate_threshold_decision")
    assert message["To"] == mash["manager"].email
    assert message["Subject"] == f"Escalation on referral {referral.reference}"
    body = message.get_payload(decode=True).decode()
    assert f"https://front-door.example/referrals/{referral.id}/tasks/{task.task_id}" in body
    whole = message.as_string()
    child = steps.child()
    for private in (
        child["full_name"],
        "Alex",
        "Fictional",
        child["address"],
        child["school"],
        "Verbal argument",
    ):
        assert private not in whole
    alert = db.session.scalar(select(Alert).where(Alert.kind == AlertKind.ESCALATION))
    assert alert.emailed_at is not None and alert.email_pending is False
    # Sent once: the next pass sends nothing more.
    assert "0 emails sent" in run_timers(app)
    assert len(smtp_server.messages) == 1


def test_new_task_alerts_are_in_app_only(app, friday, start_journey, smtp_server):
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    assert db.session.scalar(select(Alert).where(Alert.kind == AlertKind.NEW_TASK)) is not None
    run_timers(app)
    assert smtp_server.messages == []


def test_a_task_due_within_the_hour_is_alerted_and_emailed_to_whoever_has_it(
    app, friday, start_journey, smtp_server, mash
):
    journey = start_journey()
    journey.do("triage", steps.triage("red"))  # research due 19:00
    task = next(t for t in journey.referral.ready_tasks if t.step == "police_research")
    task.assigned_to = mash["police"]
    db.session.commit()
    friday.advance(hours=3, minutes=30)  # 18:30
    # The three research tasks: police research to the officer who has it, the others to their lanes.
    assert "3 due-soon alerts" in run_timers(app)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        mash[who].email for who in ("police", "health", "social_care")
    )
    assert all("due within the hour" in m["Subject"] for m in smtp_server.messages)
    assert "0 due-soon alerts" in run_timers(app)  # once per task
    friday.advance(hours=1)
    assert "0 due-soon alerts" in run_timers(app)  # and not once it is late


def test_without_smtp_nothing_waits_to_be_emailed(app, friday, start_journey):
    journey = at_the_decision(start_journey)
    friday.advance(hours=5)
    run_timers(app)
    assert db.session.scalar(select(Alert.id).where(Alert.referral_id == journey.referral.id)) is not None
    assert db.session.scalar(select(Alert.id).where(Alert.email_pending.is_(True))) is None
