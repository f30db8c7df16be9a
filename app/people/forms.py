"""Forms for correcting how people are related, and for social care's flags on a person."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSubmitInput
from wtforms import SelectMultipleField, SubmitField, ValidationError

from app.forms import BaseForm, select_choices
from app.forms.fields import radio_field, select_field, text_area
from app.models.persons import PersonFlag, RelationshipKind

REASON_MAX = 2000


def _reason(label: str) -> object:
    return text_area(
        label,
        "Enter why you are making this change",
        called="The reason",
        max_length=REASON_MAX,
        description="Say what you know and where it comes from. This is kept with the person's record.",
    )


class AddRelationshipForm(BaseForm):
    # The choices are the people named with this person on referrals the user can see.
    other_id = select_field(
        "Who is it?", [], blank="Choose a person", message="Choose who the person is related to"
    )
    kind = radio_field(
        "How are they related?",
        [(k.value, k.label) for k in RelationshipKind],
        "Select how they are related",
        description="Read it as: this person is … the person chosen.",
    )
    reason = _reason("Why are you adding this?")
    submit = SubmitField("Add the relationship", widget=GovSubmitInput())


class EndRelationshipForm(BaseForm):
    reason = _reason("Why is it wrong, or when did it end?")
    submit = SubmitField("Remove the relationship", widget=GovSubmitInput())


class FlagChoices(SelectMultipleField):
    def pre_validate(self, form) -> None:
        known = {flag.value for flag in PersonFlag}
        if any(value not in known for value in self.data or []):
            raise ValidationError(f"Choose only the flags listed: {', '.join(f.label for f in PersonFlag)}")


class FlagsForm(BaseForm):
    flags = FlagChoices(
        "Which flags apply now?",
        widget=GovCheckboxesInput(),
        choices=select_choices((f.value, f.label) for f in PersonFlag),
        description="Select all that apply. Clear a box to remove a flag.",
    )
    reason = _reason("Why are the flags changing?")
    submit = SubmitField("Save the flags", widget=GovSubmitInput())
