"""Response times: how long a piece of work may take, in clock hours or in working time.

A partnership sets how fast a contact must be looked at for each RAG rating,
and how soon after a decision a strategy discussion is due. Each setting is
one ``ResponseTime``: an amount and a unit. Clock hours run day and night
(the emergency duty team covers red contacts out of hours); working hours
and working days follow the working calendar (app/domain/working_days.py).

The defaults follow the Surrey MASH scheme as the domain reference gives it
(Surrey: red 4 working hours, amber 24, green 72), adapted as the partnership
asked: red is 4 *clock* hours, because out of hours the emergency duty team
picks it up, and amber and green are 1 and 3 working days.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from app.domain.working_days import DEFAULT_CALENDAR, WorkingCalendar


class TimeUnit(enum.StrEnum):
    CLOCK_HOURS = "clock_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"

    @property
    def working_time(self) -> bool:
        return self is not TimeUnit.CLOCK_HOURS

    def words(self, amount: Decimal) -> str:
        singular = amount == 1
        return {
            TimeUnit.CLOCK_HOURS: "clock hour" if singular else "clock hours",
            TimeUnit.WORKING_HOURS: "working hour" if singular else "working hours",
            TimeUnit.WORKING_DAYS: "working day" if singular else "working days",
        }[self]


#: Longest setting accepted: beyond this a "response time" is a mistake, not a policy.
MOST_WORKING_DAYS = Decimal(60)
MOST_HOURS = Decimal(60 * 24)


@dataclass(frozen=True)
class ResponseTime:
    amount: Decimal
    unit: TimeUnit

    def __str__(self) -> str:
        amount = self.amount.normalize()
        text = f"{amount:f}"
        return f"{text} {self.unit.words(amount)}"

    def after(self, moment: datetime, calendar: WorkingCalendar = DEFAULT_CALENDAR) -> datetime:
        """When work started at ``moment`` is due. An aware datetime in, an aware UTC datetime out."""
        if self.unit is TimeUnit.CLOCK_HOURS:
            return (moment + timedelta(hours=float(self.amount))).astimezone(moment.tzinfo)
        if self.unit is TimeUnit.WORKING_HOURS:
            return calendar.add(moment, float(self.amount))
        return calendar.add_days(moment, float(self.amount))


_PATTERN = re.compile(
    r"^(?P<amount>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>clock\s+hours?|hours?|hrs?|h|working\s+hours?|working\s+days?)$"
)
_ISO_HOURS = re.compile(r"^PT(?P<amount>[+-]?\d+(?:\.\d+)?)H$")
_UNITS = {
    "clock": TimeUnit.CLOCK_HOURS,
    "hour": TimeUnit.CLOCK_HOURS,
    "hr": TimeUnit.CLOCK_HOURS,
    "h": TimeUnit.CLOCK_HOURS,
    "working hour": TimeUnit.WORKING_HOURS,
    "working day": TimeUnit.WORKING_DAYS,
}

EXAMPLES = "like 4 clock hours, 6 working hours or 1 working day"


class NotAResponseTime(ValueError):
    """The text is not a usable response time; the message says why, for the person who typed it."""


def parse_response_time(text: str | None, *, called: str = "The response time") -> ResponseTime:
    """Read '4 clock hours', '6 working hours', '1 working day' (or 'PT4H', clock hours).

    Raises NotAResponseTime with a message naming ``called`` when the text is
    blank, not a duration, zero, negative or implausibly long.
    """
    cleaned = " ".join((text or "").strip().lower().split())
    if not cleaned:
        raise NotAResponseTime(f"Enter {called.lower()}, {EXAMPLES}")
    iso = _ISO_HOURS.match(cleaned.upper())
    match = _PATTERN.match(cleaned)
    if iso:
        amount_text, unit = iso.group("amount"), TimeUnit.CLOCK_HOURS
    elif match:
        amount_text = match.group("amount")
        words = match.group("unit")
        key = next(
            k for k in ("working day", "working hour", "clock", "hour", "hr", "h") if words.startswith(k)
        )
        unit = _UNITS[key]
    else:
        raise NotAResponseTime(f"{called} must be a number and a unit, {EXAMPLES}")
    try:
        amount = Decimal(amount_text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise NotAResponseTime(f"{called} must be a number and a unit, {EXAMPLES}") from None
    if amount < 0:
        raise NotAResponseTime(f"{called} cannot be negative")
    if amount == 0:
        raise NotAResponseTime(f"{called} must be more than 0")
    most = MOST_WORKING_DAYS if unit is TimeUnit.WORKING_DAYS else MOST_HOURS
    if amount > most:
        raise NotAResponseTime(f"{called} must be at most {most} {unit.words(most)}")
    if amount.as_tuple().exponent < -2:
        raise NotAResponseTime(f"{called} can have at most 2 decimal places")
    return ResponseTime(amount, unit)
