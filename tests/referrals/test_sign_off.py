"""A manager signs off no further action or early help when the history or the incident calls for it,
and a partner's disagreement at the decision reaches a manager: over HTTP, with real earlier referrals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.clock import utcnow
from app.extensions import db
from app.models import ReferralStatus
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps
from tests.referrals.test_http import page, token_for

NHS = "9434765919"
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def fixed_now(clock):
    clock.set(NOW)
    return clock


def casey(**overrides) -> dict:
    return steps.child("Casey Fictional", nhs_number=NHS, **overrides)


def neglect(**overrides) -> dict:
    return steps.notification(
        children=[casey()],
        incident_type="neglect",
        dash_level=None,
        description="Home conditions poor.",
        **overrides,
    )


def earlier_contacts(start_journey, clock, count: int, outcome: str = "early_help"):
    """`count` earlier referrals about Casey in the last year, each closed with `outcome`."""
    now = utcnow()
    for months in range(count, 0, -1):
        clock.set(now - timedelta(days=30 * months))
        journey = start_journey(**neglect())
        journey.to_threshold(rag="green")
        journey.do("threshold_decision", {**steps.threshold(outcome), "history_weighed": "Weighed."})
        if "resolve_disagreement" in journey.ready():  # the rules recommended something else
            journey.do("resolve_disagreement", {"outcome": outcome, "resolution": "Agreed."})
        if "manager_sign_off" in journey.ready():
            journey.do("manager_sign_off", {"signed_off": True, "note": "Agreed."})
        journey.do("record_outcome", {"next_step": "Advice given."})
        assert journey.referral.status is ReferralStatus.CLOSED
    clock.set(now)


def version_of(client, url: str) -> str:
    return page(client.get(url)).split('name="version" type="hidden" value="')[1].split('"')[0]


def sign_in_as(client, user):
    client.post("/sign-out")
    sign_in(client, user.email)


def decide_over_http(client, journey, user, outcome: str, **extra):
    sign_in_as(client, user)
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['threshold_decision']}"
    answers = {
        "version": version_of(client, url),
        "outcome": outcome,
        "rationale": "Low level, family engaging.",
        "history_weighed": "Two earlier neglect contacts, both closed; conditions now improved.",
        **extra,
    }
    return client.post(url, data=answers)


def test_the_rule(start_journey, mash, clock):
    domestic_abuse = start_journey()
    assert services.needs_manager_sign_off(domestic_abuse.referral, "nfa")
    assert not services.needs_manager_sign_off(domestic_abuse.referral, "s17")
    first = start_journey(**neglect())
    assert not services.needs_manager_sign_off(first.referral, "nfa")
    earlier_contacts(start_journey, clock, 2)
    third = start_journey(**neglect())
    assert services.needs_manager_sign_off(third.referral, "early_help")
    assert not services.needs_manager_sign_off(third.referral, "s47")


def test_one_earlier_contact_needs_no_sign_off(client, start_journey, mash, clock):
    earlier_contacts(start_journey, clock, 1)
    journey = start_journey(**neglect())
    journey.to_threshold(rag="green")
    assert journey_recommendation(journey) == "early_help"
    assert decide_over_http(client, journey, mash["social_care"], "early_help").status_code == 302
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"record_outcome"}
    assert journey.referral.threshold_decision.sign_off_required is False


def test_early_help_with_two_earlier_contacts_closes_only_after_a_manager_signs_it_off(
    client, start_journey, mash, clock
):
    earlier_contacts(start_journey, clock, 2)
    journey = start_journey(**neglect())
    journey.to_threshold(rag="green")
    assert journey_recommendation(journey) == "early_help"  # agreed: nothing to resolve, only to sign off
    assert decide_over_http(client, journey, mash["social_care"], "early_help").status_code == 302
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"manager_sign_off"}  # nothing closes the case yet
    assert journey.referral.status is ReferralStatus.OPEN
    assert journey.referral.threshold_decision.awaiting_sign_off

    # The social worker cannot sign off their own decision.
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['manager_sign_off']}"
    assert client.get(url).status_code == 403

    sign_in_as(client, mash["manager"])
    shown = page(client.get(url))
    assert "The decision to sign off" in shown
    assert "Low level, family engaging." in shown
    assert "Two earlier neglect contacts" in shown  # how the history was weighed
    assert "FD-" in shown  # the earlier referrals, listed in the history panel

    # Bad input: no reasons. Nothing is saved.
    version = version_of(client, url)
    refused = client.post(url, data={"version": version, "signed_off": "yes", "note": ""})
    assert refused.status_code == 400
    assert "Enter your reasons" in page(refused)
    db.session.refresh(journey.referral)
    assert journey.referral.threshold_decision.signed_off_at is None
    assert set(journey.ready()) == {"manager_sign_off"}

    signed = client.post(
        url,
        data={
            "version": version,
            "signed_off": "yes",
            "note": "Conditions improved; health visitor involved.",
        },
    )
    assert signed.status_code == 302, page(signed)[page(signed).find("error-summary__list") :][:600]
    db.session.refresh(journey.referral)
    decision = journey.referral.threshold_decision
    assert decision.signed_off is True and decision.signed_off_by_id == mash["manager"].id
    assert set(journey.ready()) == {"record_outcome"}
    timeline = page(client.get(f"/referrals/{journey.referral.id}"))
    assert "Manager sign-off" in timeline
    assert "Conditions improved; health visitor involved." in timeline

    journey.do("record_outcome", {"next_step": "Advice given."})
    db.session.refresh(journey.referral)
    assert journey.referral.status is ReferralStatus.CLOSED


def test_no_further_action_with_two_earlier_contacts_waits_for_a_manager(client, start_journey, mash, clock):
    """The rules recommend more than no further action here, so the manager who resolves the
    difference is the one who signs it off: the case closes only after that."""
    earlier_contacts(start_journey, clock, 2)
    journey = start_journey(**neglect())
    journey.to_threshold(rag="green")
    assert decide_over_http(client, journey, mash["social_care"], "nfa").status_code == 302
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"resolve_disagreement"}
    assert journey.referral.threshold_decision.awaiting_sign_off
    assert journey.referral.status is ReferralStatus.OPEN
    journey.do(
        "resolve_disagreement", {"outcome": "nfa", "resolution": "Agreed after a call with the school."}
    )
    decision = journey.referral.threshold_decision
    assert decision.signed_off is True and decision.signed_off_by_id == mash["manager"].id
    assert set(journey.ready()) == {"record_outcome"}
    journey.do("record_outcome", {"next_step": "Advice given."})
    assert journey.referral.status is ReferralStatus.CLOSED


def test_a_manager_who_changes_the_decision_starts_its_route(client, start_journey, mash):
    journey = start_journey(dash_level="standard")  # domestic abuse: sign-off whatever the history
    journey.to_threshold(rag="green")
    recommended = journey_recommendation(journey)
    assert recommended in ("nfa", "early_help")  # agreeing with it: no disagreement to resolve
    assert decide_over_http(client, journey, mash["social_care"], recommended).status_code == 302
    db.session.refresh(journey.referral)
    ready = journey.ready()
    assert set(ready) == {"manager_sign_off"}
    sign_in_as(client, mash["manager"])
    url = f"/referrals/{journey.referral.id}/tasks/{ready['manager_sign_off']}"
    version = version_of(client, url)
    same = client.post(url, data={"version": version, "signed_off": "no", "outcome": "", "note": "x"})
    assert same.status_code == 400
    assert "Select the threshold decision you are changing it to" in page(same)
    changed = client.post(
        url, data={"version": version, "signed_off": "no", "outcome": "s47", "note": "Third incident: s47."}
    )
    assert changed.status_code == 302
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"strategy_discussion"}
    decision = journey.referral.threshold_decision
    assert decision.signed_off is False and decision.final_outcome == "s47"
    assert journey.referral.outcome == "s47"


def journey_recommendation(journey) -> str:
    from app.referrals import workflow

    return workflow.engine().data(workflow.load(journey.referral))["recommended_outcome"]


def test_a_disagreement_recorded_at_the_decision_goes_to_a_manager(client, start_journey, mash):
    journey = start_journey(**neglect())
    journey.to_threshold(rag="amber")  # recommends s17
    missing_reason = decide_over_http(client, journey, mash["social_care"], "s17", disagreement_raised="yes")
    assert missing_reason.status_code == 400
    assert "Say which agency disagrees with this decision, and why" in page(missing_reason)
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"threshold_decision"}
    assert journey.referral.threshold_decisions == []

    raised = decide_over_http(
        client,
        journey,
        mash["social_care"],
        "s17",
        disagreement_raised="yes",
        disagreement_reason="Health think this needs a strategy discussion.",
    )
    assert raised.status_code == 302
    db.session.refresh(journey.referral)
    assert set(journey.ready()) == {"resolve_disagreement"}
    sign_in_as(client, mash["manager"])
    shown = page(
        client.get(f"/referrals/{journey.referral.id}/tasks/{journey.ready()['resolve_disagreement']}")
    )
    assert "Health think this needs a strategy discussion." in shown


def test_the_api_can_raise_a_disagreement_at_the_decision(client, start_journey, mash):
    journey = start_journey(**neglect())
    journey.to_threshold(rag="amber")
    headers = token_for(mash["social_care"])
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['threshold_decision']}"
    body = {"version": journey.referral.version, "outcome": "s17", "rationale": "Needs assessment."}
    refused = client.post(url, json={**body, "disagreement_raised": True}, headers=headers)
    assert refused.status_code == 422
    assert "disagreement_reason" in refused.get_json()["errors"]
    done = client.post(
        url,
        json={**body, "disagreement_raised": True, "disagreement_reason": "Police: risk is higher."},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    assert {t["step"] for t in done.get_json()["tasks"]} == {"resolve_disagreement"}
