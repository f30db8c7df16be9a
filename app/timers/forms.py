"""Forms for the tasks the clocks add: an escalation, the 72-hour police protection review, the assessment outcome."""

from __future__ import annotations

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField

from app.domain import cin_codes
from app.forms import add_error, select_choices, text_or_none
from app.forms.fields import DateField, london_to_utc, parse_time, radio_field, text_area, text_input
from app.forms.widgets import TextInput
from app.models import EscalationAction
from app.tasks.forms.base import TaskForm

ESCALATION_ACTIONS = [(action.value, action.label) for action in EscalationAction]


def _date_and_time(form: TaskForm, date_field, time_field, *, what: str, required: bool) -> datetime | None:
    """A date and a time (14:30 or 2:30pm) typed separately, as a UTC instant; adds errors to the form."""
    day, typed = date_field.data, text_or_none(time_field.data)
    if day is None and typed is None:
        if required:
            add_error(date_field, f"Enter the date {what}")
        return None
    if day is None:
        add_error(date_field, f"Enter the date {what}")
        return None
    if typed is None:
        add_error(time_field, f"Enter the time {what}")
        return None
    moment = parse_time(typed)
    if moment is None:
        add_error(time_field, "Enter a real time, like 14:30 or 2:30pm")
        return None
    return london_to_utc(day, moment)


class EscalationForm(TaskForm):
    """One form for every escalation a timer raises."""

    action = radio_field(
        "What have you done?", ESCALATION_ACTIONS, "Select what you have done about the late task"
    )
    note = text_area(
        "What was done, or why the due time is extended",
        called="The note",
        description="Required when you record what was done or extend the due time.",
    )
    reassign_to = text_input(
        "Email address of the person to give the task to",
        called="The email address",
        max_length=254,
        description="Only when you reassign the task.",
    )
    extend_date = DateField("New due date", subject="The new due date", description="For example, 27 3 2027")
    extend_time = text_input(
        "New due time",
        called="The time",
        max_length=20,
        description="For example, 14:30 or 2:30pm",
        widget=TextInput(width=5),
    )
    service_error_fields = {"extend_to": "extend_date"}

    def check_rules(self) -> None:
        self._extend_to = None
        if self.action.data == EscalationAction.EXTENDED.value:
            self._extend_to = _date_and_time(
                self, self.extend_date, self.extend_time, what="the task is now due", required=True
            )
            if not text_or_none(self.note.data):
                add_error(self.note, "Give the reason for extending the due time")
        elif self.action.data == EscalationAction.RECORDED.value and not text_or_none(self.note.data):
            add_error(self.note, "Say what was done about the late task")
        elif self.action.data == EscalationAction.REASSIGNED.value and not text_or_none(
            self.reassign_to.data
        ):
            add_error(self.reassign_to, "Enter the email address of the person to give the task to")

    def to_service_data(self) -> dict:
        return {
            "action": self.action.data,
            "note": text_or_none(self.note.data),
            "reassign_to": text_or_none(self.reassign_to.data),
            "extend_to": self._extend_to,
        }


class PoliceProtectionReviewForm(TaskForm):
    ended_date = DateField(
        "Date police protection ended",
        subject="The date police protection ended",
        required_message="Enter the date police protection ended",
        description="Police protection lasts at most 72 hours. For example, 27 3 2027",
    )
    ended_time = text_input(
        "Time it ended",
        called="The time",
        max_length=20,
        description="For example, 14:30 or 2:30pm",
        widget=TextInput(width=5),
    )
    long_term_plan = text_area(
        "The long-term plan for the child",
        "Enter the long-term plan for the child",
        called="The long-term plan",
        description="For example, returned home with a safety plan, accommodated under section 20, or an "
        "emergency protection order applied for.",
    )

    def check_rules(self) -> None:
        self._ended_at = _date_and_time(
            self, self.ended_date, self.ended_time, what="police protection ended", required=True
        )

    def to_service_data(self) -> dict:
        return {"ended_at": self._ended_at, "long_term_plan": text_or_none(self.long_term_plan.data)}


ASSESSMENT_OUTCOMES = (
    ("cin_plan", "Child in need plan"),
    ("child_protection_conference", "Initial child protection conference"),
    ("early_help", "Step down to early help"),
    ("no_further_action", "No further action"),
)


class AssessmentOutcomeForm(TaskForm):
    completed_on = DateField(
        "Date the assessment was completed",
        subject="The date the assessment was completed",
        required_message="Enter the date the assessment was completed",
    )
    factors = SelectMultipleField(
        "Factors identified at the end of assessment",
        choices=select_choices(cin_codes.codes("assessment_factor")),
        widget=GovCheckboxesInput(),
        description="The CIN census codes. Select all that apply.",
    )
    outcome = radio_field("Outcome", ASSESSMENT_OUTCOMES, "Select the outcome of the assessment")
    summary = text_area(
        "Summary of the assessment", "Enter a summary of the assessment", called="The summary"
    )

    def check_rules(self) -> None:
        if not self.factors.data:
            add_error(self.factors, "Select the factors identified at the end of assessment")

    def to_service_data(self) -> dict:
        return {
            "completed_on": self.completed_on.data,
            "factors": list(self.factors.data or []),
            "outcome": self.outcome.data,
            "summary": text_or_none(self.summary.data),
        }
