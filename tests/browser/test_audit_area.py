"""The managers' audit area in Chromium: a figure on the dashboard leads to the cases behind it."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.sample_data.demo import load_demo_cases, load_demo_data
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def test_a_manager_follows_a_dashboard_figure_to_the_custody_case(app_page, live_server, committed_db):
    load_demo_data()
    load_demo_cases()
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
    page = app_page
    sign_in(page, live_server, "manager@northshire.example")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit dashboard")).to_be_visible()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    page.locator('a[data-gap="children-in-custody"]').click()
    expect(page.get_by_role("heading", name="Children in custody")).to_be_visible()
    expect(page.locator("#what-it-counts")).to_contain_text("appropriate adult")
    row = page.locator("#gap-rows tbody tr").first
    expect(row).to_contain_text("No referral to children's social care")
    expect(row).to_contain_text("Alternative accommodation refused and not escalated")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
