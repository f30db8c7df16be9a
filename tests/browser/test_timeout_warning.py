"""The timeout warning in Chromium, under the real CSP: it opens before the idle timeout,
"Stay signed in" keeps the session, and at the timeout the page goes to sign-in."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.sample_data.demo import load_demo_data
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committing]


@pytest.fixture
def short_sessions(app, committed_db):
    """Sessions of 8 seconds with the warning from 6 seconds before, so the test takes seconds."""
    load_demo_data()
    db.session.commit()
    db.session.remove()
    saved = app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_SECONDS"]
    app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_SECONDS"] = 8 / 60, 6
    yield
    app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_WARNING_SECONDS"] = saved


def test_the_warning_opens_and_staying_signed_in_keeps_the_session(app_page, live_server, short_sessions):
    page = app_page
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    sign_in(page, live_server, "social.worker@northshire.example")
    dialog = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=6_000)
    expect(dialog).to_contain_text("we will sign you out in")
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()

    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    status = page.request.get(f"{live_server}/account/session").json()
    assert status["signed_in"] and status["seconds_left"] >= 6
    assert refused == []


def test_at_the_timeout_the_page_goes_to_sign_in_and_says_why(app_page, live_server, short_sessions):
    page = app_page
    sign_in(page, live_server, "social.worker@northshire.example")
    expect(page.get_by_role("heading", name="Sign in to Front Door")).to_be_visible(timeout=15_000)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You were signed out because")
