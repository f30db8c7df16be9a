from __future__ import annotations

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.sample_data.demo import DEMO_PASSWORD, load_demo_data
from tests.conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.committing]

# What each demo account should, and should not, see in the navigation.
EXPECTED_NAVIGATION = {
    "admin@northshire.example": ({"Users", "Agencies"}, {"Tasks", "Audit"}),
    "police@northshire.example": (set(), {"Users", "Agencies", "Audit"}),
    "social.worker@northshire.example": (set(), {"Users", "Agencies", "Audit"}),
    "health@northshire.example": (set(), {"Users", "Agencies", "Audit"}),
    "manager@northshire.example": ({"Audit", "Tasks"}, {"Users", "Agencies"}),
    "auditor@northshire.example": ({"Audit", "Referrals"}, {"Tasks", "Users", "Agencies"}),
    # A school's staff see the referrals their school is invited to, and work no lane.
    "school@northshire.example": ({"Referrals"}, {"Tasks", "Audit", "Users", "Agencies"}),
}


@pytest.fixture
def demo_data(committed_db):
    load_demo_data()
    db.session.commit()


def sign_in(page, base: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in as the person would, second factor included: on their first sign-in a demo
    manager, auditor or administrator sets up an authenticator app from the page's key."""
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    # Wait for the answer to the POST: reading the page before it arrives reads the form itself,
    # and going on to another page then cancels the sign-in (seen under CI's load).
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    heading = page.locator("h1").first.inner_text()
    if heading == "Set up two-step verification":
        key = page.locator("#totp-key").inner_text().replace(" ", "")
        page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
        page.get_by_role("button", name="Turn on two-step verification").click()
        expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    elif heading == "Enter your security code":
        code = totp_code(User.by_email(email))
        db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
        page.get_by_label("Security code").fill(code)
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def sign_out(page) -> None:
    """The header's sign-out button: no confirmation page."""
    page.get_by_role("navigation", name="Menu").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Front Door")).to_be_visible()


@pytest.mark.parametrize("email", sorted(EXPECTED_NAVIGATION))
def test_each_demo_user_signs_in_and_sees_their_navigation(app_page, live_server, demo_data, email):
    page = app_page
    sign_in(page, live_server, email)
    expect(page.locator(".app-signed-in")).to_contain_text("Signed in as")
    nav = page.get_by_role("navigation", name="Menu")
    must_see, must_not_see = EXPECTED_NAVIGATION[email]
    for label in must_see | {"Your account"}:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    for label in must_not_see:
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    sign_out(page)
    # Signed out on the server: going back to a page asks for sign-in again.
    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in to Front Door")).to_be_visible()


def test_wrong_password_shows_the_error_summary(app_page, live_server, demo_data):
    page = app_page
    sign_in(page, live_server, "police@northshire.example", "not-the-right-one")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")


def test_sign_in_page_has_no_accessibility_violations(app_page, live_server, demo_data):
    app_page.goto(f"{live_server}/sign-in")
    results = Axe().run(app_page)
    assert results.violations_count == 0, results.generate_report()
