"""Lists shown a page at a time, paged by the database: LIMIT/OFFSET, with the count in SQL.

Every list page shows PAGE_SIZE rows and the shared GOV.UK pagination
(app/templates/_pagination.html). A page number past the end shows the last
page, and one that is not a whole number the first: a page link never errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db
from app.urls import database_id

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    number: int
    total: int
    size: int = PAGE_SIZE
    #: The count stopped early (see `paged`): there are more than `total - 1` rows.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.number * self.size, self.total)


def requested_page(args) -> int:
    """The page number a query string asks for (``?page=3``), 1 if none or nonsense."""
    return max(args.get("page", 1, type=database_id) or 1, 1)


def count(query: Select, up_to: int | None = None) -> int:
    """How many rows `query` returns, counted by the database; no more than `up_to` if given.
    Counting up to a limit keeps the query's order, so the database reads rows the way the
    list does (from the list's index) and stops at the limit."""
    query = query.order_by(None) if up_to is None else query.limit(up_to)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def paged(
    query: Select,
    number: int,
    *,
    options: Sequence = (),
    scalars: bool = True,
    size: int = PAGE_SIZE,
    count_ahead: int | None = None,
) -> Page:
    """Page `number` of `query` (which must have a total order), counted in SQL.

    `options` (eager loads) apply to the page's rows, not to the count. With `count_ahead`,
    the count stops that many rows past the page, so a list that may hold hundreds of thousands
    of rows costs the same to show at any size; the page then says "more than" the number."""
    number = max(number, 1)
    limit = None if count_ahead is None else number * size + count_ahead + 1
    total = count(query, limit)
    more = limit is not None and total >= limit
    number = min(number, max(1, -(-total // size)))
    rows = query.options(*options).limit(size).offset((number - 1) * size)
    result = db.session.execute(rows)
    items = result.unique().scalars().all() if scalars else result.all()
    return Page(items, number, total, size, more)
