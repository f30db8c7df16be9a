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


class SignInCodeForm(BaseForm):
    code = StringField(
        "Security code",
        description="Enter the 6-digit code from your authenticator app. If you do not have your phone, "
        "enter one of your recovery codes instead.",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the code from your authenticator app, or a recovery code"),
            Length(
                max=32, message="Enter the 6-digit code from your app, or a recovery code like abcde-fghjk"
            ),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class AppCodeForm(BaseForm):
    """Set-up: the code the newly added app shows, to prove it was set up correctly."""

    code = StringField(
        "Code from your authenticator app",
        description="The 6-digit code your app shows for Front Door now.",
        widget=GovTextInput(),
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=32, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
    submit = SubmitField("Turn on two-step verification", widget=GovSubmitInput())


class CurrentCodeForm(SignInCodeForm):
    """Proof, from someone already signed in, that they still hold their second factor."""

    submit = SubmitField("Continue", widget=GovSubmitInput())
