from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.forms import BaseForm, select_choices
from app.models import AccountKind, AgencyKind, RoleName


class AgencyForm(BaseForm):
    name = StringField(
        "Agency name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the agency's name"),
            Length(max=200, message="Agency name must be 200 characters or fewer"),
        ],
    )
    kind = RadioField(
        "Kind of agency",
        widget=GovRadioInput(),
        choices=select_choices((k.value, k.label) for k in AgencyKind),
        validators=[DataRequired("Select the kind of agency")],
    )
    submit = SubmitField("Save agency", widget=GovSubmitInput())


class UserForm(BaseForm):
    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the person's full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter an email address"),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.org",
            ),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    job_title = StringField(
        "Job title (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=200, message="Job title must be 200 characters or fewer")],
    )
    # Only the administrator's own area is offered; the service refuses any other with its own message.
    agency_id = SelectField(
        "Agency", widget=GovSelect(), validators=[DataRequired("Select an agency")], validate_choice=False
    )
    roles = SelectMultipleField(
        "Roles",
        widget=GovCheckboxesInput(),
        choices=select_choices((r.value, r.label) for r in RoleName),
        validators=[DataRequired("Select at least one role")],
    )
    submit = SubmitField("Save user", widget=GovSubmitInput())


class TemporaryPasswordForm(BaseForm):
    password = PasswordField(
        "Temporary password",
        description="12 characters or more. The user must change it when they next sign in. Give it to them by a different channel from their email address.",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter a temporary password")],
    )
    submit = SubmitField("Set temporary password", widget=GovSubmitInput())


class ConfirmForm(BaseForm):
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class NewUserForm(UserForm):
    kind = RadioField(
        "Type of account",
        widget=GovRadioInput(),
        choices=select_choices((k.value, k.label) for k in AccountKind),
        default=AccountKind.PERSON.value,
        validators=[DataRequired("Select the type of account")],
    )
    password = PasswordField(
        "Temporary password",
        description="For a person: 12 characters or more. They must change it when they first sign in. "
        "Give it to them by a different channel from their email address. A system account has no password.",
        widget=GovPasswordInput(),
        validators=[Optional()],
    )


class ApiTokenForm(BaseForm):
    name = StringField(
        "Token name",
        description="Say which system will use it, for example ‘Northshire Police records system’.",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter a name for the token, such as the system that will use it"),
            Length(max=120, message="Token name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Issue token", widget=GovSubmitInput())
