"""What the home page counts beyond the user's own lanes: a MASH manager sees the whole front door's work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import ReadyTask, Referral, User
from app.permissions import lanes_for

#: The lane whose people answer for everyone's late work.
MANAGER_LANE = "Manager"


def oversees_the_mash(user: User) -> bool:
    return MANAGER_LANE in lanes_for(user)


def mash_work(user: User, now: datetime) -> dict[str, int]:
    """Tasks waiting in every lane on the referrals the user's agency takes part in, how many are
    overdue, and how many are escalations raised by a timer (tasks whose step is ``escalate_...``)."""
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(ReadyTask.due_at < now),
            func.count().filter(ReadyTask.step.like("escalate\\_%", escape="\\")),
        ).where(Referral.seen_by(user, ReadyTask.referral_id))
    ).one()
    return {"waiting": row[0], "overdue": row[1], "escalations": row[2]}
