from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.referrals.conftest import Journey, mash, start_journey  # noqa: F401 (fixtures)

#: Friday 28 August 2026, 15:00 in London; Monday 31 August is the summer bank holiday.
FRIDAY_3PM = datetime(2026, 8, 28, 14, 0, tzinfo=UTC)


@pytest.fixture
def friday(clock):
    """The clock frozen at 15:00 on the Friday before a bank holiday Monday."""
    clock.set(FRIDAY_3PM)
    return clock
