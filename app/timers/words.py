"""Due times in words: "due in 3 hours", "overdue by 2 working hours"."""

from __future__ import annotations

import math
from datetime import datetime

from app.domain.working_days import WorkingCalendar


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def span_in_words(start: datetime, end: datetime, *, working_time: bool, calendar: WorkingCalendar) -> str:
    """How long from ``start`` to ``end`` (``end`` after ``start``), rounded up to the unit shown.

    Working time is counted in the calendar's working hours, and shown in
    working days once it is a working day or more.
    """
    if working_time:
        hours = calendar.hours_between(start, end)
        if hours == 0:
            return "less than a working minute"
        if hours < 1:
            return _plural(math.ceil(hours * 60), "working minute")
        if hours < calendar.hours_per_day:
            return _plural(math.ceil(hours - 1e-9), "working hour")
        return _plural(math.ceil(hours / calendar.hours_per_day - 1e-9), "working day")
    seconds = (end - start).total_seconds()
    if seconds < 3600:
        return _plural(max(1, math.ceil(seconds / 60)), "minute")
    if seconds < 72 * 3600:  # up to police protection's 72 hours, in hours
        return _plural(math.ceil(seconds / 3600 - 1e-9), "hour")
    return _plural(math.ceil(seconds / 86400 - 1e-9), "day")


def due_in_words(due_at: datetime, now: datetime, *, working_time: bool, calendar: WorkingCalendar) -> str:
    if due_at > now:
        return "due in " + span_in_words(now, due_at, working_time=working_time, calendar=calendar)
    if due_at == now:
        return "due now"
    return "overdue by " + span_in_words(due_at, now, working_time=working_time, calendar=calendar)
