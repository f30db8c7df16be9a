"""Forms for raising and reviewing a professional disagreement after the decision."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from app.forms import BaseForm
from app.forms.fields import YesNoField, text_area


class RaiseDisagreementForm(BaseForm):
    reason = text_area(
        "Why does your agency disagree with the decision?",
        "Enter why your agency disagrees with the decision",
        called="Why your agency disagrees",
        description="Say what your agency knows or thinks that the decision did not weigh. A MASH manager will review it.",
    )
    submit = SubmitField("Send to a MASH manager", widget=GovSubmitInput())


class ReviewDisagreementForm(BaseForm):
    upheld = YesNoField(
        "Do you uphold the disagreement?",
        message="Select whether you uphold the disagreement",
        inline=False,
        description="Upheld means the decision will be looked at again.",
    )
    resolution = text_area(
        "What did you decide, and what happens next?",
        "Enter what you decided and what happens next",
        called="What you decided",
        description="The agency that disagreed can see this.",
    )
    submit = SubmitField("Save the review", widget=GovSubmitInput())
