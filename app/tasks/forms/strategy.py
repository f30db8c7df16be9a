"""The strategy discussion: who attended, what was decided, and what happens next."""

from __future__ import annotations

from datetime import date, datetime

from wtforms import FieldList, FormField

from app.domain.clock import london_today, utcnow
from app.domain.working_days import ICPC_WORKING_DAYS, icpc_due
from app.forms import RowForm, add_error, refresh_list_errors, select_choices, text_or_none
from app.forms.fields import (
    DateField,
    YesNoField,
    london_to_utc,
    parse_time,
    radio_field,
    select_field,
    text_area,
    text_input,
)
from app.forms.widgets import Radios, Select, TextArea, TextInput
from app.models.people import AgencyKind
from app.referrals.strategy_attendance import absences_without_reason
from app.tasks.forms.base import TaskForm
from app.tasks.forms.concerns import assessment_factors_field
from app.workflow.contract import STRATEGY_DECISION_LABELS

AGENCY_KINDS: list[tuple[str, str]] = [(kind.value, kind.label) for kind in AgencyKind]

#: The contract's labels, under the name app.tasks.forms has always exported.
DECISION_LABELS = STRATEGY_DECISION_LABELS


NO_AGENCY_CHOSEN = "Select an agency"


class AttendeeForm(RowForm):
    name = text_input("Name", called="The attendee's name", widget=TextInput(label_size=None))
    agency_kind = select_field(
        "Agency",
        AGENCY_KINDS,
        blank=NO_AGENCY_CHOSEN,
        invalid_message="Select the attendee's agency from the list",
        widget=Select(label_size=None),
    )
    role = text_input(
        "Role",
        called="The attendee's role",
        description="For example, social worker, detective sergeant or health visitor.",
        widget=TextInput(label_size=None),
    )


class StrategyDiscussionForm(TaskForm):
    list_buttons = {"attendees": ("add_attendee", "remove_attendee")}
    icpc_working_days = ICPC_WORKING_DAYS
    assessment_factors = assessment_factors_field()

    held_at = DateField(
        "Date of the strategy discussion",
        subject="The strategy discussion date",
        required_message="Enter the date of the strategy discussion",
        description="For example, 27 3 2027",
    )
    held_time = text_input(
        "Time it started",
        called="The time",
        max_length=20,
        description="For example, 14:30 or 2:30pm",
        widget=TextInput(width=5),
    )
    chair = text_input(
        "Who chaired the discussion?",
        "Enter the name of the person who chaired the discussion",
        called="The chair's name",
    )
    attendees = FieldList(FormField(AttendeeForm), min_entries=3, max_entries=30)
    social_care_absence_reason = text_area(
        "Why was children's social care not at the discussion?", called="The reason", widget=TextArea(rows=3)
    )
    police_absence_reason = text_area(
        "Why were police not at the discussion?", called="The reason", widget=TextArea(rows=3)
    )
    health_absence_reason = text_area(
        "Why was health not at the discussion?", called="The reason", widget=TextArea(rows=3)
    )
    information_shared = text_area(
        "Information shared at the discussion",
        "Enter the information shared at the discussion",
        called="The information shared",
    )
    decision = radio_field(
        "Decision about section 47 enquiries",
        STRATEGY_DECISION_LABELS.items(),
        "Select the decision about section 47 enquiries",
        widget=Radios(legend_size="m"),
    )
    criminal_investigation = YesNoField(
        "Will there be a criminal investigation?",
        message="Select yes if there will be a criminal investigation",
        inline=False,
    )
    criminal_investigation_plan = text_area(
        "How and when will the criminal investigation be conducted?", called="The criminal investigation plan"
    )
    immediate_actions = text_area(
        "Immediate and short-term actions",
        "Enter the immediate actions: who will do what, and by when",
        called="The immediate actions",
        description="Who will do what, and by when.",
    )
    legal_action_considered = YesNoField(
        "Was legal action considered?", message="Select yes if legal action was considered", inline=False
    )
    legal_action_notes = text_area(
        "What legal action was considered, and what was decided?", called="The legal action notes"
    )
    other_children_considered = YesNoField(
        "Were other children considered, such as siblings or other children in the household?",
        message="Select yes if other children were considered",
    )
    other_children_notes = text_area(
        "Other children",
        called="The notes about other children",
        description="Name any siblings or other children in the household and any risk to them. "
        "If there are none, say so.",
    )
    icpc_required = YesNoField(
        "Is an initial child protection conference (ICPC) needed?",
        message="Select yes if an initial child protection conference is needed",
        description=f"The conference must be held within {ICPC_WORKING_DAYS} working days of this discussion. "
        "Front Door works out the target date.",
    )

    # --- Derived values ---

    def held_at_utc(self) -> datetime | None:
        """The date and time entered (UK wall-clock time) as an aware UTC datetime."""
        return london_to_utc(self.held_at.data, parse_time(self.held_time.data))

    def icpc_target(self) -> date | None:
        """The ICPC target date for the date entered, for the page (the service records its own)."""
        return icpc_due(self.held_at.data) if self.held_at.data else None

    def attendee_rows(self) -> list[AttendeeForm]:
        return self.filled_rows("attendees")

    # --- Rules ---

    def check_rules(self) -> None:
        self._check_when()
        self._check_attendees()
        if self.criminal_investigation.answer and not text_or_none(self.criminal_investigation_plan.data):
            add_error(
                self.criminal_investigation_plan,
                "Say how and when the criminal investigation will be conducted",
            )
        if self.legal_action_considered.answer and not text_or_none(self.legal_action_notes.data):
            add_error(self.legal_action_notes, "Say what legal action was considered and what was decided")
        if self.other_children_considered.answer and not text_or_none(self.other_children_notes.data):
            add_error(
                self.other_children_notes, "Say which other children were considered and what was decided"
            )

    def _check_when(self) -> None:
        if self.held_time.errors:
            at = None
        elif not text_or_none(self.held_time.data):
            add_error(self.held_time, "Enter the time the strategy discussion started")
            at = None
        else:
            at = parse_time(self.held_time.data)
            if at is None:
                add_error(self.held_time, "Enter a real time, like 14:30 or 2:30pm")
        day = self.held_at.data
        if day is None or self.held_at.errors:
            return
        if day > london_today():
            add_error(self.held_at, "The strategy discussion date must be today or in the past")
        elif at is not None and london_to_utc(day, at) > utcnow():
            add_error(self.held_time, "The strategy discussion time must be now or in the past")

    def _check_attendees(self) -> None:
        rows = self.attendee_rows()
        for row in rows:
            if not text_or_none(row.name.data):
                add_error(row.name, "Enter the attendee's name")
            if not row.agency_kind.data and not row.agency_kind.errors:
                add_error(row.agency_kind, "Select the attendee's agency")
            if not text_or_none(row.role.data):
                add_error(row.role, "Enter the attendee's role")
        if not rows and self.attendees.entries:
            add_error(self.attendees.entries[0].form.name, "Add at least one attendee")
        refresh_list_errors(self.attendees)
        for reason_field, message in absences_without_reason(
            (row.agency_kind.data for row in rows), self.data
        ).items():
            add_error(self[reason_field], message)

    def for_referral(self, referral) -> None:
        """Each attendee's agency list holds only the agencies taking part in this referral:
        "Testshire Police (Police force)". The values stay the agency kinds the contract takes;
        the service refuses any other kind, for every caller."""
        names: dict[str, list[str]] = {}
        for agency in sorted(referral.agencies, key=lambda a: a.name):
            names.setdefault(agency.kind.value, []).append(agency.name)
        taking_part = [
            (kind, f"{', '.join(names[kind])} ({label})") for kind, label in AGENCY_KINDS if kind in names
        ]
        choices = select_choices([("", NO_AGENCY_CHOSEN), *taking_part])
        for entry in self.attendees.entries:
            entry.form.agency_kind.choices = choices

    def to_service_data(self) -> dict:
        criminal = self.criminal_investigation.answer
        legal = self.legal_action_considered.answer
        return {
            "assessment_factors": list(self.assessment_factors.data or []),
            "held_at": self.held_at_utc(),
            "chair": text_or_none(self.chair.data),
            "attendees": [
                {
                    "name": text_or_none(row.name.data),
                    "agency_kind": row.agency_kind.data or None,
                    "role": text_or_none(row.role.data),
                }
                for row in self.attendee_rows()
            ],
            "social_care_absence_reason": text_or_none(self.social_care_absence_reason.data),
            "police_absence_reason": text_or_none(self.police_absence_reason.data),
            "health_absence_reason": text_or_none(self.health_absence_reason.data),
            "information_shared": text_or_none(self.information_shared.data),
            "decision": self.decision.data,
            "criminal_investigation": criminal,
            "criminal_investigation_plan": text_or_none(self.criminal_investigation_plan.data)
            if criminal
            else None,
            "immediate_actions": text_or_none(self.immediate_actions.data),
            "legal_action_considered": legal,
            "legal_action_notes": text_or_none(self.legal_action_notes.data) if legal else None,
            "other_children_considered": self.other_children_considered.answer,
            "other_children_notes": text_or_none(self.other_children_notes.data),
            "icpc_required": self.icpc_required.answer,
        }
