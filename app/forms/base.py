"""The base form, and the small helpers every form here uses.

BaseForm gives CSRF (Flask-WTF) and strips whitespace from typed text.
RowForm is one row of a repeating list (FieldList of FormField).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from wtforms import Field, FieldList, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

YES_NO = (("yes", "Yes"), ("no", "No"))


def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


def text_or_none(value: Any) -> str | None:
    """Typed text with the whitespace trimmed, or None if nothing was typed."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def yes_no(value: str | None) -> bool | None:
    """A Yes/No radio's answer: True, False, or None if neither was chosen."""
    return {"yes": True, "no": False}.get(value or "")


def sentence(text: str) -> str:
    """Text with a capital first letter, for a field's name at the start of a message."""
    return text[:1].upper() + text[1:]


def select_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Turn (value, label) pairs into WTForms' SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def add_error(field: Field, message: str) -> None:
    """Add a message to a field after validation (keeps the first one first, and adds it once)."""
    errors = list(field.errors or [])
    if message not in errors:
        errors.append(message)
    field.errors = errors


def refresh_list_errors(field_list: FieldList) -> None:
    """Recompute a FieldList's errors after messages were added to its rows.

    A FieldList keeps a copy of its rows' errors from when it validated, so
    ``form.errors`` misses messages added later unless this is called.
    """
    errors = [entry.errors for entry in field_list.entries]
    field_list.errors = errors if any(errors) else []


# Control characters (C0, DEL, C1) and lone surrogates: nothing a person types, and
# PostgreSQL refuses NUL in text. Multi-line text may hold tabs and line breaks.
MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class ControlCharacters:
    """A filter that refuses control characters. A ValueError raised by a filter
    becomes the field's error (WTForms' process_errors), so the form is invalid,
    the message is shown beside the field, and nothing is saved."""

    def __init__(self, label: str, multi_line: bool) -> None:
        self.label = label
        self.pattern = MULTI_LINE_FORBIDDEN if multi_line else SINGLE_LINE_FORBIDDEN

    def __call__(self, value):
        if isinstance(value, str) and self.pattern.search(value):
            raise ValueError(
                f"{self.label} must not include control characters, such as a NUL byte or "
                + ("a form feed" if self.pattern is MULTI_LINE_FORBIDDEN else "a line break")
            )
        return value


def _label(unbound_field, name: str) -> str:
    label = unbound_field.args[0] if unbound_field.args else unbound_field.kwargs.get("label")
    return str(label) if label else name.replace("_", " ").capitalize()


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            cls = unbound_field.field_class
            if issubclass(cls, StringField):
                filters = tuple(unbound_field.kwargs.get("filters", ()))
                if not any(isinstance(f, ControlCharacters) for f in filters):
                    checked = ControlCharacters(
                        _label(unbound_field, options.get("name", "")), issubclass(cls, TextAreaField)
                    )
                    # Passwords are taken exactly as typed; other text is stripped first.
                    if issubclass(cls, PasswordField):
                        filters = (checked, *filters)
                    else:
                        filters = (
                            strip_whitespace,
                            checked,
                            *(f for f in filters if f is not strip_whitespace),
                        )
                    unbound_field.kwargs["filters"] = filters
            return unbound_field.bind(form=form, **options)

        def wrap_formdata(self, form, formdata):
            """A POST with no fields at all is still a submission of empty fields. Flask-WTF
            would treat it as no submission and fill the form from its defaults and record,
            so that it validated and reported "saved". (In production the CSRF token is always
            posted; the test configuration turns CSRF off.)"""
            if (
                formdata is _Auto
                and _is_submitted()
                and not (request.files or request.form or request.is_json)
            ):
                return request.form
            return super().wrap_formdata(form, formdata)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """On a submission, what was posted is the answer: a field left out is empty, not kept
        from the record being edited (`obj`), so a required field left out is an error rather
        than the old value saved again under "saved"."""
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None:
            obj = None
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    #: Service error keys that name a field differently on the form (see app.forms.errors).
    service_error_fields: dict[str, str] = {}


class RowForm(BaseForm):
    """One row of a repeating list (children, attendees, actions): no CSRF token of its own."""

    class Meta:
        csrf = False

    def is_blank(self) -> bool:
        """Nothing was entered in any of the row's fields (buttons aside)."""
        for field in self:
            if field.type == "SubmitField":
                continue
            if hasattr(field, "is_blank"):
                if not field.is_blank():
                    return False
            elif field.raw_data:
                if any(str(v).strip() for v in field.raw_data):
                    return False
            elif field.data not in (None, ""):
                return False
        return True
