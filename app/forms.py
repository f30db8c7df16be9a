"""The base form: CSRF from Flask-WTF, whitespace stripped from typed text, and no
control characters in any text field."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

# Control characters (C0, DEL, C1) and lone surrogates: nothing a person types, and
# PostgreSQL refuses NUL in text. Multi-line text may hold tabs and line breaks.
MULTI_LINE_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
SINGLE_LINE_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


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


def select_choices(pairs) -> list:
    """Turn (value, label) pairs into WTForms' SelectChoice objects (tuples are deprecated)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(str(value), label) for value, label in pairs]


def apply_errors(form, errors: dict[str, str]) -> None:
    """Put service-level errors (dotted names: `children.0.date_of_birth`) on the form's fields.

    An error for a field the form does not have goes to the form-level list,
    so it is still shown in the error summary rather than lost.
    """
    for dotted, message in errors.items():
        target = form
        for part in dotted.split("."):
            if target is None:
                break
            if part.isdigit() and hasattr(target, "entries"):
                index = int(part)
                target = target.entries[index] if index < len(target.entries) else None
            elif hasattr(target, "form") and hasattr(target.form, part):  # FormField
                target = getattr(target.form, part)
            else:
                target = getattr(target, part, None) if hasattr(target, "_fields") else None
        if target is not None and hasattr(target, "errors") and isinstance(target.errors, list):
            target.errors.append(message)
        else:
            form.form_errors.append(message)
