from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, add_error, select_choices, text_or_none
from app.forms.fields import DateField, london_to_utc, parse_time, radio_field, text_area, text_input
from app.forms.widgets import TextInput
from app.models import ActionStatus

ACTION_STATUS_LABELS = {
    ActionStatus.NOT_STARTED: "Not started",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
}


class PlanActionUpdateForm(BaseForm):
    status = SelectField(
        "Status",
        widget=GovSelect(),
        choices=select_choices((s.value, label) for s, label in ACTION_STATUS_LABELS.items()),
        validators=[DataRequired("Select the action's status")],
    )
    note = TextAreaField(
        "Update (optional)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=5000, message="Update must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Update action", widget=GovSubmitInput())


class ConferenceForm(BaseForm):
    """The initial child protection conference: held on a date, or not required and why."""

    outcome = radio_field(
        "What happened to the initial child protection conference?",
        (("held", "It was held"), ("not_required", "It is not required")),
        "Select whether the conference was held or is not required",
    )
    held_on = DateField(
        "Date of the conference",
        subject="The conference date",
        description="For example, 27 3 2027",
    )
    not_required_reason = text_area("Why is a conference not required?", called="The reason", max_length=5000)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.outcome.data == "held" and self.held_on.data is None and not self.held_on.errors:
            add_error(self.held_on, "Enter the date of the conference")
            valid = False
        if self.outcome.data == "not_required" and not text_or_none(self.not_required_reason.data):
            add_error(self.not_required_reason, "Enter why a conference is not required")
            valid = False
        return valid

    def to_service_data(self) -> dict:
        held = self.outcome.data == "held"
        return {
            "held_on": self.held_on.data if held else None,
            "not_required_reason": None if held else text_or_none(self.not_required_reason.data),
        }


class PoliceProtectionEndedForm(BaseForm):
    ended_date = DateField(
        "Date police protection ended",
        subject="The date police protection ended",
        required_message="Enter the date police protection ended",
        description="For example, 27 3 2027",
    )
    ended_time = text_input(
        "Time it ended",
        called="The time",
        max_length=20,
        description="For example, 14:30 or 2:30pm",
        widget=TextInput(width=5),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not text_or_none(self.ended_time.data):
            add_error(self.ended_time, "Enter the time police protection ended")
            valid = False
        elif parse_time(self.ended_time.data) is None:
            add_error(self.ended_time, "Enter a real time, like 14:30 or 2:30pm")
            valid = False
        return valid

    def ended_at(self) -> datetime:
        return london_to_utc(self.ended_date.data, parse_time(self.ended_time.data))
