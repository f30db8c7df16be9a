"""The calendar rules the gaps share: working days, and the latest dates that are already late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.clock import LONDON
from app.domain.working_days import WorkingCalendar, add_working_days, is_working_day


def working_days(count: int) -> str:
    return f"{count} working day" + ("" if count == 1 else "s")


def next_working_day_after(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def latest_overdue_due_date(today: date) -> date:
    """The latest due date that is overdue today: its next working day is today or earlier."""
    day = today - timedelta(days=1)
    while next_working_day_after(day) > today:
        day -= timedelta(days=1)
    return day


def latest_date_past_target(today: date, working_days_allowed: int) -> date:
    """The latest start date whose target (start + n working days) is before today."""
    day = today - timedelta(days=1)
    while add_working_days(day, working_days_allowed) >= today:
        day -= timedelta(days=1)
    return day


def latest_start_past_working_days(calendar: WorkingCalendar, now: datetime, days: float) -> datetime:
    """The moment before which a start is more than `days` working days old at `now`, in the
    calendar's working time: a start S is past them exactly when S < this, that is when
    `calendar.hours_between(S, now)` is more than `days` working days of hours. Lists and
    facts compare with it in SQL.

    Walks back through the working windows from `now`. Time outside working hours
    adds nothing, so when the working time runs out exactly at an opening the moment
    is the close of the window before.
    """
    remaining = timedelta(hours=days * calendar.hours_per_day)
    local_now = now.astimezone(LONDON)
    day = local_now.date()
    while True:
        if is_working_day(day):
            opens = datetime.combine(day, calendar.opens, tzinfo=LONDON)
            closes = min(datetime.combine(day, calendar.closes, tzinfo=LONDON), local_now)
            if closes > opens:
                # Wall-clock arithmetic within one window, as WorkingCalendar.add does.
                span = closes.replace(tzinfo=None) - opens.replace(tzinfo=None)
                if remaining < span:
                    moment = closes.replace(tzinfo=None) - remaining
                    return moment.replace(tzinfo=LONDON).astimezone(UTC)
                remaining -= span
        day -= timedelta(days=1)
