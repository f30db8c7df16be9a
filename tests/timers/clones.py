"""Many referrals waiting at the same step, fast: one made through the services, the rest copied in SQL.

Copies keep the original's workflow state (task ids are unique only within a
referral), ready tasks, notification, children and agencies, with a new id
and reference, so each is a referral the timer worker can fire on its own.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from app.extensions import db
from app.models import Child, Notification, ReadyTask, Referral
from app.models.referrals import referral_agencies


def _copy(table, where, overrides: dict):
    columns = [c for c in table.columns if c.name not in overrides and c.name != "id"]
    rows = db.session.execute(select(*columns).where(where)).mappings().all()
    return [{**dict(row), **overrides} for row in rows]


def clone(referral: Referral, count: int) -> list[int]:
    """``count`` copies of ``referral``; returns their ids. Flushes, does not commit."""
    db.session.flush()
    first = (db.session.scalar(select(Referral.id).order_by(Referral.id.desc()).limit(1)) or 0) + 1
    ids = list(range(first, first + count))
    referrals, tasks, notifications, children, agencies = [], [], [], [], []
    for n, new_id in enumerate(ids):
        reference = f"FD-CL-{new_id:06d}"[:20]
        referrals += [
            {**row, "id": new_id}
            for row in _copy(Referral.__table__, Referral.id == referral.id, {"reference": reference})
        ]
        tasks += _copy(ReadyTask.__table__, ReadyTask.referral_id == referral.id, {"referral_id": new_id})
        notifications += _copy(
            Notification.__table__, Notification.referral_id == referral.id, {"referral_id": new_id}
        )
        children += _copy(Child.__table__, Child.referral_id == referral.id, {"referral_id": new_id})
        agencies += [
            {"referral_id": new_id, "agency_id": row.agency_id}
            for row in db.session.execute(
                select(referral_agencies.c.agency_id).where(referral_agencies.c.referral_id == referral.id)
            )
        ]
        del n
    db.session.execute(insert(Referral.__table__), referrals)
    db.session.execute(insert(ReadyTask.__table__), tasks)
    db.session.execute(insert(Notification.__table__), notifications)
    db.session.execute(insert(Child.__table__), children)
    db.session.execute(insert(referral_agencies), agencies)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            db.text(
                "SELECT setval(pg_get_serial_sequence('referrals', 'id'), (SELECT max(id) FROM referrals))"
            )
        )
    return ids
