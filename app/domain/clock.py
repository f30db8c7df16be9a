"""The one clock: every business read of the time in the app goes through here.

Tests move this clock with the ``clock`` fixture (built on time-machine), which
moves the process clock itself, so nothing in the app needs patching.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def london_now() -> datetime:
    """Now, as aware Europe/London wall time."""
    return utcnow().astimezone(LONDON)


def london_today() -> date:
    """Today's date in Europe/London."""
    return london_now().date()


def london_date(moment: datetime) -> date:
    """The Europe/London calendar date of an aware instant."""
    return moment.astimezone(LONDON).date()


def london_to_utc(day: date, at: time) -> datetime:
    """A Europe/London wall-clock date and time as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def start_of_london_day(day: date) -> datetime:
    """Midnight at the start of a Europe/London day, in UTC."""
    return london_to_utc(day, time(0, 0))
