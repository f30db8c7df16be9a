"""The joint protective plan: a summary, a review date, and actions with owners and due dates."""

from __future__ import annotations

from wtforms import FieldList, FormField

from app.domain.clock import london_today
from app.forms import RowForm, add_error, refresh_list_errors, text_or_none
from app.forms.fields import DateField, select_field, text_area, text_input
from app.forms.widgets import DateInput, Select, TextArea, TextInput
from app.referrals.services import ACTION_DUE_MISSING, ACTION_DUE_PAST
from app.tasks.forms.base import TaskForm
from app.tasks.forms.strategy import AGENCY_KINDS


class ActionForm(RowForm):
    description = text_area(
        "Action", called="The action", max_length=5_000, widget=TextArea(rows=2, label_size=None)
    )
    owning_agency_kind = select_field(
        "Agency that owns it",
        AGENCY_KINDS,
        blank="Select an agency",
        invalid_message="Select the agency that owns this action from the list",
        widget=Select(label_size=None),
    )
    owner = text_input(
        "Who owns it",
        called="Who owns this action",
        description="Name and role, for example Sam Patel, school nurse.",
        widget=TextInput(label_size=None),
    )
    due_date = DateField("Due date", subject="The due date", widget=DateInput(legend_size="s"))


class ProtectivePlanForm(TaskForm):
    list_buttons = {"actions": ("add_action", "remove_action")}

    summary = text_area(
        "Summary of the plan",
        "Enter a summary of the plan",
        called="The summary",
        description="The risks to the children and how the agencies will protect them.",
    )
    review_date = DateField(
        "Review date",
        subject="The review date",
        required_message="Enter the review date",
        description="For example, 27 3 2027",
    )
    actions = FieldList(FormField(ActionForm), min_entries=3, max_entries=50)

    def action_rows(self) -> list[ActionForm]:
        return self.filled_rows("actions")

    def check_rules(self) -> None:
        today = london_today()
        if (
            self.review_date.data is not None
            and not self.review_date.errors
            and self.review_date.data < today
        ):
            add_error(self.review_date, "The review date must be today or in the future")
        rows = self.action_rows()
        numbers = {id(entry.form): i + 1 for i, entry in enumerate(self.actions.entries)}
        for row in rows:
            if not text_or_none(row.description.data) and not row.description.errors:
                add_error(row.description, "Enter what needs to be done")
            if not row.owning_agency_kind.data and not row.owning_agency_kind.errors:
                add_error(row.owning_agency_kind, "Select the agency that owns this action")
            if not text_or_none(row.owner.data) and not row.owner.errors:
                add_error(row.owner, "Enter who owns this action")
            if row.due_date.errors:
                continue
            if row.due_date.data is None:
                add_error(row.due_date, ACTION_DUE_MISSING.format(number=numbers[id(row)]))
            elif row.due_date.data < today:
                add_error(row.due_date, ACTION_DUE_PAST.format(number=numbers[id(row)]))
        if not rows and self.actions.entries:
            add_error(self.actions.entries[0].form.description, "Add at least one action")
        refresh_list_errors(self.actions)

    def start_from(self, referral) -> None:
        """A new plan starts from the strategy discussion: each line of its immediate actions
        is a draft action, to give an agency, an owner and a due date."""
        sd = referral.strategy_discussion
        lines = [line.strip(" -•\t") for line in (sd.immediate_actions or "").splitlines()] if sd else []
        lines = [line for line in lines if line]
        while len(self.actions.entries) < len(lines):
            self.actions.append_entry()
        for entry, line in zip(self.actions.entries, lines, strict=False):
            if not entry.form.description.data:
                entry.form.description.data = line

    def to_service_data(self) -> dict:
        return {
            "summary": text_or_none(self.summary.data),
            "review_date": self.review_date.data,
            "actions": [
                {
                    "description": text_or_none(row.description.data),
                    "owning_agency_kind": row.owning_agency_kind.data or None,
                    "owner": text_or_none(row.owner.data),
                    "due_date": row.due_date.data,
                }
                for row in self.action_rows()
            ],
        }
