"""The demo cases: loaded through the real services, after case studies 2, 5 and 6, and only once;
and backlog entries whose clocks have run out, escalated by the timers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
from sqlalchemy import func, select

from app.audit.gaps import rows_for
from app.audit.scope import AuditScope
from app.domain.clock import utcnow
from app.extensions import db
from app.models import (
    Child,
    Escalation,
    IncidentType,
    Notification,
    ReadyTask,
    Referral,
    ReferralStatus,
    StepRecord,
    User,
)
from app.sample_data.demo import DEMO_PASSWORD, _demo_cases, load_demo_data
from tests.conftest import sign_in


def _case(incident: IncidentType) -> Referral:
    return db.session.scalar(
        select(Referral).join(Notification).where(Notification.incident_type == incident)
    )


def test_case_study_6_is_closed_with_no_further_action_and_on_list_8():
    load_demo_data()
    custody = _case(IncidentType.CHILD_IN_CUSTODY)
    n = custody.notification
    assert custody.status is ReferralStatus.CLOSED and custody.outcome == "nfa"
    assert [s.step for s in custody.steps] == [
        "notification_received",
        "triage",
        "police_research",
        "health_research",
        "social_care_research",
        "threshold_decision",
        "resolve_disagreement",
        "record_outcome",
    ]
    assert (n.custody_aa_arrived_at - n.custody_aa_requested_at).total_seconds() == 7 * 3600
    assert n.custody_healthcare_assessed is False
    assert n.custody_accommodation_refused and n.custody_refusal_escalated is False
    assert custody.children[0].age_on(n.occurred_at.date()) == 15
    listed = rows_for("children-in-custody", AuditScope.everything())
    assert custody.id in {row.referral_id for row in listed}


def test_case_study_5_has_police_protection_with_no_time_rescinded():
    load_demo_data()
    protection = _case(IncidentType.POLICE_PROTECTION)
    n = protection.notification
    assert n.pp_started_at is not None and n.pp_rescinded_at is None
    assert protection.children[0].age_on(n.occurred_at.date()) == 2
    assert protection.strategy_discussion is not None and protection.plan is None
    # The s47 assessment runs beside the plan; police protection started more than 72 hours
    # before it was received, so its timer raised the police review at once.
    assert {t.step for t in protection.ready_tasks} == {
        "protective_plan",
        "assessment_outcome",
        "police_protection_review",
    }
    listed = rows_for("police-protection", AuditScope.everything())
    assert protection.id in {row.referral_id for row in listed}


def test_loading_again_creates_nothing_and_repeats_no_step():
    first = load_demo_data()
    assert first["referrals"] == 6
    steps = db.session.scalar(select(func.count(StepRecord.id)))
    again = load_demo_data()
    assert again == {"agencies": 0, "users": 0, "referrals": 0}
    assert db.session.scalar(select(func.count(Referral.id))) == 6
    assert db.session.scalar(select(func.count(StepRecord.id))) == steps


def test_a_database_loaded_before_the_journeys_existed_is_brought_up_to_date(monkeypatch):
    from app.sample_data import demo

    cases = _demo_cases()
    # As the earlier demo left it: the school contact and the custody notification, both waiting for triage.
    monkeypatch.setattr(demo, "_demo_cases", lambda: [(email, case, []) for email, case, _ in cases[:2]])
    assert load_demo_data()["referrals"] == 2
    assert {t.step for t in _case(IncidentType.CHILD_IN_CUSTODY).ready_tasks} == {"triage"}
    monkeypatch.undo()
    assert load_demo_data()["referrals"] == 4  # case study 5 and the overdue backlog entries
    assert _case(IncidentType.CHILD_IN_CUSTODY).status is ReferralStatus.CLOSED
    assert db.session.scalar(select(func.count(Referral.id))) == 6


def _count(page: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', page)
    assert found, f"no {name} count on the page"
    return int(found.group(1))


def test_the_overdue_demo_cases_are_escalated_and_the_managers_home_page_counts_them(app, client, clock):
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "6 referrals created" in result.output and "Timers:" in result.output

    overdue = db.session.scalars(
        select(Referral).join(Child).where(Child.full_name.in_(["Demo Overdue-Seven", "Demo Overdue-Eight"]))
    ).all()
    assert len(overdue) == 2
    now = utcnow()
    for referral in overdue:
        assert referral.received_at < referral.created_at  # backlog entries: received before entered
        steps = {t.step: t for t in referral.ready_tasks}
        assert steps["threshold_decision"].due_at < now
        assert steps["escalate_threshold_decision"].lane == "Manager"
        escalation = db.session.scalar(select(Escalation).where(Escalation.referral_id == referral.id))
        assert escalation.late_step == "threshold_decision" and escalation.resolved_at is None
    red = next(r for r in overdue if r.rag == "red")
    assert red.notification.backlog_in_words == "3 hours"

    escalations = db.session.scalar(
        select(func.count(ReadyTask.id)).where(ReadyTask.step.like("escalate\\_%", escape="\\"))
    )
    late = db.session.scalar(select(func.count(ReadyTask.id)).where(ReadyTask.due_at < now))
    waiting = db.session.scalar(select(func.count(ReadyTask.id)))
    assert escalations == 2
    assert late >= 4  # the two decisions, the untouched triage, and the police protection review

    manager = User.by_email("manager@northshire.example")
    manager.totp_secret, manager.totp_enabled_at = (
        pyotp.random_base32(),
        utcnow(),
    )  # as set up at first sign-in
    db.session.commit()
    sign_in(client, manager.email, DEMO_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert _count(page, "escalations") == escalations
    assert _count(page, "mash-escalations") == escalations
    assert _count(page, "mash-overdue") == late
    assert _count(page, "mash-waiting") == waiting
    inbox = client.get("/tasks").get_data(as_text=True)
    assert inbox.count("Escalation: threshold decision overdue") >= escalations

    # Loading again raises nothing twice.
    raised = db.session.scalar(select(func.count(Escalation.id)))
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "0 referrals created" in again.output
    assert db.session.scalar(select(func.count(Escalation.id))) == raised
    assert _count(client.get("/").get_data(as_text=True), "escalations") == escalations


def test_the_demo_school_sees_only_the_referral_it_is_invited_to_and_not_its_research(client):
    load_demo_data()
    load_demo_data()  # loading again does not invite it twice
    db.session.commit()
    school = User.by_email("school@northshire.example")
    sign_in(client, school.email, DEMO_PASSWORD)
    listed = client.get("/referrals").get_data(as_text=True)
    invited = db.session.scalar(select(Referral).join(Child).where(Child.full_name == "Demo Child-One"))
    others = db.session.scalars(select(Referral).where(Referral.id != invited.id)).all()
    assert invited.reference in listed
    assert others and not [r.reference for r in others if r.reference in listed]
    record = client.get(f"/referrals/{invited.id}").get_data(as_text=True)
    assert "Invited to the strategy discussion" in record
    assert client.get(f"/referrals/{others[0].id}").status_code == 403
    invitations = db.session.scalar(
        select(func.count()).select_from(StepRecord).where(StepRecord.step == "agency_invited")
    )
    assert invitations == 1
