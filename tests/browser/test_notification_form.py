"""The police notification by keyboard and with and without JavaScript: each incident's own part
shows only for that incident, "If not spoken to, why not?" only when the child was not (and why a
voice or demeanour was not recorded only when it was not), and a child just added takes the focus."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.sample_data.demo import load_demo_data
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.committing]

PARTS = {
    "domestic_abuse": "#dash_level",
    "police_protection": "#pp_place_of_safety",
    "child_in_custody": "#custody_arrived_time",
    "missing": "#missing_reported_time",
}
OTHER_INCIDENTS = ("pp_", "custody_", "missing_")


@pytest.fixture
def officer_on_the_form(app_page, live_server, committed_db):
    load_demo_data()
    db.session.commit()
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
    sign_in(app_page, live_server, "police@northshire.example")
    app_page.goto(f"{live_server}/notifications/new")
    return app_page


def choose_incident(page, value: str) -> None:
    page.locator(f'input[name="incident_type"][value="{value}"]').check()


def test_each_incident_shows_only_its_own_part(officer_on_the_form):
    page = officer_on_the_form
    for selector in PARTS.values():  # nothing chosen yet: no incident's part applies
        expect(page.locator(selector).first).to_be_hidden()
    for incident, selector in PARTS.items():
        choose_incident(page, incident)
        expect(page.locator(selector).first).to_be_visible()
        for other, other_selector in PARTS.items():
            if other != incident:
                expect(page.locator(other_selector).first).to_be_hidden()
    choose_incident(page, "missing")
    expect(page.locator("#missing_found_where")).to_be_hidden()  # until the child is found
    page.locator('input[name="missing_found"][value="yes"]').check()
    expect(page.locator("#missing_found_where")).to_be_visible()


def test_why_not_spoken_to_shows_only_when_the_child_was_not(officer_on_the_form):
    page = officer_on_the_form
    reason = page.locator("#children-0-not_spoken_to_reason")
    expect(reason).to_be_hidden()
    page.locator('input[name="children-0-spoken_to"][value="no"]').check()
    expect(reason).to_be_visible()
    page.locator('input[name="children-0-spoken_to"][value="yes"]').check()
    expect(reason).to_be_hidden()
    why_no_voice = page.locator("#children-0-voice_not_recorded_reason")
    page.locator("#children-0-more summary").click()
    expect(page.locator("#children-0-voice_not_recorded")).to_be_visible()
    expect(why_no_voice).to_be_hidden()
    page.locator("#children-0-voice_not_recorded").check()
    expect(why_no_voice).to_be_visible()


def test_tabbing_through_a_domestic_abuse_notification_meets_no_other_incidents_field(officer_on_the_form):
    """Two children, by keyboard alone, to the button that goes on to check the answers: fewer than
    30 tab stops, none of them another incident's. The count is printed, and the accessibility
    statement gives it."""
    page = officer_on_the_form
    choose_incident(page, "domestic_abuse")
    page.get_by_role("button", name="Add another child").click()
    expect(page.locator("#children-1-full_name")).to_be_focused()
    for index in (0, 1):
        page.locator(f'input[name="children-{index}-spoken_to"][value="yes"]').check()
    page.locator('input[name="incident_type"][value="domestic_abuse"]').focus()
    seen: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "document.activeElement.name || document.activeElement.id"
            " || document.activeElement.closest('details')?.id || ''"
        )
        seen.append(name)
        if name == "submit":
            break
    print(f"{len(seen)} tab stops from the incident type to Continue, two children, nothing typed: {seen}")
    assert "submit" in seen, seen
    assert len(seen) < 30, seen
    assert not [name for name in seen if name.startswith(OTHER_INCIDENTS)], seen
    for index in (0, 1):
        for asked in (
            "full_name",
            "date_of_birth",
            "sex",
            "address",
            "present",
            "spoken_to",
            "voice",
            "demeanour",
        ):
            assert f"children-{index}-{asked}" in seen, asked
        for folded in ("nhs_number", "school", "injuries", "voice_not_recorded", "demeanour_not_recorded"):
            assert f"children-{index}-{folded}" not in seen, folded  # in the child's disclosure, one stop
        assert f"children-{index}-more" in seen
        assert f"children-{index}-not_spoken_to_reason" not in seen
    assert not [name for name in seen if name.startswith(("recorded_", "received_"))], seen  # folded away
    assert "dash_level" in seen


def test_a_missing_voice_opens_the_childs_disclosure_where_its_reason_goes(officer_on_the_form):
    page = officer_on_the_form
    choose_incident(page, "domestic_abuse")
    more = page.locator("#children-0-more")
    expect(more).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the child's own words or views")
    expect(page.locator("#children-0-voice_not_recorded")).to_be_visible()


def test_continue_leads_to_check_your_answers_and_send_to_the_referral(officer_on_the_form):
    page = officer_on_the_form
    choose_incident(page, "domestic_abuse")
    page.locator("#occurred_date").fill("1/12/2026")
    page.locator("#occurred_time").fill("10:40pm")
    page.locator("#location").fill("1 High Street, Northtown")
    page.locator("#description").fill("Shouting heard by neighbours.")
    page.locator("#immediate_action").fill("Father removed from the address.")
    page.locator('input[name="dash_level"][value="medium"]').check()
    page.locator("#children-0-full_name").fill("Alex Fictional")
    page.locator("#children-0-date_of_birth").fill("4 March 2016")
    page.locator('input[name="children-0-sex"]').first.check()
    page.locator("#children-0-address").fill("1 High Street, Northtown")
    page.locator('input[name="children-0-present"][value="yes"]').check()
    page.locator('input[name="children-0-spoken_to"][value="yes"]').check()
    page.locator("#children-0-voice").fill("I hide in my room.")
    page.locator("#children-0-demeanour").fill("Withdrawn.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending the notification"
    )
    main = page.locator("main")
    expect(main).to_contain_text("1 December 2026 at 10:40pm")
    expect(main).to_contain_text("I hide in my room.")
    page.get_by_role("link", name="Change child 1").click()
    expect(page.locator("#children-0-full_name")).to_have_value("Alex Fictional")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Send notification").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("created and sent to MASH triage")


def test_a_child_added_takes_the_focus(officer_on_the_form):
    page = officer_on_the_form
    page.get_by_role("button", name="Add another child").click()
    expect(page.locator("#children-1-full_name")).to_be_focused()


def test_without_javascript_every_part_shows(browser, live_server, committed_db):
    load_demo_data()
    db.session.commit()
    db.session.remove()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, live_server, "police@northshire.example")
        page.goto(f"{live_server}/notifications/new")
        page.locator("#children-0-more summary").click()  # a disclosure opens without JavaScript
        for selector in (
            *PARTS.values(),
            "#missing_found_where",
            "#children-0-not_spoken_to_reason",
            "#children-0-voice_not_recorded_reason",
        ):
            expect(page.locator(selector).first).to_be_visible()
    finally:
        context.close()
