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
from app.audit.gaps.owners import OWNER_LABELS
from app.audit.gaps.queries import chunks
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Child
from app.models.audit_facts import AuditFacts

__all__ = [
    "GAPS",
    "GAPS_BY_SLUG",
    "OWNER_LABELS",
    "FactsColumn",
    "Gap",
    "GapRow",
    "attach_children",
    "case_ids",
    "register",
    "rows_for",
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
