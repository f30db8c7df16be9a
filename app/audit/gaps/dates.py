"""The calendar rules the gaps share: working days, and the latest dates that are already late."""

from __future__ import annotations

from datetime import date, timedelta

from app.domain.working_days import add_working_days, is_working_day


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
