"""Working time: the hours of a working day, on working days (09:00-17:00 by default)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.working_days import DEFAULT_CALENDAR, WorkingCalendar

LONDON = ZoneInfo("Europe/London")
# Friday 28 August 2026; Monday 31 August is the summer bank holiday.
FRIDAY_3PM = datetime(2026, 8, 28, 15, 0, tzinfo=LONDON)


def at(day: int, hour: int, minute: int = 0, month: int = 8) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (FRIDAY_3PM, 2, at(28, 17)),  # the rest of Friday
        (FRIDAY_3PM, 3, datetime(2026, 9, 1, 10, tzinfo=LONDON)),  # skips the weekend and the bank holiday
        (FRIDAY_3PM, 8, datetime(2026, 9, 1, 15, tzinfo=LONDON)),  # one working day
        (at(28, 20), 8, datetime(2026, 9, 1, 17, tzinfo=LONDON)),  # received after closing
        (at(29, 10), 1, datetime(2026, 9, 1, 10, tzinfo=LONDON)),  # received on Saturday
        (at(27, 8), 1, at(27, 10)),  # before opening: counts from 09:00
        (at(27, 9), 8, at(27, 17)),
        (FRIDAY_3PM, 0, FRIDAY_3PM),
    ],
)
def test_adding_working_hours(start, hours, due):
    assert DEFAULT_CALENDAR.add(start, hours) == due.astimezone(UTC)


def test_a_working_day_is_the_working_hours_of_a_day():
    assert DEFAULT_CALENDAR.hours_per_day == 8
    assert DEFAULT_CALENDAR.add_days(FRIDAY_3PM, 1) == datetime(2026, 9, 1, 15, tzinfo=LONDON)
    assert DEFAULT_CALENDAR.add_days(FRIDAY_3PM, 3) == datetime(2026, 9, 3, 15, tzinfo=LONDON)


def test_the_arithmetic_is_continuous_across_closing_time():
    before = DEFAULT_CALENDAR.add_days(at(28, 16, 59), 1)
    after = DEFAULT_CALENDAR.add_days(at(28, 17, 1), 1)
    assert timedelta(0) <= after - before <= timedelta(minutes=1)


def test_a_day_the_clocks_change_is_not_a_working_day_but_the_week_after_is_counted_in_local_time():
    # Clocks go forward on Sunday 29 March 2026: Friday 16:00 + 2 working hours is Monday 10:00 BST.
    assert DEFAULT_CALENDAR.add(datetime(2026, 3, 27, 16, tzinfo=LONDON), 2) == datetime(
        2026, 3, 30, 10, tzinfo=LONDON
    )


def test_hours_between_counts_only_working_hours():
    assert DEFAULT_CALENDAR.hours_between(FRIDAY_3PM, datetime(2026, 9, 1, 11, tzinfo=LONDON)) == 4
    assert DEFAULT_CALENDAR.hours_between(at(28, 18), at(28, 19)) == 0
    assert DEFAULT_CALENDAR.hours_between(FRIDAY_3PM, at(27, 9)) == 0


def test_a_different_calendar():
    early = WorkingCalendar(opens=time(8, 0), closes=time(18, 0))
    assert early.hours_per_day == 10
    assert early.add_days(FRIDAY_3PM, 1) == datetime(2026, 9, 1, 15, tzinfo=LONDON)


def test_a_calendar_must_open_before_it_closes():
    with pytest.raises(ValueError, match="open before it closes"):
        WorkingCalendar(opens=time(17, 0), closes=time(9, 0))


def test_naive_and_negative_input_is_refused():
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add(datetime(2026, 8, 28, 15), 1)  # noqa: DTZ001 - deliberately naive
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add(FRIDAY_3PM, -1)


def _hours_window_by_window(calendar, start, end) -> float:
    """The plain count, one working window at a time up to a year on: what hours_between must equal."""
    from datetime import timedelta

    if end <= start:
        return 0.0
    total = timedelta()
    horizon = start + timedelta(days=366)
    for opens, closes in calendar._windows_from(start):
        if opens >= end or opens >= horizon:
            break
        total += min(closes, end) - opens
    return total.total_seconds() / 3600


@settings(max_examples=400, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(LONDON)
    ),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_hours_between_counts_whole_days_at_once_and_agrees_with_the_windows(start, span):
    """Long spans ("overdue by 40 working days") are counted in whole days, not day by day."""
    end = start + span
    assert DEFAULT_CALENDAR.hours_between(start, end) == pytest.approx(
        _hours_window_by_window(DEFAULT_CALENDAR, start, end), abs=1e-6
    )
