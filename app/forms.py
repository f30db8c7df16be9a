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
