"""GOV.UK Design System widgets (govuk-frontend-wtf), with the few changes the pages need.

The ``label_size`` and ``legend_size`` options add GOV.UK's label and legend
size classes ("s", "m"); None leaves the label at body size.
"""

from __future__ import annotations

from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)


def _drop_empty_hint(params: dict) -> dict:
    """Leave out the hint when the field has no description (the macro would render an empty one)."""
    hint = params.get("hint")
    if not hint or not (hint.get("text") or hint.get("html")):
        params.pop("hint", None)
    return params


def _size_label(params: dict, label_size: str | None) -> dict:
    if label_size:
        params["label"].setdefault("classes", f"govuk-label--{label_size}")
    return params


class Radios(GovRadioInput):
    """GOV.UK radios, optionally inline and with a sized legend, and no empty hint."""

    def __init__(self, *, inline: bool = False, legend_size: str | None = "s") -> None:
        super().__init__()
        self.inline = inline
        self.legend_size = legend_size

    def map_gov_params(self, field, **kwargs):
        params = _drop_empty_hint(super().map_gov_params(field, **kwargs))
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        legend.setdefault("text", field.label.text)
        if self.legend_size:
            legend.setdefault("classes", f"govuk-fieldset__legend--{self.legend_size}")
        if self.inline:
            params.setdefault("classes", "govuk-radios--inline")
        return params


class Checkbox(GovCheckboxInput):
    """A single GOV.UK checkbox (BooleanField), without an empty hint."""

    def map_gov_params(self, field, **kwargs):
        return _drop_empty_hint(super().map_gov_params(field, **kwargs))


class TextArea(GovTextArea):
    def __init__(self, *, rows: int = 5, label_size: str | None = "s") -> None:
        super().__init__()
        self.rows = rows
        self.label_size = label_size

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("rows", self.rows)
        return _size_label(params, self.label_size)


class TextInput(GovTextInput):
    def __init__(self, *, label_size: str | None = "s", width: str | None = None) -> None:
        super().__init__()
        self.label_size = label_size
        self.width = width

    def map_gov_params(self, field, **kwargs):
        params = _size_label(super().map_gov_params(field, **kwargs), self.label_size)
        if self.width:
            params.setdefault("classes", f"govuk-input--width-{self.width}")
        return params


class _ShortTextInput(GovTextInput):
    """A short text box for a value typed by hand (no spellcheck, no autocomplete), ``width`` wide."""

    width = 10

    def map_gov_params(self, field, **kwargs):
        params = _drop_empty_hint(super().map_gov_params(field, **kwargs))
        params.setdefault("classes", f"govuk-input--width-{self.width}")
        params.setdefault("spellcheck", False)
        params.setdefault("autocomplete", "off")
        return params


class TimeInput(_ShortTextInput):
    """A short HH:MM text input."""

    width = 5


class DateBox(_ShortTextInput):
    """A date in one text box (app.forms.fields.DateField reads 27/3/2015, 27 March 2015 and
    the like): one tab stop, and the form in which police systems show dates. The hint says how."""


class Select(GovSelect):
    def __init__(self, *, label_size: str | None = "s") -> None:
        super().__init__()
        self.label_size = label_size

    def map_gov_params(self, field, **kwargs):
        return _size_label(super().map_gov_params(field, **kwargs), self.label_size)


class DateInput(GovDateInput):
    """The GOV.UK date input: Day, Month and Year boxes, all named after the field.

    For the field's ``parts`` (what was typed) and ``boxes_in_error()`` (only
    the boxes a message is about are marked) it needs app.forms.fields.DateField.

    Where an error summary link lands: base.html's error summary
    (govuk_frontend_wtf's ``wtforms_errors``) links each error to
    ``#<field id>``, so by default the Day box takes the field's id and the
    wrapper ``<id>-date``; the link then lands on the first box, as the Design
    System asks. With ``day_takes_field_id=False`` the boxes keep GOV.UK's own
    ids (``<name>-day``, ``-month``, ``-year``), for pages whose summary links
    there itself (``app.forms.errors.error_summary``).
    """

    def __init__(self, *, legend_size: str | None = "s", day_takes_field_id: bool = True) -> None:
        super().__init__()
        self.legend_size = legend_size
        self.day_takes_field_id = day_takes_field_id

    def box_ids(self, field) -> tuple[str, str, str]:
        if self.day_takes_field_id:
            return field.id, f"{field.id}-month", f"{field.id}-year"
        return f"{field.name}-day", f"{field.name}-month", f"{field.name}-year"

    def __call__(self, field, **kwargs):
        if self.day_takes_field_id:
            kwargs.setdefault("id", f"{field.id}-date")
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        params.pop("label", None)
        params.pop("value", None)
        parts = field.parts
        wrong = field.boxes_in_error() if field.errors else set()
        legend = {"text": field.label.text}
        if self.legend_size:
            legend["classes"] = f"govuk-fieldset__legend--{self.legend_size}"
        params.setdefault("fieldset", {"legend": legend})
        params.setdefault(
            "items",
            [
                {
                    "label": part.capitalize(),
                    "id": box_id,
                    "name": field.name,
                    "classes": f"govuk-input--width-{width}"
                    + (" govuk-input--error" if part in wrong else ""),
                    "value": value,
                }
                for part, box_id, width, value in zip(
                    ("day", "month", "year"), self.box_ids(field), (2, 2, 4), parts, strict=True
                )
            ],
        )
        return params
