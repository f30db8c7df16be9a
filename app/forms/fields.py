"""Fields for GOV.UK forms: dates, times, Yes/No, the optimistic-lock version, and
builders for the radios, selects and text boxes the task pages repeat."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time

from wtforms import Field, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import HiddenInput

from app.domain import clock
from app.forms.base import YES_NO, select_choices, yes_no
from app.forms.widgets import DateInput, Radios, Select, TextArea, TextInput, TimeInput

OUT_OF_DATE = "This page is out of date. Reload it and try again"

_DIGITS = re.compile(r"[0-9]+")  # not \d, which also matches non-ASCII digits
_TIME = re.compile(r"([0-9]{1,2})[:.]?([0-9]{2})")
# "2pm", "2:30pm", "2.30 p.m.", "12am": the 12-hour clock, as many people write it.
_TWELVE_HOUR = re.compile(r"([0-9]{1,2})(?:[:.]?([0-9]{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)
_NAMED_TIMES = {"midday": time(12, 0), "noon": time(12, 0), "midnight": time(0, 0)}
# A date in one box: 27/3/2015, 27-3-2015, 27.3.2015 or 27 3 2015; 27 March 2015 or 27 Mar 2015;
# or 2015-03-27 (what the API sends).
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NUMERIC_DATE = re.compile(r"([0-9]{1,2})\s*[/.\- ]\s*([0-9]{1,2})\s*[/.\- ]\s*([0-9]+)")
_WORDED_DATE = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+([0-9]+)", re.IGNORECASE)
_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def parse_time(value: str | None) -> time | None:
    """A time typed as 14:30, 14.30 or 1430 (9:05 too), as 2pm or 2:30pm, or as midday or midnight;
    None if it is not a real time."""
    typed = (value or "").strip()
    if typed.lower() in _NAMED_TIMES:
        return _NAMED_TIMES[typed.lower()]
    if match := _TWELVE_HOUR.fullmatch(typed):
        hours, minutes = int(match[1]), int(match[2] or 0)
        if not 1 <= hours <= 12 or minutes > 59:
            return None
        return time(hours % 12 + (12 if match[3].lower() == "p" else 0), minutes)
    match = _TIME.fullmatch(typed)
    if not match:
        return None
    hours, minutes = int(match[1]), int(match[2])
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def london_to_utc(day: date | None, at: time | None) -> datetime | None:
    """The UTC instant of a Europe/London wall-clock date and time, or None if either is missing.

    A time that does not exist (the hour skipped when the clocks go forward)
    or happens twice (the hour repeated when they go back) takes the offset
    in force before the change, as zoneinfo does for fold=0.
    """
    if day is None or at is None:
        return None
    return clock.london_to_utc(day, at)


def date_parts(value: str) -> tuple[str, str, str] | None:
    """The day, month and year typed into one box (see _NUMERIC_DATE and the rest), as digits
    (the year as typed, so a short one can be explained); None if it is not written as a date."""
    if match := _ISO_DATE.fullmatch(value):
        return match[3], match[2], match[1]
    if match := _NUMERIC_DATE.fullmatch(value):
        return match[1], match[2], match[3]
    if match := _WORDED_DATE.fullmatch(value):
        word = match[2].lower()
        months = [n for n, name in enumerate(_MONTH_NAMES, 1) if len(word) >= 3 and name.startswith(word)]
        if len(months) == 1:
            return match[1], str(months[0]), match[3]
    return None


class DateField(Field):
    """A date typed into GOV.UK's three boxes (all named after the field), or into one box.

    ``subject`` names the field at the start of a message ("The review
    date"). The Design System's messages: "… must include a month" when a box
    is empty, "… must be a real date" otherwise; with ``explain_short_year`` a
    year without 4 numbers gets "… must include a year with 4 numbers, like
    2026" instead. All three boxes blank gives None and no error, unless
    ``required_message`` is given (or a validator such as RequiredInput says
    otherwise). A single value is one box (DateBox): 27/3/2015, 27 March 2015,
    2015-03-27 (see date_parts), with the same messages.
    """

    widget = DateInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        subject: str,
        required_message: str | None = None,
        explain_short_year: bool = False,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.subject = subject
        self.required_message = required_message
        self.explain_short_year = explain_short_year
        self.parts: tuple[str, str, str] = ("", "", "")
        #: What was typed into one box, shown back as typed (None: nothing was posted that way).
        self.typed: str | None = None
        #: The boxes the error is about (empty: all of them).
        self.error_parts: set[str] = set()

    def process_data(self, value):
        if isinstance(value, datetime):
            value = value.date()
        self.data = value if isinstance(value, date) else None
        if self.data is not None:
            self.parts = (str(self.data.day), str(self.data.month), str(self.data.year))

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        self.error_parts = set()
        if len(valuelist) == 1:
            self._process_one_box(str(valuelist[0] or "").strip())
            return
        padded = [str(v or "").strip() for v in valuelist][:3] + ["", "", ""]
        self.parts = (padded[0], padded[1], padded[2])
        if not any(self.parts):
            return
        missing = [
            name for name, value in zip(("day", "month", "year"), self.parts, strict=True) if not value
        ]
        if missing:
            self.error_parts = set(missing)
            raise ValueError(f"{self.subject} must include a {' and '.join(missing)}")
        self._check_parts()

    def _check_parts(self) -> None:
        day, month, year = self.parts
        if not all(_DIGITS.fullmatch(part) for part in self.parts):
            raise ValueError(f"{self.subject} must be a real date")
        if len(year) != 4:
            if self.explain_short_year:
                self.error_parts = {"year"}
                raise ValueError(f"{self.subject} must include a year with 4 numbers, like 2026")
            raise ValueError(f"{self.subject} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # OverflowError: a day or month of 2**31 or more
            raise ValueError(f"{self.subject} must be a real date") from None

    def _process_one_box(self, value: str) -> None:
        self.typed = value
        self.parts = ("", "", "")
        if not value:
            return
        parts = date_parts(value)
        if parts is None:
            raise ValueError(f"{self.subject} must be a real date")
        self.parts = parts
        self._check_parts()

    def _value(self):
        """What one box shows: what was typed, the date as 27/3/2015, or the parts posted in three."""
        if self.typed is not None:
            return self.typed
        if self.data:
            return f"{self.data.day}/{self.data.month}/{self.data.year}"
        return "/".join(self.parts) if any(self.parts) else ""

    def boxes_in_error(self) -> set[str]:
        """The boxes the message shown is about: the empty ones, or all three."""
        if self.error_parts and self.errors and self.errors[0] in self.process_errors:
            return self.error_parts
        return {"day", "month", "year"}

    def is_blank(self) -> bool:
        return not any(self.parts) and not self.typed and self.data is None

    def pre_validate(self, form):
        if self.data is None and self.required_message and not self.process_errors:
            raise StopValidation(self.required_message)


class TimeField(Field):
    """A 24-hour time in one box (see parse_time), with the message "… must be a real time, like 14:30"."""

    widget = TimeInput()

    def __init__(self, label=None, validators=None, *, subject: str, **kwargs):
        kwargs.setdefault("description", "For example, 14:30")
        super().__init__(label, validators, **kwargs)
        self.subject = subject

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        value = str(valuelist[0]).strip() if valuelist else ""
        self.raw_data = [value]
        self.data = None
        if not value:
            return
        self.data = parse_time(value)
        if self.data is None:
            raise ValueError(f"{self.subject} must be a real time, like 14:30")


class VersionField(IntegerField):
    """The referral version the page was built from: the optimistic lock."""

    widget = HiddenInput()

    def __init__(self, label: str = "Version", **kwargs) -> None:
        kwargs.setdefault("validators", [InputRequired(OUT_OF_DATE), NumberRange(min=1, message=OUT_OF_DATE)])
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(OUT_OF_DATE) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class YesNoField(RadioField):
    """Yes/No radios that must be answered; ``.answer`` is True, False or None."""

    def __init__(self, label=None, *, message: str, inline: bool = True, **kwargs) -> None:
        kwargs.setdefault("widget", Radios(inline=inline))
        super().__init__(
            label,
            validators=[InputRequired(message)],
            choices=select_choices(YES_NO),
            invalid_choice_message=message,
            **kwargs,
        )

    @property
    def answer(self) -> bool | None:
        return yes_no(self.data)


def radio_field(label: str, pairs: Iterable[tuple[str, str]], message: str, **kwargs) -> RadioField:
    """Radios that must be answered; ``message`` is the error when none (or a wrong one) is chosen."""
    kwargs.setdefault("widget", Radios())
    return RadioField(
        label,
        validators=[InputRequired(message)],
        choices=select_choices(pairs),
        invalid_choice_message=message,
        **kwargs,
    )


def select_field(
    label: str,
    pairs: Iterable[tuple[str, str]],
    *,
    blank: str,
    message: str | None = None,
    invalid_message: str | None = None,
    **kwargs,
) -> SelectField:
    """A select with a blank first option; ``message`` makes a choice required."""
    kwargs.setdefault("widget", Select())
    kwargs.setdefault("default", "")  # not sent at all counts as blank, not as a wrong choice
    return SelectField(
        label,
        validators=[DataRequired(message)] if message else [],
        choices=select_choices([("", blank), *pairs]),
        invalid_choice_message=invalid_message or message or "Select an option from the list",
        **kwargs,
    )


def text_area(
    label: str, message: str | None = None, *, called: str = "This answer", max_length: int = 20_000, **kwargs
) -> TextAreaField:
    """A textarea; ``message`` makes it required, ``called`` names it in the too-long message."""
    kwargs.setdefault("widget", TextArea())
    validators = [DataRequired(message)] if message else []
    validators.append(Length(max=max_length, message=f"{called} must be {max_length:,} characters or fewer"))
    return TextAreaField(label, validators=validators, **kwargs)


def text_input(
    label: str, message: str | None = None, *, called: str = "This answer", max_length: int = 200, **kwargs
) -> StringField:
    """A one-line text box; ``message`` makes it required, ``called`` names it in the too-long message."""
    kwargs.setdefault("widget", TextInput())
    validators = [DataRequired(message)] if message else []
    validators.append(Length(max=max_length, message=f"{called} must be {max_length} characters or fewer"))
    return StringField(label, validators=validators, **kwargs)
