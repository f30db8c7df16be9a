from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import BaseForm, select_choices
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
        "Update (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=5000, message="Update must be 5,000 characters or fewer")]
    )
    submit = SubmitField("Update action", widget=GovSubmitInput())
