"""The form for inviting an agency from outside the MASH into a referral."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from app.domain.whole_numbers import is_whole_number
from app.forms import BaseForm
from app.forms.base import select_choices
from app.forms.fields import radio_field, select_field, text_area
from app.models.referrals import INVITATION_BASES


class InviteAgencyForm(BaseForm):
    agency = select_field(
        "Which agency?",
        [],
        blank="Select an agency",
        message="Select the agency to invite",
        invalid_message="Select an agency of this referral's area that is not taking part yet",
        description="Agencies of the referral's area outside the MASH that are not taking part yet.",
    )
    basis = radio_field(
        "What is the agency invited for?",
        [(basis.value, basis.label) for basis in INVITATION_BASES],
        "Select what the agency is invited for",
    )
    reason = text_area(
        "Why is the agency needed?",
        "Enter why the agency is needed",
        called="Why the agency is needed",
        max_length=2_000,
        description="For example, the school sees the child every day and will check on them each morning.",
    )
    submit = SubmitField("Invite the agency", widget=GovSubmitInput())

    def offer(self, agencies) -> None:
        """The agencies that may be invited, as the select's choices."""
        self.agency.choices = select_choices([("", "Select an agency"), *((a.id, a.name) for a in agencies)])

    @property
    def agency_id(self) -> int | None:
        value = self.agency.data
        return int(value) if value and is_whole_number(str(value)) else None
