"""The adults a notification or contact names: parents and carers, victims, suspects,
other household members and the referrer. Police research already checks "everyone
named"; recording them is what lets a household's history and a suspect's links show."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import FieldList, FormField, RadioField, StringField, SubmitField
from wtforms.validators import Length, ValidationError

from app.domain.clock import london_today
from app.domain.nhs_number import normalise_nhs_number
from app.forms import RowForm, select_choices, text_or_none
from app.forms.fields import DateField
from app.forms.validators import NHSNumber, OptionalInput, RequiredInput
from app.forms.widgets import DateBox, Radios
from app.models.persons import ADULT_ROLES, PersonRole

MAX_ADULTS = 10
ROLE_MISSING = "Select how this person is involved"
NAME_MISSING = "Enter the person's full name, or 'Not known'"
NOT_AN_ADULT = (
    "{name} was under 18 on the date of the incident. Add them as a child, or check the date of birth"
)


class AdultForm(RowForm):
    """One adult named, a row of the form's list of people."""

    full_name = StringField(
        "Full name",
        description="Include any other names they are known by in brackets, for example Dale Example (Dale Sample)",
        widget=GovTextInput(),
        validators=[
            RequiredInput(NAME_MISSING),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    role = RadioField(
        "How are they involved?",
        widget=Radios(legend_size=None),
        choices=select_choices((role.value, role.label) for role in ADULT_ROLES),
        validators=[RequiredInput(ROLE_MISSING)],
        invalid_choice_message=ROLE_MISSING,
    )
    date_of_birth = DateField(
        "Date of birth (optional)",
        subject="Date of birth",
        explain_short_year=True,
        widget=DateBox(),
        description="For example, 27/3/1985",
        validators=[OptionalInput()],
    )
    nhs_number = StringField(
        "NHS number (optional)",
        widget=GovTextInput(),
        validators=[OptionalInput(), NHSNumber()],
    )
    address = StringField(
        "Address (optional)",
        widget=GovTextInput(),
        validators=[OptionalInput(), Length(max=300, message="Address must be 300 characters or fewer")],
    )
    remove = SubmitField("Remove this person", widget=GovSubmitInput())

    def validate_date_of_birth(self, field):
        if field.data and field.data > london_today():
            raise ValidationError("Date of birth must be in the past")

    def is_under_18_on(self, day) -> bool:
        born = self.date_of_birth.data
        if born is None or self.date_of_birth.errors or self.role.data == PersonRole.VICTIM.value:
            return False
        return (day.year - born.year - ((day.month, day.day) < (born.month, born.day))) < 18

    def to_service_data(self) -> dict:
        nhs_number = text_or_none(self.nhs_number.data)
        return {
            "role": self.role.data,
            "full_name": self.full_name.data,
            "date_of_birth": self.date_of_birth.data,
            "nhs_number": normalise_nhs_number(nhs_number) if nhs_number else None,
            "address": text_or_none(self.address.data),
        }


def adults_field() -> FieldList:
    return FieldList(FormField(AdultForm), min_entries=0, max_entries=MAX_ADULTS)
