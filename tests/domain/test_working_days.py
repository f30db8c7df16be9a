from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from app.domain.working_days import (
    ASSESSMENT_WORKING_DAYS,
    ICPC_WORKING_DAYS,
    THRESHOLD_DECISION_WORKING_DAYS,
    add_working_days,
    assessment_due,
    icpc_due,
    is_working_day,
    threshold_decision_due,
    working_days_between,
)

LONDON = ZoneInfo("Europe/London")


def test_england_and_wales_share_one_bank_holiday_list():
    years = range(1990, 2041)
    england = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wales = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set(england) == set(wales)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 4, 2), True),  # Thursday before Easter
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 4), False),  # Saturday
        (date(2026, 4, 5), False),  # Easter Sunday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 12, 24), True),
        (date(2026, 12, 25), False),  # Christmas Day, a Friday
        (date(2026, 12, 28), False),  # Boxing Day falls on Saturday: substitute Monday
        (date(2026, 12, 29), True),
        (date(2022, 9, 19), False),  # State funeral of Queen Elizabeth II
        (date(2023, 5, 8), False),  # Coronation of King Charles III
        (date(2026, 5, 25), False),  # Spring bank holiday
        (date(2026, 11, 28), False),  # Saturday
        (date(2026, 11, 29), False),  # Sunday
        (date(2026, 11, 30), True),  # Monday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_is_working_day_uses_the_date_of_a_datetime():
    assert is_working_day(datetime(2026, 12, 25, 9, 0, tzinfo=LONDON)) is False
    assert is_working_day(datetime(2026, 12, 24, 23, 59, tzinfo=LONDON)) is True


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 23), 1, date(2026, 11, 24)),  # Monday + 1
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday + 1 = Monday
        (date(2026, 11, 23), 5, date(2026, 11, 30)),  # a week
        (date(2026, 11, 25), 10, date(2026, 12, 9)),
        (date(2026, 4, 2), 1, date(2026, 4, 7)),  # over Easter 2026
        (date(2026, 4, 1), 2, date(2026, 4, 7)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # over Christmas 2026
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day 2027 is a Friday
        # Christmas 2027 falls on a Saturday: substitute days 27 and 28 Dec.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        # A start on a non-working day counts from the next working day.
        (date(2026, 11, 28), 0, date(2026, 11, 30)),  # Saturday + 0 = Monday
        (date(2026, 11, 28), 1, date(2026, 12, 1)),  # Saturday + 1 = Tuesday
        (date(2026, 12, 25), 1, date(2026, 12, 30)),  # Christmas Day counts from 29 Dec
    ],
)
def test_add_working_days(start, n, expected):
    assert add_working_days(start, n) == expected


def test_add_working_days_returns_a_date_for_a_date():
    result = add_working_days(date(2026, 11, 23), 3)
    assert type(result) is date


def test_add_working_days_keeps_time_of_day_and_timezone():
    received = datetime(2026, 12, 24, 16, 45, 30, tzinfo=LONDON)
    due = add_working_days(received, 1)
    assert due == datetime(2026, 12, 29, 16, 45, 30, tzinfo=LONDON)
    assert due.tzinfo is LONDON


def test_add_working_days_keeps_wall_clock_time_over_a_clock_change():
    # Clocks go forward on Sunday 29 March 2026: 16:30 stays 16:30, now in BST.
    received = datetime(2026, 3, 27, 16, 30, tzinfo=LONDON)
    due = add_working_days(received, 1)
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 30), 16, 30)
    assert due.utcoffset() == timedelta(hours=1)
    assert received.utcoffset() == timedelta(0)


def test_add_working_days_keeps_a_fixed_offset_and_naive_datetimes_naive():
    aware = add_working_days(datetime(2026, 11, 27, 8, 0, tzinfo=UTC), 1)
    assert aware == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert aware.tzinfo is UTC
    naive = add_working_days(datetime(2026, 11, 27, 8, 0), 1)
    assert naive == datetime(2026, 11, 30, 8, 0)
    assert naive.tzinfo is None


def test_add_working_days_rejects_negative_n():
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 11, 23), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 24), date(2026, 11, 23), 0),  # end before start
        (date(2026, 11, 23), date(2026, 11, 24), 1),
        (date(2026, 11, 27), date(2026, 11, 30), 1),  # Friday to Monday
        (date(2026, 11, 27), date(2026, 11, 29), 0),  # Friday to Sunday
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # over Easter 2026
        (date(2026, 12, 24), date(2026, 12, 29), 1),  # over Christmas 2026
        (date(2026, 12, 24), date(2027, 1, 4), 4),  # 29, 30, 31 Dec and 4 Jan
        # 2026 has 261 weekdays, 8 of them bank holidays.
        (date(2025, 12, 31), date(2026, 12, 31), 253),
        # 1 Jan is a bank holiday, so the count starts after Friday 2 Jan.
        (date(2026, 1, 1), date(2026, 12, 31), 252),
        (date(2026, 11, 28), date(2026, 11, 30), 0),  # Saturday counts from Monday
        (date(2026, 11, 28), date(2026, 12, 1), 1),
    ],
)
def test_working_days_between(start, end, expected):
    assert working_days_between(start, end) == expected


def test_working_days_between_ignores_time_of_day():
    start = datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)
    end = datetime(2026, 11, 24, 9, 0, tzinfo=LONDON)
    assert working_days_between(start, end) == 1
    assert working_days_between(start, end.date()) == 1


def _every_day(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _next_working_day(day: date) -> date:
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5, 6, 15, 45, 260])
def test_working_days_between_inverts_add_working_days(n):
    # Every start from Christmas 2025 through New Year 2028, working or not,
    # covers Easter, substitute days and year ends.
    for start in _every_day(date(2025, 12, 20), date(2028, 1, 5)):
        due = add_working_days(start, n)
        assert is_working_day(due), (start, n)
        assert working_days_between(start, due) == n, (start, n)
        if n:
            # due is the first day that far away: the day before it is too soon.
            day_before = due - timedelta(days=1)
            assert working_days_between(start, day_before) == n - 1, (start, n)


def test_add_working_days_matches_counting_day_by_day():
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2032))

    def count_day_by_day(start: date, n: int) -> date:
        day = start
        while day.weekday() >= 5 or day in calendar:
            day += timedelta(days=1)
        for _ in range(n):
            day += timedelta(days=1)
            while day.weekday() >= 5 or day in calendar:
                day += timedelta(days=1)
        return day

    for start in _every_day(date(2020, 1, 1), date(2030, 12, 31)):
        for n in (1, 15, 45):
            assert add_working_days(start, n) == count_day_by_day(start, n), (start, n)


def test_statutory_timescales():
    assert THRESHOLD_DECISION_WORKING_DAYS == 1
    assert ICPC_WORKING_DAYS == 15
    assert ASSESSMENT_WORKING_DAYS == 45


def test_threshold_decision_due_is_one_working_day_later_at_the_same_time():
    received = datetime(2026, 4, 2, 14, 5, tzinfo=LONDON)  # Thursday before Easter
    due = datetime(2026, 4, 7, 14, 5, tzinfo=LONDON)
    assert threshold_decision_due(received) == due


def test_threshold_decision_due_for_a_weekend_referral_allows_a_full_working_day():
    received = datetime(2026, 11, 28, 22, 0, tzinfo=LONDON)  # Saturday night
    due = datetime(2026, 12, 1, 22, 0, tzinfo=LONDON)  # Tuesday, as for Monday night
    assert threshold_decision_due(received) == due


def test_icpc_due_is_15_working_days_after_the_strategy_discussion():
    # Tuesday 1 Dec 2026: three weeks of weekdays, no bank holidays.
    assert icpc_due(date(2026, 12, 1)) == date(2026, 12, 22)
    # Thursday 10 Dec 2026: 11, 14-18, 21-24, 29-31 Dec, then 4 and 5 Jan,
    # skipping 25 and 28 Dec and 1 Jan.
    assert icpc_due(date(2026, 12, 10)) == date(2027, 1, 5)


def test_icpc_due_returns_a_date_for_a_datetime():
    due = icpc_due(datetime(2026, 12, 10, 15, 30, tzinfo=LONDON))
    assert due == date(2027, 1, 5)
    assert type(due) is date


def test_assessment_due_is_45_working_days_after_the_referral():
    # 45 working days from Monday 2 Nov 2026 would be 4 Jan 2027 without the
    # three Christmas bank holidays (25 and 28 Dec, 1 Jan).
    assert assessment_due(date(2026, 11, 2)) == date(2027, 1, 7)
    assert working_days_between(date(2026, 11, 2), date(2027, 1, 7)) == 45
