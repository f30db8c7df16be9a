"""Building blocks of the gap lists and of the audit facts expressions."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, exists, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Float

from app.audit.gaps.gap import GapRow
from app.audit.scope import AuditScope
from app.models import ProtectivePlan, Referral, StrategyDiscussion


class hours_between(ColumnElement):
    """Hours from `start` to `end` (float), in each database's own date arithmetic."""

    inherit_cache = True
    type = Float()
    # Both operands are part of the statement's cache key: without them SQLAlchemy cannot cache
    # a statement using this, and compiled the facts upsert afresh on every commit.
    _traverse_internals = [
        ("end", InternalTraversal.dp_clauseelement),
        ("start", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, end, start):
        self.end = coercions.expect(roles.ExpressionElementRole, end)
        self.start = coercions.expect(roles.ExpressionElementRole, start)


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.end, **kw)}) - julianday({compiler.process(element.start, **kw)})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_postgresql(element, compiler, **kw):
    return f"(EXTRACT(EPOCH FROM ({compiler.process(element.end, **kw)} - {compiler.process(element.start, **kw)})) / 3600.0)"


# ---------------------------------------------------------------- the lists


def referral_columns(scope: AuditScope, *columns):
    """Referral columns, then `columns`, for the referrals in scope (read by `gap_row`).

    The agency's cases are joined rather than matched with IN: the planner can
    then read the referrals from the covering index ix_referrals_audit and
    check each one's agency by primary key, without touching the wide rows.
    """
    query = select(
        Referral.id, Referral.reference, Referral.received_at, Referral.local_authority_area, *columns
    ).where(*scope.conditions(include_agency=False))
    return scope.join_agency(query, Referral.id)


def gap_row(
    result, owners: Iterable[str], detail: str = "", how_long: str = "", sort_key: float = 0
) -> GapRow:
    return GapRow(
        referral_id=result[0],
        reference=result[1],
        received_at=result[2],
        area=result[3],
        owners=tuple(owners),
        detail=detail,
        how_long=how_long,
        sort_key=sort_key,
    )


def chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    """Ids in groups small enough for an IN list on every database."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# ---------------------------------------------------------------- lists and facts alike


def correlated_exists(*where):
    """EXISTS over the referral's own records, in a list query or in the facts query."""
    return exists().where(*where).correlate(Referral)


def has_strategy_discussion():
    return correlated_exists(StrategyDiscussion.referral_id == Referral.id)


def has_plan_in_force():
    return correlated_exists(
        ProtectivePlan.referral_id == Referral.id, ProtectivePlan.in_force_at.is_not(None)
    )


def flag(condition):
    """A true/false column from a condition (never NULL)."""
    return case((condition, True), else_=False)
