"""The demo cases: loaded through the real services, after case studies 2, 5 and 6, and only once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit.gaps import rows_for
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import IncidentType, Notification, Referral, ReferralStatus, StepRecord
from app.sample_data.demo import _demo_cases, load_demo_data


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
    assert first["referrals"] == 3
    steps = db.session.scalar(select(func.count(StepRecord.id)))
    again = load_demo_data()
    assert again == {"agencies": 0, "users": 0, "referrals": 0}
    assert db.session.scalar(select(func.count(Referral.id))) == 3
    assert db.session.scalar(select(func.count(StepRecord.id))) == steps


def test_a_database_loaded_before_the_journeys_existed_is_brought_up_to_date(monkeypatch):
    from app.sample_data import demo

    cases = _demo_cases()
    # As the earlier demo left it: the school contact and the custody notification, both waiting for triage.
    monkeypatch.setattr(demo, "_demo_cases", lambda: [(email, case, []) for email, case, _ in cases[:2]])
    assert load_demo_data()["referrals"] == 2
    assert {t.step for t in _case(IncidentType.CHILD_IN_CUSTODY).ready_tasks} == {"triage"}
    monkeypatch.undo()
    assert load_demo_data()["referrals"] == 1  # case study 5
    assert _case(IncidentType.CHILD_IN_CUSTODY).status is ReferralStatus.CLOSED
    assert db.session.scalar(select(func.count(Referral.id))) == 3
