from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.domain.response_times import NotAResponseTime, ResponseTime, TimeUnit, parse_response_time

LONDON = ZoneInfo("Europe/London")
FRIDAY_3PM = datetime(2026, 8, 28, 15, 0, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("4 clock hours", 4, TimeUnit.CLOCK_HOURS),
        ("4 hours", 4, TimeUnit.CLOCK_HOURS),
        ("PT4H", 4, TimeUnit.CLOCK_HOURS),
        ("  6   Working Hours ", 6, TimeUnit.WORKING_HOURS),
        ("1 working day", 1, TimeUnit.WORKING_DAYS),
        ("3 working days", 3, TimeUnit.WORKING_DAYS),
        ("1.5 working days", Decimal("1.5"), TimeUnit.WORKING_DAYS),
    ],
)
def test_reading_a_response_time(text, amount, unit):
    assert parse_response_time(text) == ResponseTime(Decimal(amount), unit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the red response time"),
        ("-4 clock hours", "cannot be negative"),
        ("0 working days", "must be more than 0"),
        ("0", "must be a number and a unit"),
        ("soon", "must be a number and a unit"),
        ("4", "must be a number and a unit"),
        ("2 days", "must be a number and a unit"),
        ("PTxH", "must be a number and a unit"),
        ("400 working days", "at most 60 working days"),
        ("0.001 clock hours", "at most 2 decimal places"),
    ],
)
def test_what_is_not_a_response_time_gets_a_clear_message(text, message):
    with pytest.raises(NotAResponseTime, match=message):
        parse_response_time(text, called="The red response time")


def test_words():
    assert str(ResponseTime(Decimal(1), TimeUnit.WORKING_DAYS)) == "1 working day"
    assert str(ResponseTime(Decimal("4.0"), TimeUnit.CLOCK_HOURS)) == "4 clock hours"


def test_due_times_at_friday_3pm_before_a_bank_holiday():
    assert ResponseTime(Decimal(4), TimeUnit.CLOCK_HOURS).after(FRIDAY_3PM) == datetime(
        2026, 8, 28, 19, tzinfo=LONDON
    )
    assert ResponseTime(Decimal(1), TimeUnit.WORKING_DAYS).after(FRIDAY_3PM) == datetime(
        2026, 9, 1, 15, tzinfo=LONDON
    ).astimezone(UTC)
    assert ResponseTime(Decimal(3), TimeUnit.WORKING_DAYS).after(FRIDAY_3PM) == datetime(
        2026, 9, 3, 15, tzinfo=LONDON
    )
    assert ResponseTime(Decimal(2), TimeUnit.WORKING_HOURS).after(FRIDAY_3PM) == datetime(
        2026, 8, 28, 17, tzinfo=LONDON
    )
