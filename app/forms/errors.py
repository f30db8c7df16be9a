"""Errors after validation: putting a service's messages on the fields they name, and
the GOV.UK error summary for pages that build their own."""

from __future__ import annotations

from collections.abc import Mapping

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput
from wtforms import Field, FieldList, FormField
from wtforms.widgets import HiddenInput

from app.domain.whole_numbers import is_whole_number
from app.forms.base import add_error, refresh_list_errors
from app.forms.widgets import DateInput


def apply_errors(form, errors: Mapping[str, str], *, keep_unplaced: bool = True) -> list[str]:
    """Put a service's messages (``StepInvalid.errors``) on the fields they name.

    Keys are field names, dotted through lists: ``children.0.date_of_birth``,
    ``attendees.1.name`` (a row is counted as the service counted it; once a
    TaskForm has validated, the rows it sent come first). A form's
    ``service_error_fields`` maps a service's name to the form's where they
    differ. A key naming a whole list, or one row, puts the message on that
    list's first field.

    Returns the messages that name no field the user can see (hidden fields,
    such as the version, count as none). Unless ``keep_unplaced`` is False they
    also become errors of the whole form (``form.form_errors``), which the
    error summary shows, so that no message is lost.
    """
    unplaced: list[str] = []
    for key, message in errors.items():
        field, lists = _field_for(form, str(key))
        if field is None:
            unplaced.append(message)
            continue
        add_error(field, message)
        for field_list in lists:
            refresh_list_errors(field_list)
    if keep_unplaced:
        form.form_errors.extend(unplaced)
    return unplaced


def _field_for(form, key: str) -> tuple[Field | None, list[FieldList]]:
    """The visible field a dotted key names, and the lists walked through to reach it."""
    node = form
    lists: list[FieldList] = []
    for part in key.split("."):
        if isinstance(node, FieldList):
            lists.append(node)
            if not is_whole_number(part) or int(part) >= len(node.entries):
                return None, lists
            node = node.entries[int(part)]
            continue
        if isinstance(node, FormField):
            node = node.form
        if not hasattr(node, "_fields"):
            return None, lists
        name = getattr(node, "service_error_fields", {}).get(part, part)
        node = node._fields.get(name)
        if node is None:
            return None, lists
    while isinstance(node, FieldList | FormField):  # a whole list, or one row: its first field
        if isinstance(node, FieldList):
            lists.append(node)
            node = node.entries[0] if node.entries else None
        else:
            node = next(iter(node.form), None)
    if node is None or isinstance(node.widget, HiddenInput):
        return None, lists
    return node, lists


# --- The error summary ---------------------------------------------------------


def error_anchor(field) -> str:
    """The id of the element an error summary link should focus."""
    if isinstance(field.widget, DateInput):
        return field.widget.box_ids(field)[0]  # the Day box
    if isinstance(field.widget, GovRadioInput | GovCheckboxInput):
        return field.name  # GOV.UK radios and checkboxes give the first item the bare name as id
    return field.id


def error_summary_items(fields) -> list[dict]:
    """GOV.UK error summary items, in page order, for fields including FieldLists of FormFields."""
    items: list[dict] = []
    for field in fields:
        if isinstance(field, FieldList):
            items += [{"text": e, "href": f"#{field.id}"} for e in field.errors if isinstance(e, str)]
            items += error_summary_items(field.entries)
        elif isinstance(field, FormField):
            items += [{"text": e} for e in field.form.form_errors]
            items += error_summary_items(field.form)
        elif field.errors:
            items.append({"text": field.errors[0], "href": f"#{error_anchor(field)}"})
    return items


def error_summary(form) -> list[dict]:
    """A form's GOV.UK error summary items, whose links reach the right box (date inputs, list rows).

    The form's own errors come first, without links; so do the hidden fields'
    (CSRF, version), which have nothing to focus.
    """
    items = [{"text": message} for message in form.form_errors]
    for field in form:
        if isinstance(field.widget, HiddenInput):
            items += [{"text": message} for message in field.errors[:1]]
        else:
            items += error_summary_items([field])
    return items
