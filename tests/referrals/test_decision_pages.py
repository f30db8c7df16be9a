"""Decision pages have what the decision needs, above the form: the incident and what happened, DASH,
each child's words and demeanour, the agencies' findings so far, the history, and a link to the record."""

from __future__ import annotations

from app.extensions import db
from tests.conftest import sign_in
from tests.referrals import steps


def task_page(client, journey, step: str, user) -> str:
    db.session.refresh(journey.referral)
    sign_in(client, user.email)
    response = client.get(f"/referrals/{journey.referral.id}/tasks/{journey.ready()[step]}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def above_the_form(page: str, *texts: str) -> None:
    form_starts = page.index('<form method="post" novalidate>')  # the task's own form
    for text in texts:
        assert text in page, text
        assert page.index(text) < form_starts, f"{text!r} is below the form"


TWO_CHILDREN = [
    steps.child("Alex Fictional", voice="I hide in my room.", demeanour="Withdrawn, would not look up."),
    steps.child("Sam Fictional", voice="Dad shouts.", demeanour="Chatty, then tearful."),
]


def findings(text: str, disagrees: bool = False) -> dict:
    return {**steps.research(disagrees), "findings": text}


def test_triage_shows_the_narrative_dash_and_each_childs_voice_above_the_form(client, start_journey, mash):
    journey = start_journey(children=TWO_CHILDREN, dash_level="high")
    page = task_page(client, journey, "triage", mash["social_care"])
    above_the_form(
        page,
        "Verbal argument, neighbour called police.",  # what happened
        "Suspect removed from the address.",
        "High, graded by the officer",
        "I hide in my room.",
        "Withdrawn, would not look up.",
        "Dad shouts.",
        "Chatty, then tearful.",
        f'href="/referrals/{journey.referral.id}"',
        'id="history"',
    )
    assert "DASH risk: high" not in page  # the label, not the stored value


def test_the_threshold_decision_shows_every_agencys_findings_and_the_history_above_the_form(
    client, start_journey, mash
):
    journey = start_journey(children=TWO_CHILDREN)
    journey.do("triage", steps.triage("amber"))
    journey.do("police_research", findings("Police: three call-outs since March."))
    journey.do("health_research", findings("Health: missed immunisations."))
    journey.do("social_care_research", findings("Social care: early help closed in 2025."))
    page = task_page(client, journey, "threshold_decision", mash["social_care"])
    above_the_form(
        page,
        "Police: three call-outs since March.",
        "Health: missed immunisations.",
        "Social care: early help closed in 2025.",
        "Testshire Police",
        "Testshire Health",
        "I hide in my room.",
        "Medium, graded by the officer",
        'id="history"',
        "Recommended outcome",
    )


def test_a_research_task_shows_the_findings_already_in(client, start_journey, mash):
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    journey.do("police_research", findings("Police: three call-outs since March."))
    page = task_page(client, journey, "health_research", mash["health"])
    above_the_form(page, "What the agencies have found", "Police: three call-outs since March.")


def test_the_plan_starts_from_the_strategy_discussions_immediate_actions(client, start_journey, mash):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do(
        "strategy_discussion",
        steps.strategy(immediate_actions="Children to stay with grandparents.\n- Visit school tomorrow"),
    )
    page = task_page(client, journey, "protective_plan", mash["social_care"])
    above_the_form(
        page, "Agreed at the strategy discussion", "Joint investigation with police", 'id="history"'
    )
    assert 'name="actions-0-description"' in page
    first, second = (
        page.split('name="actions-0-description"')[1].split("</textarea>")[0],
        page.split('name="actions-1-description"')[1].split("</textarea>")[0],
    )
    assert first.endswith("Children to stay with grandparents.")
    assert second.endswith("Visit school tomorrow")


def test_the_strategy_discussion_names_the_agencies_taking_part(client, start_journey, mash):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    page = task_page(client, journey, "strategy_discussion", mash["social_care"])
    select = page.split('name="attendees-0-agency_kind"')[1].split("</select>")[0]
    options = [o.split(">", 1)[1].split("<")[0] for o in select.split("<option")[1:]]
    assert options[:4] == [
        "Select an agency",
        "Testshire Police (Police force)",
        "Testshire Children&#39;s Services (Local authority children&#39;s social care)",
        "Testshire Health (Health organisation)",
    ]
    assert options[4:] == []  # only agencies taking part: invite a school to record its attendee


def test_no_id_on_a_research_page_is_used_twice(client, start_journey, mash):
    """A label finds its box by id: a heading with the box's id hid the findings box from its label."""
    import re
    from collections import Counter

    from tests.conftest import sign_in
    from tests.referrals import steps

    journey = start_journey()
    journey.do("triage", steps.triage())
    sign_in(client, mash["social_care"].email)
    for step in ("social_care_research", "police_research"):
        if step == "police_research":
            client.post("/sign-out")
            sign_in(client, mash["police"].email)
        html = client.get(f"/referrals/{journey.referral.id}/tasks/{journey.ready()[step]}").get_data(
            as_text=True
        )
        repeated = [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]
        assert repeated == [], (step, repeated)
