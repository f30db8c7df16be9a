"""Every role's pages in Chromium, checked by axe-core against the WCAG 2.2 A and AA rules.

For each demo account the test signs in, then crawls from the start page: the header
navigation, the start page's own links and the footer, and the links those pages lead
to, a few levels deep. Pages are grouped by their route, so one referral, one person
and one gap list stand for all the others and the crawl stays bounded; task pages are
grouped by their heading, as one route serves every step's form. Axe runs on each
page, and again on each form after it is submitted empty, which shows the error
summary and the fields' errors. The sign-in pages, and the second factor's, are
checked once in a test of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urldefrag, urlsplit

import pyotp
import pytest
from axe_playwright_python.base import AXE_SCRIPT
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import expect
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import User
from app.sample_data.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_data
from tests.browser.test_sign_in import sign_in, sign_out
from tests.conftest import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.committing]

WCAG_22_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_22_A_AA}, "resultTypes": ["violations"]}

# The start page is depth 0. Four links on reach a person's flags from a referral.
MAX_DEPTH = 4

# Links the crawl does not follow: signing out would end it, and downloads are not pages.
NOT_PAGES = re.compile(r"(\.csv|\.bpmn|\.json)$|^/static/|^/sign-out$")

# Pages whose content is the same for everyone: checked for the first role only (every
# other page checks each role's own header and footer).
SAME_FOR_EVERYONE = {"main.accessibility", "main.privacy"}

# One route serves every step of the process, each with its own form: its heading says which.
PAGES_KNOWN_BY_HEADING = {"tasks.task"}

# Forms the crawl does not submit, because submitting them with nothing filled in is
# valid and changes something: there is no error state to check, and the rest of the
# crawl would no longer see what the role sees.
NOT_SUBMITTED_EMPTY = re.compile(
    r"^/sign-out$"  # signs out
    r"|^/account/session$"  # the timeout warning's "stay signed in"
    r"|^/account/sessions/end-others$"  # ends the person's other sessions
    r"|^/account/recovery-codes$"  # issues new recovery codes
    r"|^/alerts/read$"  # marks alerts read
    r"|/pick-up$"  # picks up a task
    r"|/possible-matches/\d+$"  # each button answers a possible match
    r"|^/people/\d+/merge/\d+$|^/people/merges/\d+/undo$"  # joins or separates records
    r"|/actions/\d+$"  # a plan action's form starts with its current status chosen
    r"|^/admin/users/\d+/(deactivate|reactivate|unlock|reset-two-step)$"  # confirmation buttons
    r"|^/admin/users/\d+/tokens/\d+/revoke$"  # revokes a token
    r"|^/admin/(users|agencies)/\d+/edit$"  # filled in with the record: submitting saves it
    r"|^/settings/response-times$"  # filled in with the times in force: submitting saves them
    r"|^/audit/samples$"  # filled in with the last year: submitting draws a sample
)

SUBMIT_BUTTON = "button:not([type=button]):not([type=reset]), input[type=submit]"


def is_conditional_reveal_radio(violation: dict, node: dict) -> bool:
    """GOV.UK Frontend's radios that reveal a follow-up question carry aria-expanded, which
    ARIA 1.2 does not list for a radio, so axe reports aria-allowed-attr. The Design System
    keeps it on purpose: the screen readers it tested with the Digital Accessibility Centre
    announce it, to their users' benefit (alphagov/govuk-frontend issue 979, where this axe
    result is listed as known). Only that attribute on that component is let through: any
    other attribute the rule finds, on radios or anything else, still fails the test."""
    if violation["id"] != "aria-allowed-attr" or 'class="govuk-radios__input"' not in node["html"]:
        return False
    attributes = [value for check in node["all"] + node["any"] for value in check.get("data") or []]
    return bool(attributes) and all(str(value).startswith("aria-expanded=") for value in attributes)


@dataclass
class Crawl:
    app: Flask
    base: str
    skip_routes: set[str] = field(default_factory=set)
    axe: Axe = field(default_factory=Axe)
    seen: set[str] = field(default_factory=set)
    pages_checked: list[str] = field(default_factory=list)
    forms_submitted: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def check(self, page, what: str) -> None:
        results = self.axe.run(page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            for node in violation["nodes"]:
                if is_conditional_reveal_radio(violation, node):
                    continue
                self.violations.append(
                    f"{what}: {violation['id']} ({violation['impact']}) at {', '.join(map(str, node['target']))}: "
                    f"{violation['help']}. {node.get('failureSummary', '')} {node['html'][:300]}"
                )

    def route(self, path: str) -> str:
        try:
            endpoint, _ = self.app.url_map.bind("localhost").match(urlsplit(path).path, method="GET")
        except HTTPException:
            return urlsplit(path).path
        return endpoint

    def shape(self, path: str) -> str:
        """The route and the names of the query parameters; a task page's own address."""
        route = self.route(path)
        if route in PAGES_KNOWN_BY_HEADING:
            return path
        query = urlsplit(path).query
        names = sorted({name for name, _ in parse_qsl(query, keep_blank_values=True)})
        return route + ("?" + "&".join(names) if names else "")


def links_on(page, crawl: Crawl) -> list[str]:
    found = []
    for href in page.eval_on_selector_all("a[href]:not([download])", "links => links.map(link => link.href)"):
        href, _ = urldefrag(href)
        if not href.startswith(crawl.base):
            continue
        path = href[len(crawl.base) :] or "/"
        if not NOT_PAGES.search(urlsplit(path).path):
            found.append(path)
    return list(dict.fromkeys(found))


def post_forms_on(page) -> list[str]:
    """The address each POST form with a submit button posts to."""
    # getAttribute, not form.action: a field named "action" would hide the property.
    return page.eval_on_selector_all(
        "form[method=post i]",
        f"""forms => forms
            .filter(form => form.querySelector({SUBMIT_BUTTON!r}))
            .map(form => new URL(form.getAttribute('action') || location.href, location.href).pathname)""",
    )


def submit_empty(page, crawl: Crawl, url: str, action: str) -> None:
    """Press the form's first submit button with nothing filled in, and check the errors that come back."""
    form = page.locator(f'form[method=post i][action="{action}"]')
    if form.count() == 0:  # a form without an action posts to its own page
        form = page.locator("form[method=post i]:not([action])")
    form = form.first
    button = form.locator(SUBMIT_BUTTON).first
    with page.expect_navigation():
        if button.get_attribute("aria-hidden") == "true":
            # A hidden copy of the main button, first in the form so that Enter presses it:
            # press Enter in the form's first text box, as a person would.
            form.locator("input[type=text]:visible, input:not([type]):visible").first.press("Enter")
        else:
            button.click()
    crawl.forms_submitted.append(f"{url} -> {action}")
    # An empty submit that was accepted changed something: add the form to NOT_SUBMITTED_EMPTY.
    expect(page.locator(".govuk-error-summary"), f"{action} accepted an empty submit").to_be_visible()
    crawl.check(page, f"{action} submitted empty (from {url})")


def visit(page, crawl: Crawl, url: str) -> list[str]:
    """Check the page and its forms' error states; the links on it to crawl next."""
    response = page.goto(crawl.base + url)
    assert response is not None and response.ok, f"{url} answered {response and response.status}"
    if crawl.route(url) in PAGES_KNOWN_BY_HEADING:
        kind = f"{crawl.route(url)}: {page.locator('h1').first.inner_text()}"
        if kind in crawl.seen:
            return []
        crawl.seen.add(kind)
    crawl.pages_checked.append(url)
    crawl.check(page, url)
    links = links_on(page, crawl)
    forms = [
        action
        for action in dict.fromkeys(post_forms_on(page))
        if not NOT_SUBMITTED_EMPTY.search(action) and f"form {crawl.shape(action)}" not in crawl.seen
    ]
    for number, action in enumerate(forms):
        crawl.seen.add(f"form {crawl.shape(action)}")
        if number:
            page.goto(crawl.base + url)
        submit_empty(page, crawl, url, action)
    return links


def crawl_from_start(page, crawl: Crawl) -> None:
    queue = [("/", 0)]
    while queue:
        url, depth = queue.pop(0)
        if crawl.shape(url) in crawl.seen or crawl.route(url) in crawl.skip_routes:
            continue
        crawl.seen.add(crawl.shape(url))
        links = visit(page, crawl, url)
        if depth < MAX_DEPTH:
            queue.extend((link, depth + 1) for link in links if crawl.shape(link) not in crawl.seen)


def report(crawl: Crawl, who: str) -> str:
    return (
        f"{who}: {len(crawl.pages_checked)} pages, {len(crawl.forms_submitted)} forms submitted empty\n"
        + "".join(f"  page {url}\n" for url in crawl.pages_checked)
        + "".join(f"  form {form}\n" for form in crawl.forms_submitted)
    )


@pytest.fixture
def demo_data(committed_db):
    load_demo_data()
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works


ROLES = [email for email, *_ in DEMO_USERS]


@pytest.mark.parametrize("email", ROLES)
def test_every_page_a_role_reaches_passes_axe(app, app_page, live_server, demo_data, email):
    page = app_page
    crawl = Crawl(app, live_server, skip_routes=set() if email == ROLES[0] else SAME_FOR_EVERYONE)
    sign_in(page, live_server, email)
    crawl_from_start(page, crawl)
    print(report(crawl, email))
    assert len(crawl.pages_checked) > 5, report(crawl, email)
    assert crawl.violations == [], "\n".join(crawl.violations)


def test_the_sign_in_pages_pass_axe_with_and_without_errors(app, app_page, live_server, demo_data):
    """Password, then setting up the second factor on a first sign-in, then the code on the next."""
    page = app_page
    crawl = Crawl(app, live_server)
    email = "manager@northshire.example"
    page.goto(f"{live_server}/sign-in")
    crawl.check(page, "/sign-in")
    submit_empty(page, crawl, "/sign-in", "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    crawl.check(page, page.url)
    submit_empty(page, crawl, page.url, urlsplit(page.url).path)
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Turn on two-step verification").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    crawl.check(page, "recovery codes")
    page.get_by_role("button", name="Continue").click()
    sign_out(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    crawl.check(page, "/sign-in/code")
    submit_empty(page, crawl, "/sign-in/code", "/sign-in/code")
    code = totp_code(User.by_email(email))
    db.session.remove()
    page.get_by_label("Security code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".app-signed-in")).to_contain_text("Signed in as")
    assert crawl.violations == [], "\n".join(crawl.violations)


def test_the_accessibility_statement_names_the_axe_core_version_tested_with(client, committed_db):
    version = re.match(r"/\*! axe v(\S+)", AXE_SCRIPT).group(1)
    statement = client.get("/accessibility").get_data(as_text=True)
    assert f"axe-core {version} in Chromium" in statement
