"""Case study 1 in Chromium: a 14-year-old reported missing at a new address, with six
earlier episodes at his previous one.

The earlier six are on record (made through the services, linked by NHS
number). The new report comes through the police notification form with his
surname misspelt and no NHS number, so nothing links it automatically. At
triage the MASH social worker is offered the possible match, confirms it, and
sees seven episodes; the recommendation differs from a first episode's and
names the earlier ones; the referral page prompts for the return home
interview with its 72-hour clock.

All names are fictional.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.domain.clock import LONDON, utcnow
from app.extensions import db
from app.models import User
from app.referrals import services
from app.referrals.answers import govuk_datetime
from app.sample_data.demo import load_demo_data
from tests.browser.test_case_study_2 import (
    AFTER_SUBMIT,
    POLICE,
    SOCIAL_WORKER,
    answer,
    fill_date_box,
    sign_in_as,
)
from tests.browser.test_sign_in import sign_out
from tests.referrals import steps

pytestmark = [pytest.mark.browser, pytest.mark.committing]

OLD_ADDRESS = "12 Former Road, Northshire NS1 1AA"
NEW_ADDRESS = "3 New Close, Northshire NS7 7ZZ"


def born_fourteen(today: date) -> date:
    return date(today.year - 14, today.month, 1) - timedelta(days=40)


def earlier_episodes(officer: User, born: date, clock) -> None:
    """Six episodes at the previous address, all over a year ago, each received when it happened."""
    start = utcnow()
    for n in range(6):
        reported = start - timedelta(days=700 - n * 60)
        clock.set(reported + timedelta(hours=21))
        data = steps.notification(
            incident_type="missing",
            dash_level=None,
            occurred_at=reported,
            location=OLD_ADDRESS,
            children=[
                steps.child(
                    "Tyler Fictional-Sample", born, sex="1", nhs_number="9434765919", address=OLD_ADDRESS
                )
            ],
            missing_episode={
                "kind": "missing",
                "missing_from": "home",
                "looked_after": False,
                "reported_at": reported,
                "found_at": reported + timedelta(hours=20),
                "found_where": "A friend's house",
                "found_with": None,
            },
        )
        services.create_referral(officer, data)
    clock.stop()


def test_case_study_1_repeat_missing_child_at_a_new_address(app_page, live_server, committed_db, clock):
    load_demo_data()
    officer = db.session.query(User).filter_by(email=POLICE[0]).one()
    today = datetime.now(LONDON).date()
    born = born_fourteen(today)
    earlier_episodes(officer, born, clock)
    db.session.commit()
    db.session.remove()

    page, base = app_page, live_server
    now = datetime.now(LONDON).replace(second=0, microsecond=0)
    reported, found = now - timedelta(days=2), now - timedelta(hours=3)

    # 1. Police report him missing at the new address, surname misspelt, no NHS number.
    sign_in_as(page, base, POLICE)
    page.goto(f"{base}/notifications/new")
    answer(page, "What type of incident was it?", "Missing or absent")
    fill_date_box(page, "Date of the incident", reported.date())
    page.get_by_label("Time of the incident").fill(reported.strftime("%H:%M"))
    page.get_by_label("Where did it happen?").fill(NEW_ADDRESS)
    page.get_by_label("What happened").fill(
        "Mother reports her son missing for two days; she thought he was with friends. He takes prescribed "
        "medication for his mental health, has significant learning difficulties and is supported by CAMHS."
    )
    page.get_by_label("Immediate safeguarding action taken").fill(
        "High vulnerability recognised; found after midnight at a friend's house, spoken to and taken home."
    )
    answer(page, "Was the child missing or absent?", "Missing")
    answer(page, "Missing from", "Home")
    answer(page, "Is the child looked after by the local authority?", "No")
    fill_date_box(page, "Date reported missing", reported.date())
    page.get_by_label("Time reported missing").fill(reported.strftime("%H:%M"))
    answer(page, "Has the child been found?", "Yes")
    fill_date_box(page, "Date found", found.date())
    page.get_by_label("Time found").fill(found.strftime("%H:%M"))
    page.get_by_label("Where were they found?").fill("A friend's house, Northshire")
    child = page.get_by_role("group", name="Child 1", exact=True)
    child.get_by_label("Full name").fill("Tyler Fictionl-Sample")
    fill_date_box(child, "Date of birth", born)
    answer(child, "Sex", "Male")
    child.get_by_label("Address", exact=True).fill(NEW_ADDRESS)
    answer(child, "Was the child present?", "Yes")
    answer(child, "Was the child spoken to?", "Yes")
    child.get_by_label("The child's own words or views").fill(
        "He said he stayed away because of arguments at home."
    )
    child.get_by_label("Behaviour and demeanour").fill("Tired and quiet, but calm.")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_role("heading", name="Check your answers before sending the notification")
    ).to_be_visible(timeout=AFTER_SUBMIT)
    expect(page.locator("main")).to_contain_text("He said he stayed away because of arguments at home.")
    page.get_by_role("button", name="Send notification").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("created and sent to MASH triage", timeout=AFTER_SUBMIT)
    reference = re.search(r"Referral (\S+) created", banner.inner_text()).group(1)
    referral_id = int(re.search(r"/referrals/(\d+)$", page.url).group(1))
    sign_out(page)

    # 2. Triage offers the possible match; confirming it shows seven episodes.
    sign_in_as(page, base, SOCIAL_WORKER)
    page.goto(f"{base}/referrals/{referral_id}")
    page.locator("#tasks + ul").get_by_role("link", name="MASH triage", exact=True).click()
    expect(page.locator(".govuk-caption-l")).to_have_text(reference)
    expect(page.locator(".govuk-warning-text")).to_contain_text("1 possible match to people already known")
    expect(page.get_by_text("No earlier referrals about Tyler Fictionl-Sample")).to_be_visible()
    page.get_by_role("button", name="Same person as Tyler Fictionl-Sample").click()
    expect(banner).to_contain_text("is the person already known", timeout=AFTER_SUBMIT)
    history = page.locator("#history ~ dl").first
    expect(history).to_contain_text("Missing episodes ever, this one included")
    expect(history).to_contain_text("7")
    expect(page.get_by_text("6 earlier referrals about Tyler Fictionl-Sample")).to_be_visible()

    answer(page, "RAG rating", "Green")
    page.get_by_label("Why did you give this rating?").fill("Found safe and home; repeat pattern to assess.")
    answer(
        page,
        "Is there reasonable cause to suspect that a child is suffering, or is likely to suffer, significant harm?",
        "No",
    )
    answer(page, "Are checks by police, health and social care needed?", "No")
    page.get_by_label("Why are checks not needed?").fill("Checks done for the earlier episodes this year.")
    page.get_by_role("button", name="Save and continue", exact=True).click()
    expect(banner).to_contain_text("MASH triage: saved.", timeout=AFTER_SUBMIT)

    # 3. The recommendation names the earlier episodes; a first episode would get none of it.
    page.locator("#tasks + ul").get_by_role("link", name="Threshold decision", exact=True).click()
    expect(page.get_by_text(re.compile(r"Rule that applied: R12: Repeat missing episodes"))).to_be_visible()
    expect(page.get_by_text(re.compile("the earlier episodes included"))).to_be_visible()

    # 4. The referral page prompts for the return home interview, due 72 hours after he was found.
    page.goto(f"{base}/referrals/{referral_id}")
    episodes = page.locator("#missing ~ dl").first
    expect(episodes).to_contain_text("Not offered yet")
    due = govuk_datetime(found + timedelta(hours=72))
    expect(episodes).to_contain_text(f"Due by {due}")
    expect(episodes.get_by_role("link", name=re.compile("Record"))).to_be_visible()


def test_a_first_missing_episode_gets_a_different_recommendation(committed_db):
    """The same answers for a child with no history: the catch-all row, not R12."""
    from app.referrals import workflow

    load_demo_data()
    officer = db.session.query(User).filter_by(email=POLICE[0]).one()
    worker = db.session.query(User).filter_by(email=SOCIAL_WORKER[0]).one()
    reported = utcnow() - timedelta(days=2)
    referral = services.create_referral(
        officer,
        steps.notification(
            incident_type="missing",
            dash_level=None,
            occurred_at=reported,
            children=[steps.child("Quinn Fictional-First", sex="1")],
            missing_episode={
                "kind": "missing",
                "missing_from": "home",
                "looked_after": False,
                "reported_at": reported,
                "found_at": reported + timedelta(hours=20),
                "found_where": "A friend's house",
                "found_with": None,
            },
        ),
    )
    db.session.commit()
    task = next(t for t in referral.ready_tasks if t.step == "triage")
    services.complete_task(
        worker,
        referral,
        task.task_id,
        referral.version,
        {
            **steps.triage("green"),
            "research_needed": False,
            "research_not_needed_reason": "Information only.",
        },
    )
    db.session.commit()
    rule = workflow.engine().data(workflow.load(referral))["recommendation_rule"]
    assert rule.startswith("R17:")
