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
