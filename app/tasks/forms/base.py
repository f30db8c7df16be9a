"""Shared pieces of the task forms: GOV.UK widgets, fields, and the TaskForm base.

Every task form records one user task of the front-door process. Forms do the
field validation and build the plain dict the service takes
(``to_service_data()``, see docs/contract-forms.md); the service re-checks the
business rules and may raise ``StepInvalid``, whose messages
``apply_service_errors()`` puts back on the right fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, ClassVar

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, FieldList, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, StopValidation
from wtforms.widgets import HiddenInput

from app.domain.clock import london_to_utc  # noqa: F401 (re-exported for the task forms)
from app.forms import BaseForm, select_choices

OUT_OF_DATE = "This page is out of date. Reload it and try again"

YES_NO = (("yes", "Yes"), ("no", "No"))


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


# --- Widgets -------------------------------------------------------------------


class Radios(GovRadioInput):
    """GOV.UK radios with a sized legend, and no empty hint when there is no description."""

    def __init__(self, *, inline: bool = False, legend_size: str = "s") -> None:
        super().__init__()
        self.inline = inline
        self.legend_size = legend_size

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        legend.setdefault("text", field.label.text)
        legend.setdefault("classes", f"govuk-fieldset__legend--{self.legend_size}")
        hint = params.get("hint") or {}
        if not hint.get("text") and not hint.get("html"):
            params["hint"] = None
        if self.inline:
            params.setdefault("classes", "govuk-radios--inline")
        return params


class TextArea(GovTextArea):
    def __init__(self, *, rows: int = 5, label_size: str | None = "s") -> None:
        super().__init__()
        self.rows = rows
        self.label_size = label_size

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("rows", self.rows)
        if self.label_size:
            params["label"].setdefault("classes", f"govuk-label--{self.label_size}")
        return params


class TextInput(GovTextInput):
    def __init__(self, *, label_size: str | None = "s", width: str | None = None) -> None:
        super().__init__()
        self.label_size = label_size
        self.width = width

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if self.label_size:
            params["label"].setdefault("classes", f"govuk-label--{self.label_size}")
        if self.width:
            params.setdefault("classes", f"govuk-input--width-{self.width}")
        return params


class Select(GovSelect):
    def __init__(self, *, label_size: str | None = "s") -> None:
        super().__init__()
        self.label_size = label_size

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if self.label_size:
            params["label"].setdefault("classes", f"govuk-label--{self.label_size}")
        return params


class DateInput(GovDateInput):
    """GOV.UK date input whose Day box has the field's own id.

    base.html's error summary (govuk_frontend_wtf's ``wtforms_errors``) links
    each error to ``#<field id>``, nested FieldList fields included. Giving the
    Day box that id makes every date error link land on the first box, as the
    Design System asks; the wrapper takes ``<id>-date``.
    """

    def __init__(self, *, legend_size: str = "s") -> None:
        super().__init__()
        self.legend_size = legend_size

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", f"{field.id}-date")
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        params.pop("label", None)
        params.pop("value", None)
        day, month, year = getattr(field, "parts", ("", "", ""))
        wrong = getattr(field, "error_parts", None) or {"day", "month", "year"}

        def item(part: str, item_id: str, width: int, value: str) -> dict:
            error = " govuk-input--error" if field.errors and part in wrong else ""
            return {
                "label": part.capitalize(),
                "id": item_id,
                "name": field.name,
                "classes": f"govuk-input--width-{width}{error}",
                "value": value,
            }

        params.setdefault(
            "fieldset",
            {"legend": {"text": field.label.text, "classes": f"govuk-fieldset__legend--{self.legend_size}"}},
        )
        params.setdefault(
            "items",
            [
                item("day", field.id, 2, day),
                item("month", f"{field.id}-month", 2, month),
                item("year", f"{field.id}-year", 4, year),
            ],
        )
        return params


# --- Fields --------------------------------------------------------------------


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


class DateInputField(Field):
    """A date typed into GOV.UK's three boxes (all named after the field).

    Gives the Design System's messages: "Enter …" when blank (if
    ``required_message``), "… must include a month" when a box is empty,
    "… must be a real date" otherwise. A single ISO value (2027-03-01) is
    accepted too, for the JSON API.
    """

    widget = DateInput()

    def __init__(
        self, label=None, validators=None, *, subject: str, required_message: str | None = None, **kw
    ):
        super().__init__(label, validators, **kw)
        self.subject = subject
        self.required_message = required_message
        self.parts: tuple[str, str, str] = ("", "", "")
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
            value = str(valuelist[0] or "").strip()
            self.parts = (value, "", "")
            if not value:
                return
            try:
                self.data = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{self.subject} must be a real date") from None
            self.parts = (str(self.data.day), str(self.data.month), str(self.data.year))
            return
        padded = [str(v or "").strip() for v in valuelist][:3] + ["", "", ""]
        day, month, year = padded[:3]
        self.parts = (day, month, year)
        if not (day or month or year):
            return
        missing = [
            name for name, value in zip(("day", "month", "year"), self.parts, strict=True) if not value
        ]
        if missing:
            self.error_parts = set(missing)
            raise ValueError(f"{self.subject} must include a {' and '.join(missing)}")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValueError(f"{self.subject} must be a real date")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise ValueError(f"{self.subject} must be a real date") from None

    def _value(self):
        return " ".join(self.parts)

    def is_blank(self) -> bool:
        return not any(self.parts) and self.data is None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is None and self.required_message:
            raise StopValidation(self.required_message)


class YesNoField(RadioField):
    """Yes/No radios; ``.answer`` is True, False or None."""

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
        return {"yes": True, "no": False}.get(self.data)


def radio_field(label: str, pairs: Iterable[tuple[str, str]], message: str, **kwargs) -> RadioField:
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
    kwargs.setdefault("widget", TextInput())
    validators = [DataRequired(message)] if message else []
    validators.append(Length(max=max_length, message=f"{called} must be {max_length} characters or fewer"))
    return StringField(label, validators=validators, **kwargs)


TIME_PATTERN = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_time(value: str | None) -> time | None:
    """'14:30', '9:05' or '14.30' as a time; None if it is not a real 24-hour time."""
    match = TIME_PATTERN.match((value or "").strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


# --- Forms ---------------------------------------------------------------------


def add_error(field: Field, message: str) -> None:
    """Add a message to a field after validation (keeps the first one first)."""
    errors = list(field.errors or [])
    if message not in errors:
        errors.append(message)
    field.errors = errors


def refresh_list_errors(field_list: FieldList) -> None:
    """Recompute a FieldList's errors after messages were added to its rows."""
    errors = [entry.errors for entry in field_list.entries]
    field_list.errors = errors if any(errors) else []


class RowForm(BaseForm):
    """One row of a repeating list (attendees, actions): no CSRF token of its own."""

    class Meta:
        csrf = False

    def is_blank(self) -> bool:
        for field in self:
            if isinstance(field, DateInputField):
                if not field.is_blank():
                    return False
            elif field.raw_data:
                if any(str(v).strip() for v in field.raw_data):
                    return False
            elif field.data not in (None, ""):
                return False
        return True


class TaskForm(BaseForm):
    """Base of every task form.

    ``version`` is the hidden optimistic-lock version; it is not service data.
    """

    version = VersionField()

    #: FieldList name -> (name of its "Add another" button, name of its "Remove" buttons).
    list_buttons: ClassVar[dict[str, tuple[str, str]]] = {}
    #: Service error keys that are named differently on the form.
    service_error_fields: ClassVar[dict[str, str]] = {}

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        self._submitted = formdata
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def to_service_data(self) -> dict:
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        self.check_rules()
        if self.errors:
            return False
        self._drop_blank_rows()
        return True

    def check_rules(self) -> None:
        """Rules across fields, run after field validation; add errors with add_error()."""

    # --- Repeating lists ---

    def filled_rows(self, list_name: str) -> list[RowForm]:
        """The rows of a list that are not left blank, in order."""
        return [entry.form for entry in self[list_name].entries if not entry.form.is_blank()]

    def _drop_blank_rows(self) -> None:
        """Once valid, move blank rows to the end of each list.

        Then a list's first rows are exactly the ones ``to_service_data()``
        sends, in order, so a service error about ``attendees.1`` names the
        same row on the form, whichever code puts it there.
        """
        for field in self._fields.values():
            if not isinstance(field, FieldList):
                continue
            for index in reversed(range(len(field.entries))):
                row = getattr(field.entries[index], "form", None)
                if isinstance(row, RowForm) and row.is_blank():
                    field.pop_entry(index)
            while len(field.entries) < field.min_entries:
                field.append_entry()

    def handle_list_buttons(self) -> bool:
        """Act on an "Add another" or "Remove" button. True if one was pressed.

        The route then renders the page again without validating or saving.
        """
        formdata = self._submitted
        if not formdata:
            return False
        for list_name, (add_button, remove_button) in self.list_buttons.items():
            field = self[list_name]
            if add_button in formdata:
                if not field.max_entries or len(field.entries) < field.max_entries:
                    field.append_entry()
                return True
            if remove_button in formdata:
                try:
                    index = int(formdata.get(remove_button))
                except (TypeError, ValueError):
                    return True
                if 0 <= index < len(field.entries):
                    field.pop_entry(index)
                while len(field.entries) < field.min_entries:
                    field.append_entry()
                return True
        return False

    # --- Errors from the service ---

    def apply_service_errors(self, errors: dict[str, str]) -> list[str]:
        """Put StepInvalid messages on the fields they name.

        Keys are field names, dotted for lists (``attendees.1.name``, counting
        only the rows that were filled in). Returns the messages that match no
        field, for the route to show another way (for example a flash).
        """
        unplaced: list[str] = []
        for key, message in errors.items():
            parts = str(key).split(".")
            name = self.service_error_fields.get(parts[0], parts[0])
            field = self._fields.get(name)
            if field is None or name in ("csrf_token", "version"):
                unplaced.append(message)
                continue
            if isinstance(field, FieldList):
                rows = self.filled_rows(name) or [entry.form for entry in field.entries]
                target = None
                if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                    target = rows[int(parts[1])]._fields.get(parts[2])
                elif len(parts) == 1 and field.entries:
                    first = field.entries[0].form
                    target = next(iter(first))
                if target is None:
                    unplaced.append(message)
                    continue
                add_error(target, message)
                refresh_list_errors(field)
            else:
                add_error(field, message)
        return unplaced
