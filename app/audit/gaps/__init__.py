"""The gaps of the managers' audit, as defined in docs/audit-rules.md: one module per gap.

Each gap module (say `police_protection.py`) is the one home of its rule:

- `query(scope, brief=False)`: the list, read from the records themselves. Each row
  is one thing found (a case, a strategy discussion, an overdue action...); counts
  are of cases. Nothing is cached: a case leaves a list as soon as what the rule
  looks for is recorded.
- `facts`: the columns it keeps in `audit_facts`, one narrow row per referral, and
  `owner_bits`: how the dashboard counts the gap's cases and owners from them.
- the checks the case audit page flags on one loaded case.

A module of this package that has a `GAP` is a gap: it is registered here, in the
order of its number, and its facts columns are added to the AuditFacts model.
"""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import select
from sqlalchemy.orm import mapped_column

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import OWNER_BITS, OWNER_LABELS
from app.audit.gaps.queries import chunks
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Child
from app.models.audit_facts import AuditFacts
from app.paging import PAGE_SIZE, Page, count, paged

__all__ = [
    "GAPS",
    "GAPS_BY_SLUG",
    "OWNER_LABELS",
    "FactsColumn",
    "Gap",
    "GapRow",
    "attach_children",
    "case_ids",
    "cases_in_gap",
    "count_cases",
    "page_of_rows",
    "register",
    "rows_for",
    "rows_in_chunks",
]

GAPS: list[Gap] = []
GAPS_BY_SLUG: dict[str, Gap] = {}


def register(gap: Gap) -> Gap:
    """Add a gap to the audit, and its facts columns to the AuditFacts model."""
    if gap.slug in GAPS_BY_SLUG or any(g.number == gap.number for g in GAPS):
        raise ValueError(f"a gap numbered {gap.number} or with the slug {gap.slug!r} is already registered")
    for column in gap.facts:
        if column.name in AuditFacts.__table__.c:
            raise ValueError(f"gap {gap.slug!r}: audit_facts already has a column {column.name!r}")
    for column in gap.facts:
        setattr(AuditFacts, column.name, mapped_column(column.type, nullable=column.nullable))
    GAPS.append(gap)
    GAPS.sort(key=lambda g: g.number)
    GAPS_BY_SLUG[gap.slug] = gap
    return gap


def _gaps_in_this_package() -> list[Gap]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        gap = getattr(importlib.import_module(f"{__name__}.{module.name}"), "GAP", None)
        if gap is not None:
            found.append(gap)
    return sorted(found, key=lambda g: g.number)


for _gap in _gaps_in_this_package():
    register(_gap)


def rows_for(slug: str, scope: AuditScope, owner: str | None = None) -> list[GapRow]:
    rows = GAPS_BY_SLUG[slug].query(scope)
    if owner:
        rows = [row for row in rows if owner in row.owners]
    rows.sort(key=lambda row: (-row.sort_key, row.reference))
    return rows


# ---------------------------------------------------------------- a list, a page at a time
# A list is paged by case, in SQL, from the audit facts (what the dashboard counts, so
# the list and its count on the dashboard agree); the gap's own query then reads only
# the cases on the page. Oldest referral first; a case's rows stay together, in the
# gap's own order (the longest first).


def cases_in_gap(slug: str, scope: AuditScope, owner: str | None = None):
    """A select() of the referral ids in the gap (where `owner` owns a next step), oldest first."""
    f = AuditFacts
    bits = GAPS_BY_SLUG[slug].owner_bits(f, scope)
    in_gap = bits.op("&")(OWNER_BITS[owner]) != 0 if owner else bits != 0
    return scope.facts_in_scope(select(f.referral_id).where(in_gap)).order_by(f.received_at, f.referral_id)


def _rows_of_cases(slug: str, scope: AuditScope, owner: str | None, referral_ids: list[int]) -> list[GapRow]:
    if not referral_ids:
        return []
    position = {referral_id: i for i, referral_id in enumerate(referral_ids)}
    rows = rows_for(slug, scope.only(referral_ids), owner)
    rows.sort(key=lambda row: (position[row.referral_id], -row.sort_key, row.reference))
    attach_children(rows)
    return rows


def page_of_rows(slug: str, scope: AuditScope, owner: str | None, number: int, size: int = 0) -> Page:
    """Page `number` of the list (`size` cases a page, PAGE_SIZE if 0): its cases' rows,
    with `total` the number of cases in the gap."""
    from app.audit.facts import bring_up_to_date

    bring_up_to_date()
    cases = paged(cases_in_gap(slug, scope, owner), number, size=size or PAGE_SIZE)
    return Page(_rows_of_cases(slug, scope, owner, list(cases.items)), cases.number, cases.total, cases.size)


def count_cases(slug: str, scope: AuditScope, owner: str | None = None) -> int:
    from app.audit.facts import bring_up_to_date

    bring_up_to_date()
    return count(cases_in_gap(slug, scope, owner))


def rows_in_chunks(slug: str, scope: AuditScope, owner: str | None = None, cases_at_a_time: int = 500):
    """Every row of the list, in the list's order, reading `cases_at_a_time` cases at once (for the CSV).

    Read as the CSV streams, after the request's commit: call `count_cases` first, which
    brings the facts up to date."""
    ids = db.session.scalars(cases_in_gap(slug, scope, owner).execution_options(yield_per=cases_at_a_time))
    for chunk in ids.partitions():
        yield from _rows_of_cases(slug, scope, owner, list(chunk))


def case_ids(slug: str, scope: AuditScope) -> set[int]:
    """The referrals in a gap: what the known-answers tests compare with what was planted."""
    return {row.referral_id for row in GAPS_BY_SLUG[slug].query(scope, brief=True)}


def attach_children(rows: list[GapRow]) -> None:
    """Fill in each row's children's names, in one query per 900 cases."""
    ids = sorted({row.referral_id for row in rows})
    names: dict[int, list[str]] = {}
    for chunk in chunks(ids):
        for referral_id, name in db.session.execute(
            select(Child.referral_id, Child.full_name).where(Child.referral_id.in_(chunk)).order_by(Child.id)
        ):
            names.setdefault(referral_id, []).append(name)
    for row in rows:
        row.children = names.get(row.referral_id, [])
