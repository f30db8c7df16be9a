"""Parallel tasks: each page's version token is its own task's, so one agency's save
never refuses another's; the same task submitted twice still saves once."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import Referral
from app.referrals import services
from tests.conftest import TEST_PASSWORD, system_account_for
from tests.referrals import steps


def page(response) -> str:
    return response.get_data(as_text=True)


def hidden_version(html: str) -> str:
    match = re.search(r'name="version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="version"', html
    )
    assert match, "no version on the task page"
    return match.group(1)


def research_answers(version: str, findings: str) -> dict:
    return {
        "version": version,
        "findings": findings,
        "information_shared": "Call-out history.",
        "shared_with": "MASH social worker",
        "purpose": "To inform the threshold decision.",
        "lawful_basis": "dpa_2018_safeguarding",
        "disagrees": "no",
    }


class Browser:
    """A test client whose every request gets an app context (and so a `g`) of its own.

    The test's own app context would otherwise be shared by the requests, and the
    user Flask-Login keeps in `g` would leak from one person's request to the other's.
    """

    def __init__(self, app, email: str) -> None:
        self.app, self.client = app, app.test_client()
        self.post("/sign-in", data={"email": email, "password": TEST_PASSWORD})

    def get(self, url: str):
        with self.app.app_context():
            return self.client.get(url)

    def post(self, url: str, **kwargs):
        with self.app.app_context():
            return self.client.post(url, **kwargs)


@pytest.fixture
def researching(start_journey):
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    return journey


def test_police_and_health_complete_their_research_at_the_same_moment(app, researching, mash):
    referral_id, ready = researching.referral.id, researching.ready()
    emails = mash["police"].email, mash["health"].email
    police, health = (Browser(app, email) for email in emails)
    police_url = f"/referrals/{referral_id}/tasks/{ready['police_research']}"
    health_url = f"/referrals/{referral_id}/tasks/{ready['health_research']}"
    # Both pages are open before either is submitted.
    police_page = police.get(police_url)
    assert police_page.status_code == 200, page(police_page)[:3000]
    police_version = hidden_version(page(police_page))
    health_page = health.get(health_url)
    assert health_page.status_code == 200, page(health_page)[:2000]
    health_version = hidden_version(page(health_page))

    assert police.post(police_url, data=research_answers(police_version, "Two call-outs.")).status_code == 302
    saved = health.post(health_url, data=research_answers(health_version, "Known to the health visitor."))
    assert saved.status_code == 302, page(saved)

    referral = db.session.get(Referral, referral_id)  # each request's context ended its session
    by_step = {s.step: s.answers["findings"] for s in referral.steps if s.step.endswith("_research")}
    assert by_step == {"police_research": "Two call-outs.", "health_research": "Known to the health visitor."}
    assert {t.step for t in referral.ready_tasks} == {"social_care_research"}


def test_the_same_task_submitted_twice_saves_once_and_shows_the_input_back(app, researching, mash):
    referral_id, officer_name, email = researching.referral.id, mash["police"].full_name, mash["police"].email
    url = f"/referrals/{referral_id}/tasks/{researching.ready()['police_research']}"
    # Two tabs, or two officers of one force: the same task, both pages open.
    first, second = Browser(app, email), Browser(app, email)
    version = hidden_version(page(first.get(url)))
    hidden_version(page(second.get(url)))
    assert first.post(url, data=research_answers(version, "Two call-outs.")).status_code == 302
    refused = second.post(
        url, data=research_answers(version, "No trace on our systems, line one\r\nline two")
    )
    assert refused.status_code == 409
    shown = page(refused)
    assert "Nothing you entered was saved" in shown
    assert "What you entered" in shown and "No trace on our systems, line one" in shown
    assert "Who did you share it with?" in shown and "Schedule 1, paragraph 18" in shown
    assert f"completed by {officer_name}" in shown
    referral = db.session.get(Referral, referral_id)
    assert [s.step for s in referral.steps].count("police_research") == 1


def test_a_token_from_before_the_task_was_ready_is_refused(researching, mash):
    referral = researching.referral
    task_id = researching.ready()["police_research"]
    with pytest.raises(services.StaleSubmission):
        services.complete_task(mash["police"], referral, task_id, 1, steps.research())


def test_the_api_lists_each_task_with_its_own_version(client, researching, mash):
    from app.models import ApiToken

    _, token = ApiToken.issue(system_account_for(mash["health"]), "health system", None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    referral = researching.referral
    document = client.get(f"/api/v1/referrals/{referral.id}", headers=headers).get_json()
    health_task = next(t for t in document["tasks"] if t["step"] == "health_research")
    researching.do("police_research", steps.research())  # police finish first
    url = f"/api/v1/referrals/{referral.id}/tasks/{health_task['task_id']}"
    answers = steps.research() | {"version": health_task["version"], "lawful_basis": "dpa_2018_safeguarding"}
    answers.pop("disagreement_reason")
    response = client.post(url, json=answers, headers=headers)
    assert response.status_code == 200, response.get_json()
    again = client.post(url, json=answers, headers=headers)
    assert again.status_code == 409
