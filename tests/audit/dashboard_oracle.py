"""The dashboard's figures worked out the slow way, from the gap lists themselves.

The dashboard counts from the audit facts (app/audit/facts.py); the lists read
the records. `assert_dashboard_agrees_with_lists` checks that the two say the
same, case for case, owner for owner and month for month.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.dashboard import OWNERS, build_dashboard, months_in
from app.audit.facts import bring_up_to_date, rebuild_all
from app.audit.gaps import GAPS
from app.audit.scope import AuditScope
from app.domain.clock import london_date, utcnow
from app.extensions import db
from app.models import AuditFacts


def figures_from_lists(scope: AuditScope) -> dict:
    months = months_in(scope.period_start, scope.period_end)
    index = {(m.first.year, m.first.month): i for i, m in enumerate(months)}
    figures, every_case, every_case_by_month = {}, set(), [set() for _ in months]
    for gap in GAPS:
        rows = gap.query(scope, brief=True)
        received = {row.referral_id: london_date(row.received_at) for row in rows}
        by_month = [0] * len(months)
        for referral_id, day in received.items():
            month = index.get((day.year, day.month))
            if month is not None:
                by_month[month] += 1
                every_case_by_month[month].add(referral_id)
        figures[gap.slug] = {
            "cases": len(received),
            "by_owner": {o: len({r.referral_id for r in rows if o in r.owners}) for o in OWNERS},
            "by_month": by_month,
        }
        every_case.update(received)
    figures["any gap"] = {"cases": len(every_case), "by_month": [len(s) for s in every_case_by_month]}
    return figures


def figures_on_dashboard(scope: AuditScope) -> dict:
    dashboard = build_dashboard(scope)
    figures = {
        f.gap.slug: {"cases": f.cases, "by_owner": f.by_owner, "by_month": f.by_month} for f in dashboard.gaps
    }
    figures["any gap"] = {"cases": dashboard.any_gap, "by_month": dashboard.any_gap_by_month}
    return figures


def assert_dashboard_agrees_with_lists(scope: AuditScope) -> None:
    assert figures_on_dashboard(scope) == figures_from_lists(scope)


def assert_agrees_now_and_later(now) -> None:
    """Now, and five weeks on, when the rules about time have moved on."""
    assert_facts_are_up_to_date()
    for moment in (now, now + timedelta(days=35)):
        assert_dashboard_agrees_with_lists(AuditScope.everything(moment))


def _facts() -> list[tuple]:
    return [
        tuple(r) for r in db.session.execute(select(AuditFacts.__table__).order_by(AuditFacts.referral_id))
    ]


def assert_facts_are_up_to_date() -> None:
    """The facts kept up to date step by step are what working them all out afresh gives.

    Catches a change to a referral's records that the session hook did not notice.
    """
    bring_up_to_date()
    kept = _facts()
    savepoint = db.session.begin_nested()
    rebuild_all()
    afresh = _facts()
    savepoint.rollback()
    assert kept == afresh


@pytest.fixture(autouse=True)
def dashboard_agrees_with_lists(db_session, request):
    """Autouse in the audit and referral tests: after each test, the audit facts are up
    to date, and the dashboard counts what the lists list."""
    yield
    if not request.node.get_closest_marker("committing"):
        assert_agrees_now_and_later(utcnow())
