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


def count(query: Select) -> int:
    """How many rows `query` returns, counted by the database."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def paged(
    query: Select, number: int, *, options: Sequence = (), scalars: bool = True, size: int = PAGE_SIZE
) -> Page:
    """Page `number` of `query` (which must have a total order), counted in SQL.

    `options` (eager loads) apply to the page's rows, not to the count."""
    total = count(query)
    number = min(max(number, 1), max(1, -(-total // size)))
    rows = query.options(*options).limit(size).offset((number - 1) * size)
    result = db.session.execute(rows)
    items = result.unique().scalars().all() if scalars else result.all()
    return Page(items, number, total, size)
