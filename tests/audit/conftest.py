from __future__ import annotations

import pytest

from app.models import RoleName
from tests.audit.dashboard_oracle import dashboard_agrees_with_lists  # noqa: F401 (autouse)
from tests.referrals import conftest as referral_fixtures

# The MASH and journey fixtures are shared with the referral tests.
mash = referral_fixtures.mash
start_journey = referral_fixtures.start_journey


@pytest.fixture
def auditor(make_user, request):
    """A read-only auditor in the MASH's social care agency."""
    social = request.getfixturevalue("mash")["social_care"].agency
    return make_user(RoleName.AUDITOR, agency=social)
