from tests.referrals.conftest import mash, start_journey  # noqa: F401 (fixtures)
