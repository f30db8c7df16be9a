"""The base form: CSRF from Flask-WTF, and whitespace stripped from typed text."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


def strip_whitespace(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            cls = unbound_field.field_class
            # Passwords are taken exactly as typed.
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                filters = unbound_field.kwargs.get("filters", ())
                if strip_whitespace not in filters:
                    unbound_field.kwargs["filters"] = (strip_whitespace, *filters)
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
