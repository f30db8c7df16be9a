"""The one toolkit for GOV.UK forms: every form in the app is built from these.

- ``base``: BaseForm (CSRF, whitespace stripped), RowForm, and small helpers
  (``text_or_none``, ``yes_no``, ``select_choices``, ``add_error``).
- ``widgets``: GOV.UK Design System widgets (govuk-frontend-wtf) with sizes and
  without empty hints, and the date input.
- ``fields``: the date, time, Yes/No and version fields, field builders,
  ``parse_time`` and ``london_to_utc``.
- ``validators``: when a field must be filled in (RequiredInput, OnlyWhen…).
- ``errors``: ``apply_errors`` (a service's messages onto the fields) and the
  error summary for pages that build their own.
"""

from app.forms.base import (
    MULTI_LINE_FORBIDDEN,
    SINGLE_LINE_FORBIDDEN,
    YES_NO,
    BaseForm,
    RowForm,
    add_error,
    refresh_list_errors,
    select_choices,
    sentence,
    strip_whitespace,
    text_or_none,
    yes_no,
)
from app.forms.errors import apply_errors, error_anchor, error_summary, error_summary_items

__all__ = [
    "MULTI_LINE_FORBIDDEN",
    "SINGLE_LINE_FORBIDDEN",
    "YES_NO",
    "BaseForm",
    "RowForm",
    "add_error",
    "apply_errors",
    "error_anchor",
    "error_summary",
    "error_summary_items",
    "refresh_list_errors",
    "select_choices",
    "sentence",
    "strip_whitespace",
    "text_or_none",
    "yes_no",
]
