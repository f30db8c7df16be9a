"""Validators that say when a field must be filled in.

Unlike WTForms' InputRequired and Optional they understand the date and time
fields, and they keep those fields' "must be a real date" errors.
"""

from __future__ import annotations

from wtforms.validators import StopValidation, ValidationError


def is_blank(field) -> bool:
    """Nothing was entered. Input that could not be read (a half-typed date) is not blank."""
    if field.process_errors:
        return False
    data = field.data
    return data is None or (isinstance(data, str) and not data.strip())


class RequiredInput:
    """The field must be filled in, always or only when ``when(form)`` is true."""

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
