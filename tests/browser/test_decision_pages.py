"""In the browser, triage and the threshold decision show what the decision needs above the form:
what happened, DASH, each child's voice and demeanour, and (for the decision) every agency's
findings. "Above" is where the page draws them, not where they sit in the HTML."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from app.models import User
from app.referrals import services
from app.sample_data.demo import load_demo_data
from tests.browser.test_sign_in import sign_in
from tests.referrals import steps
from tests.referrals.conftest import Journey

pytestmark = [pytest.mark.browser, pytest.mark.committing]

CHILDREN = [
    steps.child("Alex Fictional", voice="I hide in my room.", demeanour="Withdrawn, would not look up."),
    steps.child("Sam Fictional", voice="Dad shouts.", demeanour="Chatty, then tearful."),
]
WHAT_HAPPENED = "Verbal argument, neighbour called police."
FINDINGS = {
    "police_research": "Police: three call-outs since March.",
    "health_research": "Health: missed immunisations.",
    "social_care_research": "Social care: known to early help in 2025.",
}
THE_CHILDREN = ("I hide in my room.", "Withdrawn, would not look up.", "Dad shouts.", "Chatty, then tearful.")


def demo_journey() -> Journey:
    load_demo_data()
    users = {
        "police": User.by_email("police@northshire.example"),
        "social_care": User.by_email("social.worker@northshire.example"),
        "health": User.by_email("health@northshire.example"),
        "manager": User.by_email("manager@northshire.example"),
    }
    referral = services.create_referral(
        users["police"], steps.notification(children=CHILDREN, dash_level="high")
    )
    db.session.commit()
    return Journey(users, referral)


def open_task(page, live_server, journey: Journey, step: str) -> None:
    url = f"{live_server}/referrals/{journey.referral.id}/tasks/{journey.ready()[step]}"
    db.session.remove()  # hold no transaction (SQLite's lock) while the browser works
    sign_in(page, live_server, "social.worker@northshire.example")
    page.goto(url)


def shown_above_the_form(page, *texts: str) -> None:
    form_top = page.locator("main form[method=post]").last.bounding_box()["y"]
    for text in texts:
        shown = page.locator("#decision-summary").get_by_text(text, exact=False).first
        expect(shown).to_be_visible()
        assert shown.bounding_box()["y"] < form_top, f"{text!r} is drawn below the form"


def test_triage_shows_the_narrative_dash_and_each_childs_voice_and_demeanour_first(
    app_page, live_server, committed_db
):
    journey = demo_journey()
    open_task(app_page, live_server, journey, "triage")
    expect(app_page.get_by_role("heading", level=1)).to_have_text("MASH triage")
    shown_above_the_form(app_page, WHAT_HAPPENED, "High, graded by the officer", *THE_CHILDREN)
    expect(app_page.locator("#full-record-link")).to_be_visible()


def test_the_threshold_decision_shows_every_agencys_findings_first(app_page, live_server, committed_db):
    journey = demo_journey()
    journey.do("triage", steps.triage("amber"))
    for step, text in FINDINGS.items():
        journey.do(step, {**steps.research(), "findings": text})
    open_task(app_page, live_server, journey, "threshold_decision")
    shown_above_the_form(
        app_page, WHAT_HAPPENED, "High, graded by the officer", *THE_CHILDREN, *FINDINGS.values()
    )
    findings = app_page.locator("#agency-findings + dl .govuk-summary-list__key")
    expect(findings).to_have_count(3)
