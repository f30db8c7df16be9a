"""GOV.UK date and time inputs, and the validators the notification forms share.

Dates use the GOV.UK date input (three boxes named alike, like
govuk_frontend_wtf expects); times are a plain HH:MM text input beside them.
The forms combine the two as Europe/London wall time and hand the services
timezone-aware UTC datetimes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovDateInput, GovRadioInput, GovTextInput
from wtforms import Field, FieldList, FormField
from wtforms.validators import StopValidation, ValidationError

from app.domain import clock

YES_NO = (("yes", "Yes"), ("no", "No"))


def london_to_utc(day: date | None, at: time | None) -> datetime | None:
    """The UTC instant of a Europe/London wall-clock date and time, or None if either is missing.

    A time that does not exist (the hour skipped when the clocks go forward)
    or happens twice (the hour repeated when they go back) takes the offset
    in force before the change, as zoneinfo does for fold=0.
    """
    if day is None or at is None:
        return None
    return clock.london_to_utc(day, at)


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def text_or_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


# --- widgets -----------------------------------------------------------------


def _drop_empty_hint(params: dict) -> dict:
    hint = params.get("hint")
    if not hint or not (hint.get("text") or hint.get("html")):
        params.pop("hint", None)
    return params


class GovRadios(GovRadioInput):
    """GOV.UK radios that leave out the hint when the field has no description."""

    def map_gov_params(self, field, **kwargs):
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))


class GovCheckbox(GovCheckboxInput):
    """A single GOV.UK checkbox (BooleanField), without an empty hint."""

    def map_gov_params(self, field, **kwargs):
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))


class GovTime(GovTextInput):
    """A short HH:MM text input."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("classes", "govuk-input--width-5")
        params.setdefault("spellcheck", False)
        params.setdefault("autocomplete", "off")
        return params


# --- fields ------------------------------------------------------------------


_DIGITS = re.compile(r"[0-9]+")  # not \d, which also matches non-ASCII digits


class GovDateField(Field):
    """A date typed as day, month and year, with GOV.UK error messages.

    ``error_name`` is how messages name the field, like "the date of the
    incident" ("The date of the incident must be a real date"). Leaving all
    three boxes empty gives None and no error; say whether that is allowed
    with RequiredInput or OptionalInput.
    """

    widget = GovDateInput()
    format = "%d %m %Y"  # what GovDateInput splits a stored date with

    def __init__(self, label=None, validators=None, error_name=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.error_name = error_name or self.label.text.lower()

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(self.format) if self.data else ""

    def process_formdata(self, valuelist):
        # Always three parts, which GovDateInput unpacks, whatever was posted.
        parts = [str(v).strip() for v in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        name = sentence(self.error_name)
        missing = [part for part, value in zip(("day", "month", "year"), parts, strict=True) if not value]
        if missing:
            raise ValueError(f"{name} must include a {' and '.join(missing)}")
        day, month, year = parts
        if not all(_DIGITS.fullmatch(part) for part in parts):
            raise ValueError(f"{name} must be a real date")
        if len(year) != 4:
            raise ValueError(f"{name} must include a year with 4 numbers, like 2026")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{name} must be a real date") from None


_TIME = re.compile(r"([0-9]{1,2})[:.]?([0-9]{2})")


class GovTimeField(Field):
    """A 24-hour time typed as HH:MM (14:30, 14.30 and 1430 are accepted)."""

    widget = GovTime()

    def __init__(self, label=None, validators=None, error_name=None, **kwargs):
        kwargs.setdefault("description", "For example, 14:30")
        super().__init__(label, validators, **kwargs)
        self.error_name = error_name or self.label.text.lower()

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
        match = _TIME.fullmatch(value)
        hours, minutes = (int(match[1]), int(match[2])) if match else (99, 99)
        if hours > 23 or minutes > 59:
            raise ValueError(f"{sentence(self.error_name)} must be a real time, like 14:30")
        self.data = time(hours, minutes)


# --- validators --------------------------------------------------------------


def is_blank(field) -> bool:
    """Nothing was entered. Input that could not be read (a half-typed date) is not blank."""
    if field.process_errors:
        return False
    data = field.data
    return data is None or (isinstance(data, str) and not data.strip())


class RequiredInput:
    """The field must be filled in, always or only when ``when(form)`` is true.

    Unlike WTForms' InputRequired it understands the date and time fields, and
    it keeps their "must be a real date" errors.
    """

    def __init__(self, message: str, when=None):
        self.message = message
        self.when = when

    def __call__(self, form, field):
        if is_blank(field):
            field.errors[:] = []
            if self.when is None or self.when(form):
                raise StopValidation(self.message)
            raise StopValidation()


class OptionalInput:
    """Blank is fine: no further checks then."""

    def __call__(self, form, field):
        if is_blank(field):
            field.errors[:] = []
            raise StopValidation()


class OnlyWhen:
    """The field only matters when ``condition(form)`` is true; otherwise it is ignored, errors and all."""

    def __init__(self, condition):
        self.condition = condition

    def __call__(self, form, field):
        if not self.condition(form):
            field.errors[:] = []
            raise StopValidation()


class NHSNumber:
    def __call__(self, form, field):
        from app.domain.nhs_number import nhs_number_error

        message = nhs_number_error(field.data or "")
        if message:
            raise ValidationError(message)


# --- error summary -----------------------------------------------------------


def error_anchor(field) -> str:
    """The id of the element an error summary link should focus."""
    if isinstance(field, GovDateField):
        return f"{field.name}-day"  # GovDateInput names each box's id after the field's name
    if isinstance(field.widget, GovRadioInput | GovCheckboxInput):
        return field.name  # GOV.UK radios and checkboxes give the first item the bare name as id
    return field.id


def error_summary_items(fields) -> list[dict]:
    """GOV.UK error summary items, in page order, for fields including FieldLists of FormFields."""
    items: list[dict] = []
    for field in fields:
        if isinstance(field, FieldList):
            items += [{"text": e, "href": f"#{field.id}"} for e in field.errors if isinstance(e, str)]
            items += error_summary_items(field.entries)
        elif isinstance(field, FormField):
            items += [{"text": e} for e in field.form.form_errors]
            items += error_summary_items(field.form)
        elif field.errors:
            items.append({"text": field.errors[0], "href": f"#{error_anchor(field)}"})
    return items
