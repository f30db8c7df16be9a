"""A partner's professional disagreement raised after the decision reaches a manager and audit list 11."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.audit.gaps import GAPS_BY_SLUG
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import Alert, DisagreementStatus, ProfessionalDisagreement
from tests.referrals import steps
from tests.referrals.test_http import page
from tests.referrals.test_sign_off import sign_in_as

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def fixed_now(clock):
    clock.set(NOW)
    return clock


def decided(start_journey):
    journey = start_journey(incident_type="neglect", dash_level=None)
    journey.to_threshold(rag="amber")
    journey.do("threshold_decision", steps.threshold("s17"))
    journey.do("record_outcome", steps.record_outcome())
    return journey


def unresolved_list(manager) -> set[int]:
    return {row.referral_id for row in GAPS_BY_SLUG["unresolved-escalations"].query(AuditScope.everything())}


def test_a_partner_disagrees_after_the_decision_and_a_manager_reviews_it(client, start_journey, mash):
    journey = decided(start_journey)
    referral_id = journey.referral.id
    assert referral_id not in unresolved_list(mash["manager"])
    sign_in_as(client, mash["health"])
    assert "Disagree with this decision" in page(client.get(f"/referrals/{referral_id}"))
    url = f"/referrals/{referral_id}/disagreements/new"
    empty = client.post(url, data={"reason": "  "})
    assert empty.status_code == 400
    assert "Enter why your agency disagrees with the decision" in page(empty)
    assert db.session.query(ProfessionalDisagreement).count() == 0

    assert client.post(url, data={"reason": "Health visitor saw bruising last week."}).status_code == 302
    (raised,) = db.session.query(ProfessionalDisagreement).all()
    assert raised.agency_id == mash["health"].agency_id and raised.status is DisagreementStatus.OPEN
    assert db.session.query(Alert).filter_by(user_id=mash["manager"].id, referral_id=referral_id).count() == 1
    assert referral_id in unresolved_list(mash["manager"])
    again = client.post(url, data={"reason": "Again."})
    assert again.status_code == 400 and "already waiting for a manager" in page(again)

    review_url = f"/referrals/{referral_id}/disagreements/{raised.id}"
    assert client.get(review_url).status_code == 403  # only a manager reviews
    sign_in_as(client, mash["manager"])
    shown = page(client.get(review_url))
    assert "Health visitor saw bruising last week." in shown
    missing = client.post(review_url, data={"resolution": ""})
    assert missing.status_code == 400
    assert "Select whether you uphold the disagreement" in page(missing)
    assert "Enter what you decided and what happens next" in page(missing)
    done = client.post(
        review_url, data={"upheld": "yes", "resolution": "New contact opened for a strategy discussion."}
    )
    assert done.status_code == 302
    db.session.refresh(raised)
    assert raised.status is DisagreementStatus.UPHELD and raised.resolved_by_id == mash["manager"].id
    assert referral_id not in unresolved_list(mash["manager"])
    timeline = page(client.get(f"/referrals/{referral_id}"))
    assert "Professional disagreement raised" in timeline
    assert "Professional disagreement reviewed" in timeline
    assert "New contact opened for a strategy discussion." in timeline


def test_not_after_the_period_and_not_by_an_outsider(client, start_journey, mash, clock):
    journey = decided(start_journey)
    url = f"/referrals/{journey.referral.id}/disagreements/new"
    sign_in_as(client, mash["outsider"])
    assert client.get(url).status_code == 403
    clock.set(NOW + timedelta(days=14))  # more than 5 working days after the decision
    sign_in_as(client, mash["police"])
    assert "The time for raising a disagreement about this decision has passed" in page(client.get(url))
    late = client.post(url, data={"reason": "Too late?"})
    assert late.status_code == 400 and "has passed" in page(late)
    assert db.session.query(ProfessionalDisagreement).count() == 0
