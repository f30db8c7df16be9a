"""A gap list a page at a time: paged by case in the database, oldest referral first."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import app.audit.gaps as gaps
from app.audit.gaps import case_ids, page_of_rows, rows_for
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Agency, AgencyKind, Referral, RoleName
from app.sample_data.generate import generate
from tests.conftest import sign_in

NOW = datetime(2026, 4, 7, 9, 30, tzinfo=UTC)


@pytest.fixture
def generated(clock):
    clock.set(NOW, tick=True)
    planted = generate(200, seed=13, now=NOW)
    db.session.commit()
    return planted


@pytest.mark.parametrize("slug", ["overdue-actions", "police-protection", "child-not-heard"])
def test_the_pages_hold_every_row_once_with_each_cases_rows_together(generated, slug):
    scope = AuditScope.everything(NOW)
    first = page_of_rows(slug, scope, None, 1, size=2)
    assert first.total == len(case_ids(slug, scope)) > 4
    pages = [page_of_rows(slug, scope, None, n, size=2) for n in range(1, first.pages + 1)]
    shown = [row for page in pages for row in page.items]
    key = lambda row: (row.referral_id, row.detail, row.how_long)  # noqa: E731
    assert sorted(map(key, shown)) == sorted(map(key, rows_for(slug, scope)))
    for page in pages:
        assert len({row.referral_id for row in page.items}) == 2 or page.number == first.pages
    # Oldest referral first, across the pages.
    order = list(dict.fromkeys(row.referral_id for row in shown))
    received = dict(
        db.session.execute(select(Referral.id, Referral.received_at).where(Referral.id.in_(order))).all()
    )
    assert order == sorted(order, key=lambda i: (received[i], i))
    assert all(row.children for row in shown)
    # Past the end: the last page.
    assert page_of_rows(slug, scope, None, 99, size=2).number == first.pages


def test_the_page_links_keep_the_period_area_and_owner(generated, client, make_user, monkeypatch):
    monkeypatch.setattr(gaps, "PAGE_SIZE", 1)
    social = db.session.scalar(
        select(Agency).where(
            Agency.local_authority_area == "Northshire", Agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE
        )
    )
    sign_in(client, make_user(RoleName.MASH_MANAGER, agency=social).email)
    url = "/audit/gaps/overdue-actions?from=2025-04-08&to=2026-04-07&area=Northshire"
    first = client.get(url).get_data(as_text=True)
    cases = int(re.search(r'id="gap-count"><strong>(\d+)</strong>', first).group(1))
    assert cases >= 2
    nav = re.search(r'<nav class="govuk-pagination".*?</nav>', first, re.S).group(0).replace("&amp;", "&")
    following = next(link for link in re.findall(r'href="([^"]+)"', nav) if "page=2" in link)
    assert "from=2025-04-08" in following and "to=2026-04-07" in following and "area=Northshire" in following
    seen = set()
    for number in range(1, cases + 1):
        listing = client.get(f"{url}&page={number}").get_data(as_text=True)
        on_page = set(re.findall(r'data-referral-id="(\d+)"', listing))
        assert len(on_page) == 1 and not on_page & seen
        seen |= on_page
    assert len(seen) == cases
