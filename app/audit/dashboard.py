"""The audit dashboard's figures: cases in each gap, by owning agency and by month received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.audit.gaps import GAPS, OWNER_LABELS, Gap, GapRow, london_date
from app.audit.scope import AuditScope

OWNERS = ("social_care", "police", "health", "manager")


@dataclass
class Month:
    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.first:%b %Y}"


@dataclass
class GapFigures:
    gap: Gap
    cases: int
    by_owner: dict[str, int]
    by_month: list[int]


@dataclass
class Dashboard:
    scope: AuditScope
    months: list[Month]
    gaps: list[GapFigures]
    any_gap_by_month: list[int]
    any_gap: int

    @property
    def owner_labels(self) -> list[tuple[str, str]]:
        return [(o, OWNER_LABELS[o]) for o in OWNERS]


def months_in(start: date, end: date) -> list[Month]:
    months = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        months.append(Month(max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return months


def build_dashboard(scope: AuditScope) -> Dashboard:
    months = months_in(scope.period_start, scope.period_end)
    month_index = {(m.first.year, m.first.month): i for i, m in enumerate(months)}
    any_gap_months: list[set[int]] = [set() for _ in months]
    any_gap: set[int] = set()
    figures = []
    for gap in GAPS:
        rows: list[GapRow] = gap.query(scope, brief=True)
        cases: dict[int, GapRow] = {}
        owners: dict[str, set[int]] = {o: set() for o in OWNERS}
        for row in rows:
            cases.setdefault(row.referral_id, row)
            for owner in row.owners:
                owners.setdefault(owner, set()).add(row.referral_id)
        by_month = [0] * len(months)
        for referral_id, row in cases.items():
            received = london_date(row.received_at)
            index = month_index.get((received.year, received.month))
            if index is not None:
                by_month[index] += 1
                any_gap_months[index].add(referral_id)
        any_gap.update(cases)
        figures.append(GapFigures(gap, len(cases), {o: len(ids) for o, ids in owners.items()}, by_month))
    return Dashboard(scope, months, figures, [len(s) for s in any_gap_months], len(any_gap))
