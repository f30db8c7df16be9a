"""The smaller problems practitioners met, each through its real page: a plan action's date error names
the action, "2pm" and "14:00" are times, the NHS number error has no jargon, "Other" lawful basis needs
naming, and a strategy discussion's attendees come for agencies taking part in the referral."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import lxml.html
import pytest

from app.domain.clock import LONDON
from app.extensions import db
from app.models import AgencyKind, Referral, RoleName
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


def strategy_pairs(held_time: str = "14:00", attendees: list[dict] | None = None) -> list[tuple[str, str]]:
    """The strategy discussion page's answers, as posted, with the attendees given (the usual three if not)."""
    return [
        *parts("held_at", NOW.date()),
        ("held_time", held_time),
        ("chair", "Jo Manager"),
        *[
            (f"attendees-{i}-{key}", a[key])
            for i, a in enumerate(attendees or steps.strategy()["attendees"])
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


def at_the_strategy_discussion(client, clock, start_journey, mash) -> OverThePages:
    clock.set(NOW)
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    return OverThePages(client, mash, journey.referral)


@pytest.mark.parametrize("typed", ["2pm", "14:00"])
def test_2pm_and_14_00_are_the_same_time(client, clock, start_journey, mash, typed):
    pages = at_the_strategy_discussion(client, clock, start_journey, mash)
    pages.do("strategy_discussion", strategy_pairs(held_time=typed))
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


TEACHER = {"name": "Dee Teacher", "agency_kind": "education", "role": "Designated safeguarding lead"}


def agency_options(page) -> list[str]:
    return [text_of(o) for o in page.xpath("//select[@name='attendees-0-agency_kind']/option")]


def test_an_attendee_comes_for_an_agency_taking_part(client, clock, start_journey, mash, make_agency):
    school = make_agency(name="Testshire Primary School", kind=AgencyKind.EDUCATION, area="Testshire")
    pages = at_the_strategy_discussion(client, clock, start_journey, mash)
    attendees = [*steps.strategy()["attendees"], TEACHER]

    # The school is not taking part: its kind is not offered, and posting it anyway is refused.
    refused = pages.post("strategy_discussion", strategy_pairs(attendees=attendees))
    assert refused.status_code == 400
    message = "Select one of the agencies taking part in this referral, or invite the attendee's agency first"
    assert error_summary(refused) == [message]
    page = lxml.html.fromstring(refused.data)
    assert page.xpath("//div[contains(@class, 'govuk-error-summary')]//a/@href") == [
        "#attendees-3-agency_kind"
    ]
    assert agency_options(page) == [
        "Select an agency",
        "Testshire Police (Police force)",
        "Testshire Children's Services (Local authority children's social care)",
        "Testshire Health (Health organisation)",
    ]
    assert page.xpath("//p[@id='attendee-agencies']/a/@href") == [f"/referrals/{pages.referral.id}/invite"]
    db.session.refresh(pages.referral)
    assert pages.referral.strategy_discussion is None

    # Once social care invites the school, the teacher is recorded for it.
    invited = client.post(
        f"/referrals/{pages.referral.id}/invite",
        data={
            "agency": str(school.id),
            "basis": "strategy_discussion",
            "reason": "The DSL heard the disclosure.",
        },
    )
    assert invited.status_code == 302
    pages.as_user("social_care")
    task = next(t for t in pages.referral.ready_tasks if t.step == "strategy_discussion")
    offered = lxml.html.fromstring(client.get(f"/referrals/{pages.referral.id}/tasks/{task.task_id}").data)
    assert agency_options(offered)[-1] == "Testshire Primary School (Education)"
    pages.do("strategy_discussion", strategy_pairs(attendees=attendees))
    assert [(a.name, a.agency_kind) for a in pages.referral.strategy_discussion.attendees][-1] == (
        "Dee Teacher",
        AgencyKind.EDUCATION,
    )


def test_the_recommendation_is_in_words_wherever_it_is_shown(client, clock, start_journey, mash, make_user):
    clock.set(NOW)
    journey = start_journey().to_threshold(rag="red", harm=True)
    pages = OverThePages(client, mash, journey.referral)
    pages.as_user("social_care")
    task = next(t for t in journey.referral.ready_tasks if t.step == "threshold_decision")
    decision_page = client.get(f"/referrals/{journey.referral.id}/tasks/{task.task_id}").get_data(
        as_text=True
    )
    assert "Rule that applied: R" in decision_page

    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy("no_s47"))
    journey.do("record_outcome", steps.record_outcome())
    rule = journey.referral.threshold_decision.recommendation_rule
    assert " -> " in rule  # the rules write "R2: significant harm suspected -> s47 enquiry"
    in_words = rule.replace(" -> ", ": ")
    referral_page = text_of(pages.page())
    assert f"(rule {in_words})" in referral_page

    auditor = make_user(RoleName.AUDITOR, agency=mash["social_care"].agency)
    pages.client.post("/sign-out")
    sign_in(client, auditor.email)
    audit_page = lxml.html.fromstring(client.get(f"/audit/cases/{journey.referral.id}/audit").data)
    assert f"(rule {in_words})" in text_of(audit_page)

    for shown in (decision_page, referral_page, text_of(audit_page)):
        assert "->" not in shown and "-&gt;" not in shown
