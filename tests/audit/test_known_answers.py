"""Known answers: each gap list returns exactly the cases planted in it.

The generator (app/sample_data/generate.py) plants a known set of cases in each of the
fifteen gaps of docs/audit-rules.md and keeps every other case gap-free; the gap
queries (app/audit/gaps/) must find exactly those, no more and no fewer. Gaps 12, 14
and 15 read a child's history across referrals, through the person records the
generator makes, so their planted cases come with the earlier cases they need.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.audit.gaps import GAPS, case_ids
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Agency, Referral
from app.sample_data.generate import GAP_SLUGS, generate
from tests.audit.dashboard_oracle import assert_dashboard_agrees_with_lists, figures_on_dashboard

# Fixed moments with awkward calendars: the Tuesday after Easter Monday (two bank
# holidays just gone, summer time), and a winter night between Christmas and New Year.
NOWS = {
    "after-easter": (datetime(2026, 4, 7, 9, 30, tzinfo=UTC), 11),
    "christmas-week-night": (datetime(2026, 12, 29, 22, 45, tzinfo=UTC), 12),
}


def test_the_gaps_are_the_sixteen_documented():
    assert [gap.slug for gap in GAPS] == list(GAP_SLUGS)
    assert len(GAPS) == 16


def _differences(planted: dict[str, set[int]], scope: AuditScope, only: set[int] | None = None) -> dict:
    """What the lists and the dashboard say that differs from what was planted."""
    wrong = {}
    on_dashboard = figures_on_dashboard(scope)
    for slug in GAP_SLUGS:
        expected = planted[slug] if only is None else planted[slug] & only
        found = case_ids(slug, scope)
        if found != expected:
            wrong[slug] = {
                "listed, not planted": sorted(found - expected),
                "planted, not listed": sorted(expected - found),
            }
        if on_dashboard[slug]["cases"] != len(expected):
            wrong[f"{slug} on the dashboard"] = {
                "counted": on_dashboard[slug]["cases"],
                "planted": len(expected),
            }
    return wrong


@pytest.mark.parametrize("moment", NOWS.values(), ids=NOWS.keys())
def test_each_gap_lists_exactly_the_cases_planted_in_it(moment):
    now, seed = moment
    planted = generate(200, seed=seed, now=now)
    assert all(planted[slug] for slug in GAP_SLUGS)

    assert _differences(planted, AuditScope.everything(now)) == {}
    for gap in GAPS:
        owners = {o for row in gap.query(AuditScope.everything(now)) for o in row.owners}
        assert owners and owners <= set(gap.owners), gap.slug
    # Everything was received in the last 12 months, so the default period agrees.
    assert _differences(planted, AuditScope.default(now)) == {}
    assert_dashboard_agrees_with_lists(AuditScope.default(now))


def test_an_area_and_an_agency_see_their_own_planted_cases():
    now = datetime(2026, 4, 7, 9, 30, tzinfo=UTC)
    planted = generate(200, seed=11, now=now)
    southvale = set(
        db.session.scalars(select(Referral.id).where(Referral.local_authority_area == "Southvale"))
    )
    assert _differences(planted, replace(AuditScope.everything(now), area="Southvale"), only=southvale) == {}
    police = db.session.scalar(select(Agency.id).where(Agency.name == "Southvale Police"))
    assert _differences(planted, AuditScope.default(now, agency_id=police), only=southvale) == {}
