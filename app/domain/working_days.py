"""Working-day arithmetic for the statutory clocks in England and Wales.

A working day is Monday to Friday, excluding the bank holidays of England and
Wales. England and Wales share one bank holiday list (the `holidays` library's
GB "ENG" and "WLS" subdivisions are identical, and a test guards that).

Conventions, chosen so that due dates and reports always agree:

* A start on a non-working day (a referral received on a Saturday or on
  Christmas Day) is treated as if made on the next working day, so Saturday
  + 1 working day is Tuesday, as for a Monday start.
* ``working_days_between(start, end)`` counts the working days after start up
  to and including end, with the same treatment of the start, so
  ``working_days_between(d, add_working_days(d, n)) == n`` for every date d.
* Only calendar dates count. A datetime keeps its time of day and tzinfo, but
  its own date is used as is, so pass UK local time (Europe/London), not UTC.

This is called for every row of a report, so it works on day ordinals with
closed-form weekday arithmetic. Each year's bank holidays are fetched from the
library once, and after that a lookup is a bisect over about eight numbers.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays

# Statutory timescales, in working days, from Working Together to Safeguard
# Children (DfE, 2023); the Wales Safeguarding Procedures set the same ones.
# Threshold decision: within one working day of a referral being received.
THRESHOLD_DECISION_WORKING_DAYS = 1
# Initial child protection conference: within 15 working days of the strategy
# discussion at which section 47 enquiries were started. The CIN census
# reports this target as InitialCPCtarget (item N00109).
ICPC_WORKING_DAYS = 15
# Assessment: completed within 45 working days of the referral.
ASSESSMENT_WORKING_DAYS = 45

# A date in, a date out; a datetime in, a datetime out.
_Moment = TypeVar("_Moment", date, datetime)

# date.fromordinal(1) is Monday 1 January 0001, so ordinal o falls on weekday
# (o - 1) % 7, where Monday is 0 and Friday is 4.
_DAYS_PER_WEEK = 7
_WEEKDAYS_PER_WEEK = 5


@cache
def _bank_holidays_on_weekdays(year: int) -> tuple[int, ...]:
    """Sorted ordinals of the year's bank holidays that fall Monday to Friday."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return tuple(
        sorted(day.toordinal() for day in calendar if day.year == year and day.weekday() < _WEEKDAYS_PER_WEEK)
    )


def _is_weekday(ordinal: int) -> bool:
    return (ordinal - 1) % _DAYS_PER_WEEK < _WEEKDAYS_PER_WEEK


def _weekdays_up_to(ordinal: int) -> int:
    """How many Mondays to Fridays have an ordinal from 1 to ``ordinal`` inclusive."""
    weeks, rest = divmod(ordinal, _DAYS_PER_WEEK)
    return weeks * _WEEKDAYS_PER_WEEK + min(rest, _WEEKDAYS_PER_WEEK)


def _bank_holidays_after(first: int, last: int) -> int:
    """How many weekday bank holidays have an ordinal in (first, last]."""
    count = 0
    for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
        year_holidays = _bank_holidays_on_weekdays(year)
        count += bisect_right(year_holidays, last) - bisect_right(year_holidays, first)
    return count


def _add_weekdays(ordinal: int, n: int) -> int:
    """The ordinal n weekdays after ``ordinal``, which must itself be a weekday."""
    weeks, rest = divmod(n, _WEEKDAYS_PER_WEEK)
    result = ordinal + weeks * _DAYS_PER_WEEK + rest
    if (ordinal - 1) % _DAYS_PER_WEEK + rest >= _WEEKDAYS_PER_WEEK:
        result += _DAYS_PER_WEEK - _WEEKDAYS_PER_WEEK  # step over the weekend
    return result


def _is_working_ordinal(ordinal: int) -> bool:
    if not _is_weekday(ordinal):
        return False
    return ordinal not in _bank_holidays_on_weekdays(date.fromordinal(ordinal).year)


def _first_working_ordinal(day: date) -> int:
    """``day``'s ordinal, or the next working day's if ``day`` is not a working day."""
    ordinal = day.toordinal()
    while not _is_working_ordinal(ordinal):
        ordinal += 1
    return ordinal


def _as_date(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def is_working_day(day: date) -> bool:
    """Whether ``day`` is Monday to Friday and not an England and Wales bank holiday."""
    return _is_working_ordinal(_as_date(day).toordinal())


def add_working_days(start: _Moment, n: int) -> _Moment:
    """The date n working days after ``start``.

    A datetime start gives a datetime with the same time of day and tzinfo.

    A start on a non-working day counts from the next working day, so the
    result is that working day when n is 0.
    """
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    origin = _first_working_ordinal(_as_date(start))
    # Step n weekdays ahead, then one more weekday for each bank holiday
    # passed, until a step passes no new bank holiday.
    result = _add_weekdays(origin, n)
    skipped = 0
    while (in_span := _bank_holidays_after(origin, result)) != skipped:
        result = _add_weekdays(result, in_span - skipped)
        skipped = in_span
    due = date.fromordinal(result)
    if isinstance(start, datetime):
        return datetime.combine(due, start.timetz())
    return due


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """How many working days there are after ``start``, up to and including ``end``.

    Returns 0 when ``end`` is not after ``start``. As in ``add_working_days``, a
    start on a non-working day counts from the next working day.
    """
    first = _first_working_ordinal(_as_date(start))
    last = _as_date(end).toordinal()
    if last <= first:
        return 0
    weekdays = _weekdays_up_to(last) - _weekdays_up_to(first)
    return weekdays - _bank_holidays_after(first, last)


def threshold_decision_due(received_at: datetime) -> datetime:
    """When the threshold decision on a referral received at ``received_at`` is due."""
    return add_working_days(received_at, THRESHOLD_DECISION_WORKING_DAYS)


def icpc_due(strategy_discussion_at: date | datetime) -> date:
    """The date by which the ICPC must be held.

    Counted from the strategy discussion at which s47 enquiries were started.
    """
    return add_working_days(_as_date(strategy_discussion_at), ICPC_WORKING_DAYS)


def assessment_due(referral_received_at: date | datetime) -> date:
    """The date by which the assessment must be completed, counted from the referral."""
    return add_working_days(_as_date(referral_received_at), ASSESSMENT_WORKING_DAYS)


# --------------------------------------------------------------------------- working time
#
# Local response times (the RAG rating's) may be given in working time: the
# hours of a working day, on working days. A working day of working time is
# one day's working hours, so with a 09:00-17:00 calendar "1 working day" is
# 8 working hours: a contact received on Friday at 15:00 before a bank holiday
# Monday is due on Tuesday at 15:00, and one received after 17:00 is due by
# the close of the next working day. The arithmetic is continuous: a minute
# later in, a minute (at most) later due.


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours on working days, in UK local time.

    ``opens`` and ``closes`` are wall-clock times in Europe/London; working
    days are those of ``is_working_day`` (Monday to Friday, England and Wales
    bank holidays skipped).
    """

    opens: time = time(9, 0)
    closes: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError(
                f"The working day must open before it closes (opens {self.opens:%H:%M}, closes {self.closes:%H:%M})"
            )

    @property
    def hours_per_day(self) -> float:
        return (_seconds(self.closes) - _seconds(self.opens)) / 3600

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.opens, tzinfo=_LONDON),
            datetime.combine(day, self.closes, tzinfo=_LONDON),
        )

    def _windows_from(self, moment: datetime):
        """The working windows (open, close) that end after ``moment``, in order, forever."""
        day = moment.astimezone(_LONDON).date()
        while True:
            if is_working_day(day):
                opens, closes = self._window(day)
                if closes > moment:
                    yield max(opens, moment), closes
            day = date.fromordinal(day.toordinal() + 1)

    def add(self, moment: datetime, hours: float) -> datetime:
        """The instant ``hours`` working hours after ``moment`` (an aware datetime), in UTC.

        Time outside working hours does not count, so a start in the evening
        counts from the next opening. Zero hours gives ``moment`` itself.
        """
        if moment.tzinfo is None:
            raise ValueError("give an aware datetime")
        if hours < 0:
            raise ValueError(f"hours must be 0 or more, not {hours}")
        remaining = timedelta(hours=hours)
        if not remaining:
            return moment.astimezone(UTC)
        for opens, closes in self._windows_from(moment):
            # Wall-clock arithmetic within one window: on the days the clocks
            # change, 09:00 to 17:00 is still 8 working hours.
            span = closes.replace(tzinfo=None) - opens.astimezone(_LONDON).replace(tzinfo=None)
            if remaining <= span:
                local = opens.astimezone(_LONDON).replace(tzinfo=None) + remaining
                return local.replace(tzinfo=_LONDON).astimezone(UTC)
            remaining -= span
        raise AssertionError("unreachable")  # pragma: no cover - the windows never end

    def add_days(self, moment: datetime, days: float) -> datetime:
        """``days`` working days of working time after ``moment``: ``days`` times the working hours of a day."""
        return self.add(moment, days * self.hours_per_day)

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from ``start`` to ``end``; 0 when ``end`` is not after ``start``.

        Stops counting after a year of days: this is for "overdue by" and "due
        in", where anything longer is shown in days anyway.
        """
        if end <= start:
            return 0.0
        horizon = start + timedelta(days=366)
        if end > horizon:  # count up to the horizon, and to the close of a window open then
            opens, closes = self._window(horizon.astimezone(_LONDON).date())
            in_window = is_working_day(opens.date()) and opens <= horizon < closes
            end = min(end, closes) if in_window else horizon
        first, last = start.astimezone(_LONDON).date(), end.astimezone(_LONDON).date()
        if (last - first).days < 3:
            return self._hours_by_windows(start, end)
        # The first and last days window by window; every working day between them is whole.
        after_first = datetime.combine(first + timedelta(days=1), time(0), tzinfo=_LONDON)
        start_of_last = datetime.combine(last, time(0), tzinfo=_LONDON)
        whole = _weekdays_up_to(last.toordinal() - 1) - _weekdays_up_to(first.toordinal())
        whole -= _bank_holidays_after(first.toordinal(), last.toordinal() - 1)
        return (
            self._hours_by_windows(start, after_first)
            + whole * self.hours_per_day
            + self._hours_by_windows(start_of_last, end)
        )

    def _hours_by_windows(self, start: datetime, end: datetime) -> float:
        total = timedelta()
        for opens, closes in self._windows_from(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total.total_seconds() / 3600


_LONDON = ZoneInfo("Europe/London")


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


#: The calendar the app uses unless configured otherwise (WORKING_DAY_OPENS / WORKING_DAY_CLOSES).
DEFAULT_CALENDAR = WorkingCalendar()
