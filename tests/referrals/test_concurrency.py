"""Two people complete the same task at the same moment: exactly one wins.

Runs with real commits on separate connections. On PostgreSQL the referral
row lock (SELECT ... FOR UPDATE) makes the second wait and then see the new
version; on SQLite the writer lock taken at BEGIN does the same job.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AgencyKind, Referral, RoleName, StepRecord
from app.referrals import services
from tests.referrals import steps

pytestmark = pytest.mark.committing


def test_two_concurrent_completions_of_one_task(app, committed_db, make_agency, make_user):
    social = make_agency(
        name="Race Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, area="Raceshire"
    )
    police = make_agency(name="Race Police", kind=AgencyKind.POLICE, area="Raceshire")
    officer = make_user(RoleName.POLICE, agency=police)
    workers = [make_user(RoleName.SOCIAL_CARE, agency=social) for _ in range(2)]
    referral = services.create_referral(officer, steps.notification())
    db.session.commit()
    referral_id, version = referral.id, referral.version
    task_id = referral.ready_tasks[0].task_id
    worker_ids = [w.id for w in workers]
    db.session.remove()

    barrier = threading.Barrier(2)
    results: list[str] = []

    def attempt(user_id: int, rag: str) -> None:
        with app.app_context():
            from app.models import User

            barrier.wait(timeout=10)
            try:
                user = db.session.get(User, user_id)
                locked = services.lock_referral(referral_id)
                services.complete_task(user, locked, task_id, version, steps.triage(rag))
                db.session.commit()
                results.append("saved")
            except services.StaleSubmission as error:
                db.session.rollback()
                results.append(str(error))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=attempt, args=(uid, rag))
        for uid, rag in zip(worker_ids, ["red", "green"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results, key=len) == ["saved", services.STALE_MESSAGE]
    referral = db.session.get(Referral, referral_id)
    assert referral.version == version + 1
    triage_records = db.session.scalar(
        select(func.count(StepRecord.id)).where(
            StepRecord.referral_id == referral_id, StepRecord.step == "triage"
        )
    )
    assert triage_records == 1
    assert {t.step for t in referral.ready_tasks} == {
        "police_research",
        "health_research",
        "social_care_research",
    }
    # The workflow state and the records agree: the saved RAG is the winner's.
    winner_rag = next(s.answers["rag"] for s in referral.steps if s.step == "triage")
    assert referral.rag == winner_rag


def test_two_concurrent_changes_to_one_case_both_reach_its_audit_facts(
    app, committed_db, make_agency, make_user
):
    """Neither writer locks the referral itself: writing the audit facts does, so the second
    writer works them out after the first has committed and neither change is lost."""
    from datetime import timedelta

    from app.audit.facts import rebuild_all
    from app.domain.clock import utcnow
    from app.models import AuditFacts, Child, Notification

    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the second waits at its first write")
    police = make_agency(name="Race Police", kind=AgencyKind.POLICE, area="Raceshire")
    officer = make_user(RoleName.POLICE, agency=police)
    referral = services.create_referral(officer, steps.notification())
    db.session.commit()
    referral_id = referral.id
    db.session.remove()

    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(write) -> None:
        with app.app_context():
            try:
                write()
                db.session.flush()  # each holds its own change, not yet committed
                barrier.wait(timeout=10)
                db.session.commit()
            except BaseException as error:  # reported below, on the test's thread
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    def child_not_spoken_to() -> None:
        child = db.session.scalar(select(Child).where(Child.referral_id == referral_id))
        child.spoken_to, child.not_spoken_to_reason = False, "Asleep when officers attended"

    def police_protection_used() -> None:
        notification = db.session.scalar(select(Notification).where(Notification.referral_id == referral_id))
        notification.pp_started_at = utcnow() - timedelta(days=4)

    threads = [
        threading.Thread(target=change, args=(w,)) for w in (child_not_spoken_to, police_protection_used)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    facts = db.session.get(AuditFacts, referral_id)
    assert facts.not_heard_owners != 0 and facts.pp_started_at is not None
    kept = db.session.execute(select(AuditFacts.__table__)).all()
    rebuild_all()
    assert db.session.execute(select(AuditFacts.__table__)).all() == kept
    db.session.rollback()


def test_police_and_health_research_at_the_same_moment_both_save(app, committed_db, make_agency, make_user):
    """Both pages were loaded at the same version; each refusal would lose a partner's work."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; tests/referrals/test_parallel_tasks.py covers it")
    social = make_agency(
        name="Race Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, area="Raceshire"
    )
    police = make_agency(name="Race Police", kind=AgencyKind.POLICE, area="Raceshire")
    health = make_agency(name="Race Health", kind=AgencyKind.HEALTH, area="Raceshire")
    officer = make_user(RoleName.POLICE, agency=police)
    nurse = make_user(RoleName.HEALTH, agency=health)
    worker = make_user(RoleName.SOCIAL_CARE, agency=social)
    referral = services.create_referral(officer, steps.notification())
    db.session.flush()
    services.complete_task(
        worker, referral, referral.ready_tasks[0].task_id, referral.version, steps.triage()
    )
    db.session.commit()
    referral_id = referral.id
    tasks = {t.step: (t.task_id, services.version_token(referral, t)) for t in referral.ready_tasks}
    people = {"police_research": officer.id, "health_research": nurse.id}
    db.session.remove()

    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def research(step: str) -> None:
        from app.models import User

        with app.app_context():
            task_id, token = tasks[step]
            try:
                user = db.session.get(User, people[step])
                barrier.wait(timeout=10)
                locked = services.lock_referral(referral_id)
                services.complete_task(user, locked, task_id, token, steps.research())
                db.session.commit()
                results[step] = "saved"
            except Exception as error:  # reported below
                db.session.rollback()
                results[step] = repr(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=research, args=(step,)) for step in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results == {"police_research": "saved", "health_research": "saved"}
    referral = db.session.get(Referral, referral_id)
    assert {s.step for s in referral.steps} >= {"police_research", "health_research"}
    assert {t.step for t in referral.ready_tasks} == {"social_care_research"}
    db.session.rollback()
