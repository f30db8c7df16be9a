from tests.referrals.conftest import mash, start_journey  # noqa: F401 (fixtures)
from tests.timers.test_email import smtp_server  # noqa: F401 (fixture)
