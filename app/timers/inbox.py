"""The task inbox's filters: RAG rating, lane, overdue, not picked up, mine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from app.extensions import db
from app.models import Child, ReadyTask, Referral, User
from app.paging import Page, paged
from app.permissions import lanes_for
from app.referrals import services

RAGS = ("red", "amber", "green")
#: How far past the page the inbox counts its tasks ("more than 1,050 tasks").
INBOX_COUNT_AHEAD = 1_000


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

    def as_args(self) -> dict[str, str]:
        """The filters as a query string, for page links."""
        args = {"rag": self.rag, "lane": self.lane}
        args |= {name: "1" for name in ("overdue", "unassigned", "mine") if getattr(self, name)}
        return {name: value for name, value in args.items() if value}


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


# What one row of the inbox shows, loaded with the page: the referral's reference and
# RAG (not its workflow state), its children's names and who picked the task up.
ROW_LOADS = (
    contains_eager(ReadyTask.referral)
    .load_only(Referral.id, Referral.reference, Referral.rag)
    .options(
        lazyload(Referral.spec_version),
        lazyload(Referral.agencies),
        lazyload(Referral.notification),
        selectinload(Referral.children).load_only(Child.id, Child.referral_id, Child.full_name),
    ),
    joinedload(ReadyTask.assigned_to)
    .load_only(User.id, User.full_name)
    .options(lazyload(User.agency), lazyload(User.roles)),
)


def inbox_page(user: User, filters: InboxFilters, now: datetime, number: int) -> Page:
    """One page of the inbox, in the inbox's order: three statements (the count, the page, the
    children's names) whatever the number of tasks. The count stops 1,000 tasks past the page."""
    return paged(inbox(user, filters, now), number, options=ROW_LOADS, count_ahead=INBOX_COUNT_AHEAD)


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
