from __future__ import annotations

import pytest

from app.models import RoleName
from tests.referrals.conftest import mash, start_journey  # noqa: F401  (shared fixtures)


@pytest.fixture
def auditor(mash, make_user):
    """A read-only auditor in the MASH's social care agency."""
    social = mash["social_care"].agency
    return make_user(RoleName.AUDITOR, agency=social)
