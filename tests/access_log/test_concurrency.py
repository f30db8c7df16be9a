"""Several workers write to the access log while the sealer runs: nothing is skipped.

On PostgreSQL, ids are drawn when each INSERT runs but the transactions commit
in any order; the sealer must never seal past an id that is still to commit.
"""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import func, select

from app import access_log
from app.extensions import db
from app.models import AuditChainLink, AuditEvent, User, record_audit_event
from app.transaction import transaction

pytestmark = pytest.mark.committing

WRITERS = 4
ENTRIES_EACH = 25


def test_entries_committed_out_of_id_order_are_all_sealed_in_order(app, committed_db, make_user):
    user_id = make_user().id
    db.session.remove()
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        pause = random.Random(seed)
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                for n in range(ENTRIES_EACH):
                    record_audit_event(user, "viewed", f"referral:{n}", page="referral")
                    db.session.flush()  # the id is drawn now...
                    time.sleep(pause.uniform(0, 0.01))  # ...and committed later, after others' maybe
                    db.session.commit()
            except BaseException as error:  # reported on the test's thread
                errors.append(error)
            finally:
                db.session.remove()

    def sealer() -> None:
        with app.app_context():
            try:
                while writing.is_set():
                    with transaction():
                        horizon = access_log.settled_id()
                    with transaction():
                        access_log.seal(horizon)
                    time.sleep(0.002)
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    sealing = threading.Thread(target=sealer)
    sealing.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    writing.clear()
    sealing.join(timeout=60)
    assert errors == []

    with transaction():
        access_log.seal()
    verdict = access_log.verify()
    assert verdict.ok, (verdict.broken_id, verdict.problem)
    assert verdict.checked == WRITERS * ENTRIES_EACH and verdict.waiting == 0
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    links = db.session.scalars(select(AuditChainLink.event_id).order_by(AuditChainLink.event_id)).all()
    assert ids == links and db.session.scalar(select(func.count(AuditChainLink.event_id))) == len(ids)
    db.session.rollback()
