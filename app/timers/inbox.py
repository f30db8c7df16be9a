"""The task inbox's filters: RAG rating, lane, overdue, not picked up, mine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from app.extensions import db
from app.models import ReadyTask, Referral, User
from app.permissions import lanes_for
from app.referrals import services

RAGS = ("red", "amber", "green")


@dataclass(frozen=True)
class InboxFilters:
    rag: str | None = None
    lane: str | None = None
    overdue: bool = False
    unassigned: bool = False
    mine: bool = False

    @classmethod
    def from_args(cls, args, user: User) -> InboxFilters:
        """Unknown values are ignored rather than refused: a filter link should never error."""
        rag = args.get("rag")
        lane = args.get("lane")
        return cls(
            rag=rag if rag in RAGS else None,
            lane=lane if lane in lanes_for(user) else None,
            overdue=args.get("overdue") == "1",
            unassigned=args.get("unassigned") == "1",
            mine=args.get("mine") == "1",
        )

    @property
    def any(self) -> bool:
        return bool(self.rag or self.lane or self.overdue or self.unassigned or self.mine)


def inbox(user: User, filters: InboxFilters, now: datetime) -> Select:
    """The user's ready tasks, overdue first and then by due time (``ready_tasks_for``), filtered."""
    query = services.ready_tasks_for(user)
    if filters.rag:
        query = query.where(Referral.rag == filters.rag)
    if filters.lane:
        query = query.where(ReadyTask.lane == filters.lane)
    if filters.overdue:
        query = query.where(ReadyTask.due_at < now)
    if filters.unassigned:
        query = query.where(ReadyTask.assigned_to_id.is_(None))
    if filters.mine:
        query = query.where(ReadyTask.assigned_to_id == user.id)
    return query


def counts(user: User, now: datetime) -> dict[str, int]:
    """For the home page: the user's waiting work, how much is overdue, and how much is theirs."""
    base = services.ready_tasks_for(user).order_by(None).subquery()
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(base.c.due_at < now),
            func.count().filter(base.c.assigned_to_id == user.id),
            func.count().filter(base.c.step.like("escalate\\_%", escape="\\")),
        ).select_from(base)
    ).one()
    return {"waiting": row[0], "overdue": row[1], "mine": row[2], "escalations": row[3]}
