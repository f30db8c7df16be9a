"""The return home interview: offered, held (with what it found) or declined (with why)."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from app.forms import BaseForm, text_or_none
from app.forms.fields import DateField, radio_field, text_area
from app.models.missing import InterviewStatus

RECORDABLE = (InterviewStatus.OFFERED, InterviewStatus.DONE, InterviewStatus.DECLINED)


class InterviewForm(BaseForm):
    status = radio_field(
        "What happened?",
        ((s.value, s.label) for s in RECORDABLE),
        "Select whether the interview was offered, held or declined",
    )
    on = DateField(
        "Date", subject="The date", required_message="Enter the date", description="For example, 27 3 2026"
    )
    findings = text_area("What did the interview find?", called="What the interview found", max_length=10_000)
    declined_reason = text_area("Why did the child decline?", called="The reason", max_length=5000)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def to_service_data(self) -> dict:
        return {
            "status": self.status.data,
            "on": self.on.data,
            "findings": text_or_none(self.findings.data),
            "declined_reason": text_or_none(self.declined_reason.data),
        }
