"""Fields the decision steps share: the CIN census assessment factors (the concerns),
and at triage the MASH's own DASH grading."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput
from wtforms import SelectMultipleField

from app.domain import cin_codes
from app.forms import select_choices


def assessment_factors_field() -> SelectMultipleField:
    """Every factor that applies, from the DfE list: an incident can carry more than one concern."""
    return SelectMultipleField(
        "Concerns (optional)",
        description="Select every factor that applies, for example 3A domestic abuse and 22A police protection.",
        widget=GovCheckboxesInput(),
        choices=select_choices(
            (code, f"{code} – {label}") for code, label in cin_codes.codes("assessment_factor")
        ),
        validate_choice=True,
    )
