"""What the referral page shows: contract labels, and the record links the routes would allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.referrals import recording
from app.referrals.presenters import (
    RecordingLinks,
    display_value,
    outcome_label,
    recording_links,
    strategy_decision_label,
)
from app.workflow.contract import OUTCOME_LABELS, STRATEGY_DECISION_LABELS
from tests.conftest import sign_in
from tests.referrals import steps

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_labels_come_from_the_contract():
    for value, label in OUTCOME_LABELS.items():
        assert outcome_label(value) == display_value("outcome", value) == label
    for value, label in STRATEGY_DECISION_LABELS.items():
        assert strategy_decision_label(value) == display_value("decision", value) == label
    assert outcome_label("not_a_value") == "not_a_value"


@pytest.mark.parametrize("label", [*OUTCOME_LABELS.values(), *STRATEGY_DECISION_LABELS.values()])
def test_no_template_writes_a_contract_label_itself(label):
    for template in TEMPLATES.rglob("*.html"):
        assert label not in template.read_text(encoding="utf-8"), template


def test_the_conference_link_is_for_social_care_until_the_outcome_is_recorded(start_journey, mash):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    referral = journey.referral
    assert recording_links(referral, {"Social care"}) == RecordingLinks(
        conference=True, police_protection_end=False
    )
    assert recording_links(referral, {"Police", "Health", "Manager"}).conference is False
    recording.record_conference(
        mash["social_care"], referral, None, "Concerns not substantiated", datetime.now(UTC).date()
    )
    assert recording_links(referral, {"Social care"}).conference is False


def test_no_conference_link_without_s47_enquiries(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy("no_s47"))
    assert recording_links(journey.referral, {"Social care"}).conference is False


def test_the_police_protection_link_is_for_police_until_the_end_is_recorded(client, start_journey, mash):
    started = (datetime.now(UTC) - timedelta(hours=10)).replace(microsecond=0)
    journey = start_journey(
        incident_type="police_protection",
        pp_started_at=started,
        pp_place_of_safety="Foster placement",
        pp_local_authority_informed_at=started + timedelta(minutes=30),
        pp_rescinded_at=None,
    )
    referral = journey.referral
    assert recording_links(referral, {"Police"}).police_protection_end is True
    assert recording_links(referral, {"Social care", "Health"}).police_protection_end is False
    recording.record_police_protection_ended(
        mash["police"], referral, started + timedelta(hours=2), datetime.now(UTC)
    )
    assert recording_links(referral, {"Police"}).police_protection_end is False
    sign_in(client, mash["police"].email)
    assert "Record when it ended" not in client.get(f"/referrals/{referral.id}").get_data(as_text=True)
