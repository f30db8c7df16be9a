"""The smaller problems practitioners met, each through its real page: a plan action's date error names
the action, "2pm" is a time, the NHS number error has no jargon, and "Other" lawful basis needs naming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html

from app.domain.clock import LONDON
from app.extensions import db
from app.models import Referral
from tests.conftest import sign_in
from tests.notifications.test_forms import child, domestic_abuse, post
from tests.referrals import steps
from tests.referrals.pages import OverThePages, parts, text_of

# Wednesday 2 December 2026, 6pm in London (GMT).
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def error_summary(response) -> list[str]:
    page = lxml.html.fromstring(response.data)
    return [text_of(a) for a in page.xpath("//div[contains(@class, 'govuk-error-summary')]//li/a")]


def at_the_plan(client, clock, start_journey, mash) -> OverThePages:
    clock.set(NOW)
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    return OverThePages(client, mash, journey.referral)


def test_a_plan_actions_date_error_says_which_action(client, clock, start_journey, mash):
    pages = at_the_plan(client, clock, start_journey, mash)
    today = NOW.date()
    response = pages.post(
        "protective_plan",
        [
            ("summary", "Keep the children safe."),
            *parts("review_date", today + timedelta(days=28)),
            ("actions-0-description", "Home visit"),
            ("actions-0-owning_agency_kind", "childrens_social_care"),
            ("actions-0-owner", "Sam Social"),
            *parts("actions-0-due_date", today),
            ("actions-1-description", "Check police systems"),
            ("actions-1-owning_agency_kind", "police"),
            ("actions-1-owner", "PC Lane"),
            ("actions-1-due_date", ""),
            ("actions-1-due_date", ""),
            ("actions-1-due_date", ""),
            ("actions-2-description", "Health check"),
            ("actions-2-owning_agency_kind", "health"),
            ("actions-2-owner", "Lee Nurse"),
            *parts("actions-2-due_date", today - timedelta(days=1)),
        ],
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        "Enter the date action 2 is due",
        "The due date of action 3 must be today or in the future",
    ]
    db.session.refresh(pages.referral)
    assert pages.referral.plan is None


def test_2pm_is_a_time(client, clock, start_journey, mash):
    clock.set(NOW)
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    pages = OverThePages(client, mash, journey.referral)
    strategy = steps.strategy()
    pairs = [
        *parts("held_at", NOW.date()),
        ("held_time", "2pm"),
        ("chair", "Jo Manager"),
        *[
            (f"attendees-{i}-{key}", a[key])
            for i, a in enumerate(strategy["attendees"])
            for key in ("name", "agency_kind", "role")
        ],
        ("information_shared", "Histories."),
        ("decision", "no_s47"),
        ("criminal_investigation", "no"),
        ("immediate_actions", "None needed."),
        ("legal_action_considered", "no"),
        ("other_children_considered", "no"),
        ("icpc_required", "no"),
    ]
    pages.do("strategy_discussion", pairs)
    held = pages.referral.strategy_discussion.held_at.astimezone(LONDON)
    assert (held.date(), held.hour, held.minute) == (NOW.date(), 14, 0)


def test_the_nhs_number_error_has_no_jargon(client, mash):
    sign_in(client, mash["police"].email)
    before = db.session.query(Referral).count()
    response = client.post(
        "/notifications/new",
        data=post(domestic_abuse(occurred_time="2pm"), child(0, nhs_number="943 476 5918")),
    )
    assert response.status_code == 400
    messages = error_summary(response)
    assert messages == ["This is not a real NHS number. Check each digit and enter it again"]
    assert "check digit" not in response.get_data(as_text=True).lower()
    assert db.session.query(Referral).count() == before


def research(lawful_basis: str, detail: str = "") -> list[tuple[str, str]]:
    return [
        ("findings", "Missed appointments."),
        ("information_shared", "Appointment history."),
        ("shared_with", "MASH"),
        ("purpose", "Safeguarding."),
        ("lawful_basis", lawful_basis),
        ("lawful_basis_detail", detail),
        ("disagrees", "no"),
    ]


def test_other_lawful_basis_must_be_named(client, clock, start_journey, mash):
    clock.set(NOW)
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    pages = OverThePages(client, mash, journey.referral)
    refused = pages.post("health_research", research("other"))
    assert refused.status_code == 400
    assert error_summary(refused) == ["Enter the lawful basis for sharing the information"]
    # The box to name it is revealed under "Other".
    page = lxml.html.fromstring(refused.data)
    assert page.xpath("//input[@value='other']/@data-aria-controls")
    pages.do("health_research", research("other", "NHS Act 2006, section 251"))
    health = next(step for step in pages.referral.steps if step.step == "health_research")
    assert health.answers["lawful_basis_detail"] == "NHS Act 2006, section 251"
    (row,) = pages.page().xpath("//li[@data-step='health_research']//div[dt='Lawful basis (other)']")
    assert text_of(row.xpath("./dd")[0]) == "NHS Act 2006, section 251"


def test_a_named_basis_drops_a_detail_typed_before_changing_it(client, clock, start_journey, mash):
    clock.set(NOW)
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    pages = OverThePages(client, mash, journey.referral)
    pages.do("health_research", research("consent", "typed under Other first"))
    health = next(step for step in pages.referral.steps if step.step == "health_research")
    assert health.answers["lawful_basis_detail"] is None
