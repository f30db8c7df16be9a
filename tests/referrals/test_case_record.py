"""The case record reads as one, in practitioners' words: a referral taken through every step over
the real task pages, and the timeline on the real referral page holds no codes, keys or ISO times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from app.models import AgencyKind
from app.models.referrals import INCIDENT_LABELS
from app.referrals import answers
from app.referrals.answers import FIELD_LABELS, govuk_date, govuk_datetime
from app.tasks.forms.steps import LAWFUL_BASES
from app.workflow.contract import OUTCOME_LABELS, STRATEGY_DECISION_LABELS
from tests.conftest import sign_in
from tests.referrals import steps
from tests.referrals.pages import OverThePages, parts, text_of

# Tuesday 1 December 2026, 10:40pm in London (GMT): the notification arrives.
NOW = datetime(2026, 12, 1, 22, 40, tzinfo=UTC)


def research(lawful_basis: str, disagrees: bool = False, **extra) -> list[tuple[str, str]]:
    return [
        ("findings", "Two earlier call-outs to the address."),
        ("information_shared", "Call-out history."),
        ("shared_with", "MASH social worker"),
        ("purpose", "To inform the threshold decision."),
        ("lawful_basis", lawful_basis),
        ("disagrees", "yes" if disagrees else "no"),
        ("disagreement_reason", "Risk is higher than amber." if disagrees else ""),
        *extra.items(),
    ]


@pytest.fixture
def record(client, clock, start_journey, mash):
    """A domestic abuse notification for two children, taken over the task pages to a plan in force,
    a conference, an action updated, the assessment and the plan closed."""
    clock.set(NOW)
    journey = start_journey(
        children=[steps.child(), steps.child("Sam Fictional", date(2016, 5, 6))],
        occurred_at=NOW - timedelta(hours=1),
        dash_level="high",
    )
    pages = OverThePages(client, mash, journey.referral)
    pages.do(
        "triage",
        [
            ("rag", "red"),
            ("rag_reason", "Third incident this year."),
            ("significant_harm_suspected", "yes"),
            ("research_needed", "yes"),
            ("mash_dash_level", "high"),
            ("mash_dash_reason", "Strangulation disclosed."),
            ("assessment_factors", "3A"),
        ],
    )
    pages.do("police_research", research("dpa_2018_safeguarding", disagrees=True))
    pages.do("health_research", research("children_act_1989_s17"))
    pages.do("social_care_research", research("children_act_1989_s47"))
    pages.do(
        "threshold_decision",
        [
            ("outcome", "s47"),
            ("rationale", "Injury consistent with assault."),
            ("history_weighed", "Weighed."),
        ],
    )
    pages.do("resolve_disagreement", [("outcome", "s47"), ("resolution", "Agreed after a call with police.")])
    clock.set(NOW + timedelta(hours=12))
    pages.signed_in = None  # the next morning: a new session
    held = (NOW + timedelta(hours=11)).astimezone(UTC)
    pages.do(
        "strategy_discussion",
        [
            *parts("held_at", held.date()),
            ("held_time", f"{held:%H:%M}"),
            ("chair", "Jo Manager"),
            ("attendees-0-name", "Jo Manager"),
            ("attendees-0-agency_kind", "childrens_social_care"),
            ("attendees-0-role", "Team manager"),
            ("attendees-1-name", "DS Kay"),
            ("attendees-1-agency_kind", "police"),
            ("attendees-1-role", "Detective sergeant"),
            ("attendees-2-name", "Lee Nurse"),
            ("attendees-2-agency_kind", "health"),
            ("attendees-2-role", "Named nurse"),
            ("information_shared", "Police history of domestic abuse."),
            ("decision", "joint_investigation"),
            ("criminal_investigation", "yes"),
            ("criminal_investigation_plan", "Interview under ABE on Thursday."),
            ("immediate_actions", "Social worker visits today."),
            ("legal_action_considered", "no"),
            ("other_children_considered", "yes"),
            ("other_children_notes", "Sibling aged 3 at the same address."),
            ("icpc_required", "yes"),
        ],
    )
    due = (NOW + timedelta(days=7)).date()
    pages.do(
        "protective_plan",
        [
            ("summary", "Keep the children safe at home."),
            *parts("review_date", due + timedelta(days=21)),
            ("actions-0-description", "Home visit"),
            ("actions-0-owning_agency_kind", "childrens_social_care"),
            ("actions-0-owner", "Sam Social"),
            *parts("actions-0-due_date", due),
            ("actions-1-description", "Check police systems weekly"),
            ("actions-1-owning_agency_kind", "police"),
            ("actions-1-owner", "PC Lane"),
            *parts("actions-1-due_date", due),
        ],
    )
    pages.do("police_confirm_plan", [("confirmed", "yes")])
    pages.do("health_confirm_plan", [("confirmed", "yes")])
    referral = pages.referral
    pages.as_user("social_care")
    action = referral.plan.actions[0]
    response = pages.client.post(
        f"/referrals/{referral.id}/actions/{action.id}", data={"status": "in_progress", "note": "Visited."}
    )
    assert response.status_code == 302
    response = pages.client.post(
        f"/referrals/{referral.id}/conference",
        data=MultiDict([("outcome", "held"), *parts("held_on", (NOW + timedelta(days=1)).date())]),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    clock.set(NOW + timedelta(days=2))
    pages.signed_in = None  # two days on, the session has ended
    pages.do(
        "assessment_outcome",
        [
            *parts("completed_on", (NOW + timedelta(days=2)).date()),
            ("factors", "3A"),
            ("factors", "21"),
            ("outcome", "cin_plan"),
            ("summary", "Needs met with a plan."),
        ],
    )
    pages.do(
        "close_plan", [("closure_summary", "All actions done; risk reduced."), ("closure_reason", "RC8")]
    )
    return pages


def timeline_items(page):
    return page.xpath("//ol[contains(@class, 'app-timeline')]/li")


RAW = re.compile(
    r"\b[a-z]+(?:_[a-z0-9]+)+\b"  # a snake_case key or code
    r"|\d{4}-\d{2}-\d{2}"  # an ISO date or timestamp
    r"|\b(?:True|False|None|Not given)\b"  # a Python value, or a row for something not given
)


def raw_codes() -> set[str]:
    """Every coded value the steps record (outcomes, decisions, agencies, CIN codes...), as stored."""
    keys = {key for step, key in answers.STEP_FIELD_LABELS} | set(FIELD_LABELS)
    codes = set()
    for key in keys:
        for step in (None, *{s for s, k in answers.STEP_FIELD_LABELS}, "assessment_outcome"):
            codes |= set(answers.value_labels(key, step) or {})
    return codes


def test_every_step_is_in_the_timeline_in_words(record, mash):
    items = timeline_items(record.page())
    shown = [item.get("data-step") for item in items]
    assert shown == [
        "notification_received",
        "triage",
        "police_research",
        "health_research",
        "social_care_research",
        "threshold_decision",
        "resolve_disagreement",
        "strategy_discussion",
        "protective_plan",
        "police_confirm_plan",
        "health_confirm_plan",
        "plan_action_updated",
        "conference_recorded",
        "assessment_outcome",
        "close_plan",
    ]
    codes = raw_codes()
    assert {"s47", "nfa", "domestic_abuse", "childrens_social_care", "6", "RC8"} <= codes
    for item in items:
        text = text_of(item)
        assert not RAW.findall(text), (item.get("data-step"), RAW.findall(text), text)
        for label, value in rows(item).items():
            shown = {value, *(text_of(li) for li in item.xpath(".//dd//li"))}
            assert not shown & codes, (item.get("data-step"), label, shown & codes)


def test_each_step_says_who_in_which_agency_and_when(record, mash):
    by_step = {item.get("data-step"): item for item in timeline_items(record.page())}
    expected = {
        "notification_received": (mash["police"], NOW),
        "triage": (mash["social_care"], NOW),
        "police_research": (mash["police"], NOW),
        "resolve_disagreement": (mash["manager"], NOW),
        "strategy_discussion": (mash["social_care"], NOW + timedelta(hours=12)),
        "close_plan": (mash["social_care"], NOW + timedelta(days=2)),
    }
    for step, (user, at) in expected.items():
        line = text_of(by_step[step].xpath(".//p[contains(@class, 'app-timeline__by')]")[0])
        assert line == f"By {user.full_name}, {user.agency.name}, {govuk_datetime(at)}", step
    assert govuk_datetime(NOW) == "1 December 2026 at 10:40pm"
    assert by_step["triage"].xpath(".//time/@datetime")[0].startswith("2026-12-01T22:40")


def rows(item) -> dict[str, str]:
    return {
        text_of(row.xpath("./dt")[0]): text_of(row.xpath("./dd")[0])
        for row in item.xpath(".//div[contains(@class, 'govuk-summary-list__row')]")
    }


def test_coded_answers_show_their_labels_and_sections_that_do_not_apply_are_left_out(record):
    by_step = {item.get("data-step"): rows(item) for item in timeline_items(record.page())}
    notification = by_step["notification_received"]
    assert notification["Incident type"] == INCIDENT_LABELS["domestic_abuse"]
    assert notification["When it happened"] == govuk_datetime(NOW - timedelta(hours=1))
    assert notification["DASH risk level"] == "High"
    assert notification["Referral source (CIN code)"] == "Police (6)"
    # A domestic abuse call: no police protection or custody rows, nothing "Not given".
    assert not [label for label in notification if "ustody" in label or "olice protection" in label]
    assert "Referrer" not in notification
    assert by_step["triage"]["RAG rating"] == "Red"
    assert by_step["triage"]["Reasonable cause to suspect significant harm"] == "Yes"
    assert by_step["police_research"]["Lawful basis"] == LAWFUL_BASES["dpa_2018_safeguarding"]
    assert by_step["threshold_decision"]["Outcome"] == OUTCOME_LABELS["s47"]
    strategy = by_step["strategy_discussion"]
    assert strategy["Decision"] == STRATEGY_DECISION_LABELS["joint_investigation"]
    assert f"DS Kay, {AgencyKind.POLICE.label}, Detective sergeant" in strategy["Attendees"]
    assert "Legal action" not in strategy  # none were written
    plan = by_step["protective_plan"]
    due = govuk_date((NOW + timedelta(days=7)).date())
    assert f"Home visit, {AgencyKind.CHILDRENS_SOCIAL_CARE.label}, Sam Social, due {due}" in plan["Actions"]
    assert by_step["plan_action_updated"]["Status"] == "In progress"
    assert by_step["conference_recorded"]["Conference held on"] == govuk_date(
        (NOW + timedelta(days=1)).date()
    )
    assert by_step["assessment_outcome"]["Outcome"] == "Child in need plan"
    assert by_step["close_plan"]["Reason for closure (CIN code)"].endswith("(RC8)")


def test_every_key_a_step_recorded_has_a_label(record):
    """A new answer cannot appear as its key: each has a label in app.referrals.answers."""
    unlabelled = set()
    for step in record.referral.steps:
        for key, value in (step.answers or {}).items():
            if key in answers.HIDDEN:
                continue
            if key not in FIELD_LABELS:
                unlabelled.add((step.step, key))
            for item in value if isinstance(value, list) else []:
                if isinstance(item, dict):
                    unlabelled |= {(step.step, k) for k in item if k not in FIELD_LABELS}
    assert not unlabelled


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2026, 12, 1, 22, 40, tzinfo=UTC), "1 December 2026 at 10:40pm"),
        (datetime(2026, 7, 1, 8, 0, tzinfo=UTC), "1 July 2026 at 9am"),  # BST
        (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), "10 March 2026 at midday"),
        (datetime(2026, 3, 10, 0, 0, tzinfo=UTC), "10 March 2026 at midnight"),
        (datetime(2026, 3, 10, 0, 5, tzinfo=UTC), "10 March 2026 at 12:05am"),
    ],
)
def test_govuk_date_style(moment, words):
    assert govuk_datetime(moment) == words


def test_a_coded_value_shows_its_label_wherever_it_is_defined():
    for value, label in OUTCOME_LABELS.items():
        assert answers.display("outcome", value, "threshold_decision") == label
    for kind in AgencyKind:
        assert answers.display("agency_kind", kind.value) == kind.label
    for value, label in LAWFUL_BASES.items():
        assert answers.display("lawful_basis", value) == label
    assert answers.display("custody_arrived_at", None) is None
    assert answers.display("occurred_at", "2026-12-01T22:40:00+00:00") == "1 December 2026 at 10:40pm"


def summary_rows(page, heading: str) -> dict[str, str]:
    (section,) = page.xpath(f"//h2[normalize-space()='{heading}']/following-sibling::dl[1]")
    return rows(section)


def test_the_referral_page_shows_each_child_and_drops_what_is_done(record):
    page = record.page()
    children = page.xpath("//h2[@id='children']/following-sibling::dl")
    alex = rows(children[0])
    assert alex["Date of birth"] == "4 March 2013 (age 13)"
    assert alex["Sex"] == "Female"
    assert alex["NHS number"] == "Not known"
    assert rows(children[1])["Date of birth"] == "6 May 2016 (age 10)"
    summary = summary_rows(page, "Summary")
    assert summary["DASH risk"] == "High" and summary["RAG rating"] == "Red"
    assert "Threshold decision due" not in summary  # decided
    decided = text_of(page.xpath("//h2[@id='decisions']/following-sibling::dl[1]")[0])
    assert "->" not in decided
    assert "In progress" in text_of(page.xpath("//table[.//caption[contains(., 'Plan actions')]]")[0])


def test_the_threshold_due_time_shows_until_the_decision(client, clock, start_journey, mash):
    clock.set(NOW)
    journey = start_journey(children=[steps.child(nhs_number="9434765919")])
    sign_in(client, mash["social_care"].email)
    page = lxml.html.fromstring(client.get(f"/referrals/{journey.referral.id}").data)
    assert "Threshold decision due" in summary_rows(page, "Summary")
    child = rows(page.xpath("//h2[@id='children']/following-sibling::dl")[0])
    assert child["NHS number"] == "943 476 5919"


def test_no_id_on_the_referral_page_is_used_twice(client, clock, start_journey, mash):
    """Each plan action has its own update form: its button, status and note need ids of their own."""
    from collections import Counter

    clock.set(NOW)
    journey = start_journey(children=[steps.child(), steps.child("Sam Fictional", date(2016, 5, 6))])
    journey.to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("assessment_outcome", steps.assessment_outcome())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    sign_in(client, mash["social_care"].email)
    html = client.get(f"/referrals/{journey.referral.id}").get_data(as_text=True)
    page = lxml.html.fromstring(html)
    buttons = page.xpath("//form[contains(@action, '/actions/')]//button")
    assert len(buttons) == len(journey.referral.plan.actions) >= 2
    repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
    assert repeated == []
    assert 'id="submit"' not in html


def test_the_timeline_reads_everyone_who_recorded_a_step_in_one_statement(client, start_journey, mash):
    """However many people recorded the steps, they are read together (and not their roles)."""
    from app.extensions import db
    from tests.statements import recorded_statements

    journey = start_journey().to_threshold()  # the police, the MASH, health and social care
    actors = {step.actor_id for step in journey.referral.steps}
    assert len(actors) >= 3
    sign_in(client, mash["social_care"].email)
    db.session.expire_all()
    with recorded_statements() as sent:
        page = client.get(f"/referrals/{journey.referral.id}")
    assert page.status_code == 200
    for step in journey.referral.steps:
        assert step.actor.full_name in page.get_data(as_text=True)
    users = [s for s in sent if s.lstrip().startswith("SELECT users.")]
    assert len(users) == 1, "\n".join(users)
    assert not any(s.lstrip().startswith("SELECT user_roles.") for s in sent)
