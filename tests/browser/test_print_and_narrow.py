"""Printing and narrow screens in Chromium.

A referral or a person's record printed (or saved as PDF) is the record alone: no
header, navigation, footer, back link, banners, forms, buttons or diagram. And at
320 CSS pixels wide (a small phone, or 1280 px zoomed to 400%, WCAG 1.4.10) no page
with tables scrolls sideways: a wide table scrolls inside its own labelled region.

The data is the demo MASH with its demo cases, made through the services, and a
worker who is both a MASH social worker and a MASH manager, so the inbox holds tasks
in several lanes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.extensions import db
from app.models import Child, Person, User
from app.referrals import services
from app.sample_data.demo import load_demo_cases, load_demo_data
from app.timers.worker import run_pass
from tests.browser.test_sign_in import sign_in
from tests.conftest import TEST_PASSWORD
from tests.referrals import steps

pytestmark = [pytest.mark.browser, pytest.mark.committing]

# What a printed record leaves out. Each selector matches something on the page on screen,
# so a selector that stops matching fails the test rather than passing it by accident.
NOT_PRINTED_ON_EVERY_PAGE = {
    "header": ".govuk-template__header",
    "service navigation": ".govuk-service-navigation",
    "phase banner": ".govuk-phase-banner",
    "footer": ".govuk-footer",
    "skip link": ".govuk-skip-link",
    "signed-in line": ".app-signed-in",
    "header search": "form[role=search]",
}

IS_PRINTED = """element => {
    if (element.closest('[hidden]')) return false;
    for (let e = element; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.display === 'none' || style.visibility === 'hidden') return false;
    }
    return element.getClientRects().length > 0;
}"""

MADE_AT = datetime(2026, 3, 11, 10, tzinfo=UTC)

NO_SIDEWAYS_SCROLL = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def demo_mash(committed_db, make_user, clock):
    """The demo MASH and its cases, with the police protection case taken on to a plan in force,
    after the timer worker's pass, and a social worker who is also a manager.

    The cases are made on a Wednesday morning, so the overdue ones are overdue
    in working days whatever day the test runs."""
    clock.set(MADE_AT, tick=True)
    load_demo_data()
    worker = make_user("social_care", "mash_manager", email="two.lanes@northshire.example")
    load_demo_cases()
    toddler = db.session.query(Child).filter_by(full_name="Demo Toddler-Five").one()
    referral = toddler.referral
    journey = [
        ("protective_plan", "social.worker@northshire.example", steps.plan()),
        ("police_confirm_plan", "police@northshire.example", steps.confirm()),
        ("health_confirm_plan", "health@northshire.example", steps.confirm()),
    ]
    for step, email, answers in journey:
        task = next(t for t in referral.ready_tasks if t.step == step)
        services.complete_task(User.by_email(email), referral, task.task_id, referral.version, answers)
    db.session.commit()
    run_pass()  # the timer worker raises the escalations of the overdue demo cases, and their alerts
    found = {
        "referral_id": referral.id,
        "reference": referral.reference,
        "person_id": db.session.query(Person).filter_by(full_name="Demo Toddler-Five").one().id,
        "email": worker.email,
    }
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
    clock.stop()  # the browser and the session timeout run on the real clock
    return found


def printed(page, selector: str) -> list[bool]:
    return [element.evaluate(IS_PRINTED) for element in page.locator(selector).element_handles()]


def assert_left_out_of_print(page, left_out: dict[str, str]) -> None:
    page.emulate_media(media="screen")
    not_on_screen = [name for name, selector in left_out.items() if not any(printed(page, selector))]
    assert not_on_screen == [], f"not shown on screen, so the check proves nothing: {not_on_screen}"
    page.emulate_media(media="print")
    still_printed = {
        name: shown for name, selector in left_out.items() if any(shown := printed(page, selector))
    }
    assert still_printed == {}, f"printed although they should not be: {sorted(still_printed)}"


def assert_printed(page, kept: dict[str, str]) -> None:
    page.emulate_media(media="print")
    not_printed = [name for name, selector in kept.items() if not any(printed(page, selector))]
    assert not_printed == [], f"left out of print: {not_printed}"


def test_the_referral_page_prints_the_record_alone(app_page, live_server, demo_mash):
    page = app_page
    sign_in(page, live_server, "social.worker@northshire.example")
    page.goto(f"{live_server}/referrals/{demo_mash['referral_id']}")
    expect(page.get_by_role("heading", name=demo_mash["reference"])).to_be_visible()
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    # The skip link is shown on screen only when focused.
    page.keyboard.press("Tab")
    expect(page.locator(".govuk-skip-link")).to_be_focused()

    assert_left_out_of_print(
        page,
        {
            **NOT_PRINTED_ON_EVERY_PAGE,
            "diagram": "#diagram",
            "forms": ".app-record form",
            "buttons": ".app-record .govuk-button, .app-record button",
            "invite link": "#invite-agency",
            "plan action updates": "#plan ~ .app-table-wrapper details",
        },
    )
    assert_printed(
        page,
        {
            "reference": "h1",
            "printed-by line": ".app-print-only",
            "children": "#children",
            "a child": "h3:text('Demo Toddler-Five')",
            "decisions": "#decisions",
            "strategy discussion": "h3:text('Strategy discussion')",
            "plan": "#plan",
            "plan actions": "table:has(caption:text('Plan actions')) tbody tr",
            "timeline": "#timeline",
            "timeline steps": ".app-timeline__item",
        },
    )
    # A page with a back link (inviting an agency) prints without it.
    page.goto(f"{live_server}/referrals/{demo_mash['referral_id']}/invite")
    assert_left_out_of_print(page, {"back link": ".govuk-back-link"})
    page.goto(f"{live_server}/referrals/{demo_mash['referral_id']}")
    page.emulate_media(media="print")

    # Nothing on paper is cut off at the right: the record, and each table, fits an A4 page's width.
    page.set_viewport_size({"width": 700, "height": 1000})
    width, inner = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert width <= inner
    for region in page.locator(".app-table-wrapper").all():
        assert region.evaluate("e => e.scrollWidth <= e.clientWidth")

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 20_000
    # Chromium writes the page's title into the document information.
    title = f"Referral {demo_mash['reference']}".encode("utf-16-be").hex().upper().encode()
    assert title in pdf.upper()


def test_the_person_page_prints_the_chronology_without_the_controls(app_page, live_server, demo_mash):
    page = app_page
    sign_in(page, live_server, "manager@northshire.example")
    page.goto(f"{live_server}/people/{demo_mash['person_id']}")
    expect(page.get_by_role("heading", name="Demo Toddler-Five")).to_be_visible()
    page.keyboard.press("Tab")

    assert_left_out_of_print(
        page,
        {
            **NOT_PRINTED_ON_EVERY_PAGE,
            "access log link": "#access-log-link",
            "change flags link": "#change-flags",
            "add relationship link": "#add-relationship",
        },
    )
    assert_printed(
        page,
        {
            "name": "h1",
            "printed-by line": ".app-print-only",
            "chronology": "#chronology",
            "chronology rows": "#chronology + .app-table-wrapper tbody tr",
            "open work": "#open-work",
        },
    )
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 10_000


NARROW_PAGES = [
    ("/tasks", "Tasks", "table tbody tr"),
    ("/referrals", "Referrals", "table tbody tr"),
    ("/alerts", "Alerts", "table tbody tr"),
    ("/audit/", "Audit dashboard", "svg[role=img]"),
    ("/audit/gaps/children-in-custody", "Children in custody", "#gap-rows tbody tr"),
    ("/people?q=Demo", "Find a person or referral", "table tbody tr"),
    ("/referrals/{referral_id}", "{reference}", "#plan ~ .app-table-wrapper tbody tr"),
    ("/people/{person_id}", "Demo Toddler-Five", "#chronology + .app-table-wrapper tbody tr"),
]


def test_pages_with_tables_do_not_scroll_sideways_at_320_pixels(app_page, live_server, demo_mash):
    page = app_page
    sign_in(page, live_server, demo_mash["email"], TEST_PASSWORD)
    page.set_viewport_size({"width": 320, "height": 640})

    too_wide = {}
    for path, heading, content in NARROW_PAGES:
        page.goto(live_server + path.format(**demo_mash))
        expect(page.locator("h1")).to_contain_text(heading.format(**demo_mash))
        expect(page.locator(content).first).to_be_attached()
        width, inner = page.evaluate(NO_SIDEWAYS_SCROLL)
        if width > inner:
            too_wide[path] = width
        for region in page.locator(".app-table-wrapper").all():
            expect(region).to_have_attribute("tabindex", "0")
            expect(region).to_have_attribute("role", "region")
            assert region.get_attribute("aria-label")
    assert too_wide == {}, f"pages wider than 320 px: {too_wide}"


def test_the_inbox_table_scrolls_in_its_own_region_at_320_pixels(app_page, live_server, demo_mash):
    page = app_page
    sign_in(page, live_server, demo_mash["email"], TEST_PASSWORD)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server}/tasks")
    lanes = page.locator("table tbody tr td:nth-child(4)").all_inner_texts()
    assert {"Social care", "Manager"} <= set(lanes), lanes
    width, inner = page.evaluate(NO_SIDEWAYS_SCROLL)
    assert width <= inner

    region = page.get_by_role("region", name="Ready tasks")
    scroll_width, client_width = region.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll_width > client_width, "the table fits, so this proves nothing about scrolling"
    # A keyboard user tabs to the region and scrolls it with the arrow keys.
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("e => e.scrollLeft > 0", arg=region.element_handle())
    # The last column (picking a task up) comes into view.
    region.evaluate("e => e.scrollTo(e.scrollWidth, 0)")
    box = region.get_by_role("button", name="Pick up").first.bounding_box()
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= 320, box
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
