from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.referrals import services
from app.sample_data.demo import load_demo_data
from tests.browser.test_sign_in import sign_in
from tests.referrals import steps

pytestmark = [pytest.mark.browser, pytest.mark.committing]


def test_diagram_highlights_the_current_step_without_outside_requests(app_page, live_server, committed_db):
    load_demo_data()
    officer = User.by_email("police@northshire.example")
    referral = services.create_referral(officer, steps.notification())
    referral_id, reference = referral.id, referral.reference
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
    page = app_page
    sign_in(page, live_server, "social.worker@northshire.example")
    page.goto(f"{live_server}/referrals/{referral_id}")
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    diagram = page.locator("#diagram")
    expect(diagram).to_have_attribute("data-ready", "true")
    highlighted = page.locator('#diagram [data-element-id="triage"].app-diagram__current')
    expect(highlighted).to_have_count(1)
    expect(page.locator("#diagram .app-diagram__current")).to_have_count(1)
    # The app_page fixture fails the test if anything outside the app was requested.


def test_referral_page_has_no_accessibility_violations(app_page, live_server, committed_db):
    load_demo_data()
    officer = User.by_email("police@northshire.example")
    referral = services.create_referral(officer, steps.notification())
    referral_id = referral.id
    db.session.commit()
    db.session.remove()
    page = app_page
    sign_in(page, live_server, "social.worker@northshire.example")
    page.goto(f"{live_server}/referrals/{referral_id}")
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
