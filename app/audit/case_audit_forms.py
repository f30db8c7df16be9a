"""Forms for grading a case and drawing an audit sample (GOV.UK widgets, BaseForm)."""

from __future__ import annotations

from wtforms import Field

from app.audit.case_audits import MAX_SAMPLE_SIZE, STAGE_NOUNS
from app.domain.clock import london_today
from app.domain.whole_numbers import is_whole_number
from app.forms import BaseForm, add_error, select_choices, text_or_none
from app.forms.fields import DateField, radio_field, select_field, text_area, text_input
from app.forms.widgets import Radios, TextArea, TextInput
from app.models import AuditStage, Grade
from app.models.people import AgencyKind

GRADES: list[tuple[str, str]] = [(grade.value, grade.label) for grade in Grade]
AGENCY_KINDS: list[tuple[str, str]] = [(kind.value, kind.label) for kind in AgencyKind]


class CaseAuditForm(BaseForm):
    """One grade, reason and agency per stage (fields `<stage>_grade`, `<stage>_reason`,
    `<stage>_agency_kind`, added below in the order of the journey), then a summary."""

    def stage_fields(self, stage: AuditStage) -> tuple[Field, Field, Field]:
        return self[f"{stage.value}_grade"], self[f"{stage.value}_reason"], self[f"{stage.value}_agency_kind"]

    def to_service_data(self) -> dict:
        return {
            "grades": {
                stage.value: {
                    "grade": grade.data,
                    "reason": text_or_none(reason.data),
                    "agency_kind": agency.data,
                }
                for stage in AuditStage
                for grade, reason, agency in [self.stage_fields(stage)]
            },
            "summary": text_or_none(self.summary.data),
        }

    @classmethod
    def initial_data(cls, defaults: dict[AuditStage, AgencyKind]) -> dict:
        return {f"{stage.value}_agency_kind": kind.value for stage, kind in defaults.items()}


for _stage in AuditStage:
    _noun = STAGE_NOUNS[_stage]
    setattr(
        CaseAuditForm,
        f"{_stage.value}_grade",
        radio_field(f"Grade for {_noun}", GRADES, f"Select a grade for {_noun}", widget=Radios(inline=True)),
    )
    setattr(
        CaseAuditForm,
        f"{_stage.value}_reason",
        text_area(
            f"Why did you give {_noun} this grade?",
            f"Enter the reason for your grade for {_noun}",
            called="The reason",
            description="Say what was done well or what was missing, and its effect on the child.",
            widget=TextArea(rows=4),
        ),
    )
    setattr(
        CaseAuditForm,
        f"{_stage.value}_agency_kind",
        select_field(
            f"Which agency is the grade for {_noun} mainly about?",
            AGENCY_KINDS,
            blank="Select an agency",
            message=f"Select the agency the grade for {_noun} is mainly about",
            invalid_message=f"Select the agency the grade for {_noun} is mainly about",
        ),
    )
CaseAuditForm.summary = text_area(
    "Summary of the audit (optional)",
    called="The summary",
    description="For example, what the case shows about practice, and what should change.",
    widget=TextArea(rows=5, label_size="m"),
)


class DrawSampleForm(BaseForm):
    period_start = DateField(
        "Received from",
        subject="The start of the period",
        required_message="Enter the start of the period",
        description="For example, 1 4 2026",
    )
    period_end = DateField(
        "Received up to and including",
        subject="The end of the period",
        required_message="Enter the end of the period",
        description="For example, 31 3 2027",
    )
    area = select_field("Local authority area", [], blank="All areas")
    size = text_input(
        "How many cases?",
        "Enter how many cases to sample",
        called="The sample size",
        max_length=10,
        description=f"A whole number from 1 to {MAX_SAMPLE_SIZE}. Only closed cases are sampled.",
        widget=TextInput(width=3),
    )

    def set_areas(self, areas: list[str]) -> None:
        self.area.choices = select_choices([("", "All areas"), *((a, a) for a in areas)])

    @property
    def size_number(self) -> int | None:
        value = (self.size.data or "").strip()
        return int(value) if is_whole_number(value) else None

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        if not self.size.errors:
            if self.size_number is None:
                add_error(self.size, "The sample size must be a whole number, like 10")
            elif not 1 <= self.size_number <= MAX_SAMPLE_SIZE:
                add_error(self.size, f"The sample size must be between 1 and {MAX_SAMPLE_SIZE}")
        start, end = self.period_start.data, self.period_end.data
        if end and not self.period_end.errors and end > london_today():
            add_error(self.period_end, "The end of the period must be today or in the past")
        if start and end and not self.period_start.errors and not self.period_end.errors and start > end:
            add_error(self.period_start, "The start of the period must be on or before the end")
        return not self.errors
