"""The MASH fixture the referral tests use, for the notification tests that post over HTTP."""

from tests.referrals.conftest import mash  # noqa: F401 (fixture)
