from datetime import UTC, datetime, timedelta

import pytest

from app.domain.working_days import DEFAULT_CALENDAR
from app.timers.words import due_in_words

NOW = datetime(2026, 8, 28, 14, 0, tzinfo=UTC)  # Friday 15:00 in London


@pytest.mark.parametrize(
    ("due", "working", "words"),
    [
        (NOW + timedelta(hours=3), False, "due in 3 hours"),
        (NOW + timedelta(minutes=20), False, "due in 20 minutes"),
        (NOW + timedelta(hours=1), False, "due in 1 hour"),
        (NOW - timedelta(hours=2), False, "overdue by 2 hours"),
        (NOW + timedelta(days=5), False, "due in 5 days"),
        (NOW, False, "due now"),
        # Working time: Friday 15:00 to Tuesday 11:00 is 4 working hours (Monday is a bank holiday).
        (datetime(2026, 9, 1, 10, 0, tzinfo=UTC), True, "due in 4 working hours"),
        (datetime(2026, 9, 3, 14, 0, tzinfo=UTC), True, "due in 3 working days"),
        (NOW - timedelta(hours=2), True, "overdue by 2 working hours"),
    ],
)
def test_due_times_in_words(due, working, words):
    assert due_in_words(due, NOW, working_time=working, calendar=DEFAULT_CALENDAR) == words
