"""The audit dashboard's figures: cases in each gap, by owning agency and by month received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.audit.facts import count_gaps
from app.audit.gaps import GAPS, OWNER_LABELS, Gap
from app.audit.gaps.owners import COUNTED_OWNERS
from app.audit.scope import AuditScope
from app.domain.clock import start_of_london_day

OWNERS = COUNTED_OWNERS


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
    """Count each gap's cases from the audit facts: one query, whatever the size of the database."""
    months = months_in(scope.period_start, scope.period_end)
    counts = count_gaps(scope, [start_of_london_day(m.last + timedelta(days=1)) for m in months])
    figures = [
        GapFigures(
            gap,
            sum(c.in_gap[gap.slug] for c in counts),
            {o: sum(c.by_owner[gap.slug][o] for c in counts) for o in OWNERS},
            [c.in_gap[gap.slug] for c in counts],
        )
        for gap in GAPS
    ]
    return Dashboard(scope, months, figures, [c.cases for c in counts], sum(c.cases for c in counts))
