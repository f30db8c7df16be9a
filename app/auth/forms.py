from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from app.forms import BaseForm


class SignInForm(BaseForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter your current password")],
    )
    new_password = PasswordField(
        "New password",
        description="Use 12 characters or more.",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired("Confirm your new password"),
            EqualTo("new_password", "The passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SignOutForm(BaseForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())
