"""TaskForm, the base of every task form.

Every task form records one user task of the front-door process. Forms do the
field validation and build the plain dict the service takes
(``to_service_data()``, see docs/contract-forms.md); the service re-checks the
business rules and may raise ``StepInvalid``, whose messages
``apply_service_errors()`` puts back on the right fields. The fields and
widgets come from app.forms.
"""

from __future__ import annotations

from typing import ClassVar

from wtforms import FieldList

from app.forms import BaseForm, RowForm, apply_errors
from app.forms.fields import VersionField


class TaskForm(BaseForm):
    """Base of every task form.

    ``version`` is the hidden optimistic-lock version; it is not service data.
    """

    version = VersionField()

    #: FieldList name -> (name of its "Add another" button, name of its "Remove" buttons).
    list_buttons: ClassVar[dict[str, tuple[str, str]]] = {}

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        self._submitted = formdata
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def to_service_data(self) -> dict:
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        self.check_rules()
        if self.errors:
            return False
        self._drop_blank_rows()
        return True

    def check_rules(self) -> None:
        """Rules across fields, run after field validation; add errors with add_error()."""

    # --- Repeating lists ---

    def filled_rows(self, list_name: str) -> list[RowForm]:
        """The rows of a list that are not left blank, in order."""
        return [entry.form for entry in self[list_name].entries if not entry.form.is_blank()]

    def _drop_blank_rows(self) -> None:
        """Once valid, move blank rows to the end of each list.

        Then a list's first rows are exactly the ones ``to_service_data()``
        sends, in order, so a service error about ``attendees.1`` names the
        same row on the form.
        """
        for field in self._fields.values():
            if not isinstance(field, FieldList):
                continue
            for index in reversed(range(len(field.entries))):
                row = getattr(field.entries[index], "form", None)
                if isinstance(row, RowForm) and row.is_blank():
                    field.pop_entry(index)
            while len(field.entries) < field.min_entries:
                field.append_entry()

    def handle_list_buttons(self) -> bool:
        """Act on an "Add another" or "Remove" button. True if one was pressed.

        The route then renders the page again without validating or saving.
        """
        formdata = self._submitted
        if not formdata:
            return False
        for list_name, (add_button, remove_button) in self.list_buttons.items():
            field = self[list_name]
            if add_button in formdata:
                if not field.max_entries or len(field.entries) < field.max_entries:
                    field.append_entry()
                return True
            if remove_button in formdata:
                try:
                    index = int(formdata.get(remove_button))
                except (TypeError, ValueError):
                    return True
                if 0 <= index < len(field.entries):
                    field.pop_entry(index)
                while len(field.entries) < field.min_entries:
                    field.append_entry()
                return True
        return False

    # --- Errors from the service ---

    def apply_service_errors(self, errors: dict[str, str]) -> list[str]:
        """Put StepInvalid messages on the fields they name (see app.forms.apply_errors).

        Returns the messages that match no field, for the route to show
        another way (a flash), rather than adding them to the form.
        """
        return apply_errors(self, errors, keep_unplaced=False)
