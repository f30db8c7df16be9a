from tests.referrals.conftest import mash  # noqa: F401 (fixture)
