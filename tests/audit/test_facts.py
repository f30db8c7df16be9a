"""The audit facts behind the dashboard: kept up to date in the transaction of every change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import facts
from app.audit.dashboard import build_dashboard
from app.audit.facts import refresh
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import ActionStatus, AgencyKind, AuditFacts, Child, PlanAction, RoleName
from app.referrals import services
from tests.referrals import steps


def counted(slug: str, now: datetime | None = None) -> int:
    dashboard = build_dashboard(AuditScope.everything(now or datetime.now(UTC)))
    return next(f.cases for f in dashboard.gaps if f.gap.slug == slug)


def owners_counted(slug: str) -> dict[str, int]:
    dashboard = build_dashboard(AuditScope.everything())
    return next(f.by_owner for f in dashboard.gaps if f.gap.slug == slug)


def test_a_case_leaves_the_dashboard_the_moment_its_plan_is_in_force(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    assert counted("s47-no-strategy-discussion") == 1
    journey.do("strategy_discussion", steps.strategy())
    assert counted("s47-no-strategy-discussion") == 0
    journey.do("protective_plan", steps.plan())
    assert owners_counted("strategy-discussion-no-plan") == {
        "social_care": 0,
        "police": 1,
        "health": 1,
        "manager": 0,
    }
    journey.do("police_confirm_plan", steps.confirm())
    assert owners_counted("strategy-discussion-no-plan")["police"] == 0
    journey.do("health_confirm_plan", steps.confirm())
    assert counted("strategy-discussion-no-plan") == 0


def test_the_facts_follow_a_change_to_an_action_alone(start_journey, clock):
    clock.set(datetime(2026, 11, 23, 10, tzinfo=UTC), tick=True)  # the Monday before
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    plan = steps.plan()
    plan["actions"][0]["due_date"] = date(2026, 11, 27)  # a Friday
    journey.do("protective_plan", plan)
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    monday = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert counted("overdue-actions", datetime(2026, 11, 29, 12, tzinfo=UTC)) == 0
    assert counted("overdue-actions", monday) == 1

    # Only the action changes: nothing else of the referral is written.
    action = db.session.get(PlanAction, journey.referral.plan.actions[0].id)
    action.status = ActionStatus.DONE
    db.session.commit()
    facts = db.session.get(AuditFacts, journey.referral.id)
    db.session.refresh(facts)
    assert facts.action_due_social_care is None
    assert counted("overdue-actions", monday) == 0


def test_the_notifier_moving_agency_moves_the_child_not_heard_case(start_journey, make_agency):
    quiet = steps.child("Sam Fictional", spoken_to=False, not_spoken_to_reason="Asleep")
    journey = start_journey(children=[quiet])
    assert owners_counted("child-not-heard")["police"] == 1
    police = journey.users["police"]
    police.agency = make_agency(name="Testshire Health Visitors", kind="health", area="Testshire")
    db.session.commit()
    assert owners_counted("child-not-heard") == {"social_care": 0, "police": 0, "health": 1, "manager": 0}


def test_refreshing_again_changes_nothing(start_journey):
    journey = start_journey()
    referral_id = journey.referral.id
    before = db.session.execute(select(AuditFacts.__table__)).all()
    refresh([referral_id, referral_id])
    assert db.session.execute(select(AuditFacts.__table__)).all() == before
    assert len(before) == 1 and before[0].referral_id == referral_id


def test_a_step_commits_its_facts_in_one_more_statement(start_journey, mash):
    """The commit of a completed task writes the case's facts with one upsert: no second lock, no lookups."""
    from sqlalchemy import event

    from app.referrals import services

    journey = start_journey()
    journey.do("triage", steps.triage())
    referral_id, actor = journey.referral.id, mash["police"]
    task_id = journey.ready()["police_research"]
    db.session.expire_all()
    referral = services.lock_referral(referral_id)
    services.complete_task(actor, referral, task_id, referral.version, steps.research())
    db.session.flush()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):
            statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 1, "\n".join(statements)
    assert statements[0].startswith("INSERT INTO audit_facts") and "ON CONFLICT" in statements[0]
    assert db.session.get(AuditFacts, referral_id) is not None


@pytest.mark.committing
def test_the_apps_own_session_writes_the_facts_when_it_commits(app, committed_db, make_agency, make_user):
    """The hooks are set up by create_app on db.session (not on every SQLAlchemy session)."""
    police = make_agency(name="Hook Police", kind=AgencyKind.POLICE, area="Hookshire")
    officer = make_user(RoleName.POLICE, agency=police)
    referral = services.create_referral(officer, steps.notification())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditFacts, referral.id) is not None


def test_a_session_that_is_not_the_apps_does_not_note_changes(start_journey):
    journey = start_journey()
    other = Session(bind=db.session.connection(), join_transaction_mode="create_savepoint")
    try:
        child = other.get(Child, journey.referral.children[0].id)
        child.not_spoken_to_reason = "Asleep"
        other.flush()
        assert facts.PENDING not in other.info
    finally:
        other.close()  # rolls its savepoint back: the case is as it was
