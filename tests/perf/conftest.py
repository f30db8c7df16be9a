"""The MASH and journey fixtures, shared with the referral tests."""

from tests.audit.conftest import auditor  # noqa: F401 (fixture)
from tests.referrals.conftest import mash, start_journey  # noqa: F401 (fixtures)
