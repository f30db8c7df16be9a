"""The one form toolkit (app.forms): the date and time fields, and putting service errors on fields."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, StringField

from app.forms import BaseForm, RowForm, apply_errors
from app.forms.fields import DateField, TimeField, VersionField, london_to_utc, parse_time
from app.forms.widgets import DateInput
from app.referrals.strategy_attendance import REQUIRED_AGENCIES, absences_without_reason


class Row(RowForm):
    name = StringField("Name")
    role = StringField("Role")


class Sample(BaseForm):
    version = VersionField()
    when = DateField("When", subject="The date")
    born = DateField("Born", subject="Date of birth", explain_short_year=True)
    at = TimeField("At", subject="The time")
    rows = FieldList(FormField(Row), min_entries=2)
    service_error_fields = {"when_at": "when"}


def posted(app, pairs):
    with app.test_request_context("/", method="POST", data=MultiDict(pairs)):
        form = Sample()
        form.validate()
        return form


@pytest.mark.parametrize(
    ("parts", "data", "message"),
    [
        (["1", "7", "2025"], date(2025, 7, 1), None),
        (["2025-07-01"], date(2025, 7, 1), None),
        (["", "", ""], None, None),
        (["1", "", "2025"], None, "The date must include a month"),
        (["", "", "2025"], None, "The date must include a day and month"),
        (["31", "2", "2025"], None, "The date must be a real date"),
        (["1", "7", "25"], None, "The date must be a real date"),
        (["\u0663", "7", "2025"], None, "The date must be a real date"),  # an Arabic-Indic 3
        # One box, as the notification forms have it.
        (["01/07/2025"], date(2025, 7, 1), None),
        (["1-7-2025"], date(2025, 7, 1), None),
        (["1.7.2025"], date(2025, 7, 1), None),
        (["1 7 2025"], date(2025, 7, 1), None),
        (["1st July 2025"], date(2025, 7, 1), None),
        (["1 Jul 2025"], date(2025, 7, 1), None),
        ([" 1 jul. 2025 "], date(2025, 7, 1), None),
        ([""], None, None),
        (["1 Ju 2025"], None, "The date must be a real date"),  # June or July?
        (["1/7/25"], None, "The date must be a real date"),
        (["31/2/2025"], None, "The date must be a real date"),
        (["1/7"], None, "The date must be a real date"),
        (["yesterday"], None, "The date must be a real date"),
        (["7/1/2025 10:40"], None, "The date must be a real date"),
        # Too big for C's int: these raised OverflowError, a 500 on every page with a date.
        (["2147483648", "7", "2025"], None, "The date must be a real date"),
        (["1", str(2**63), "2025"], None, "The date must be a real date"),
    ],
)
def test_date_field(app, parts, data, message):
    form = posted(app, [("when", p) for p in parts])
    assert form.when.data == data
    assert form.when.errors == ([message] if message else [])


def test_a_short_year_can_be_explained(app):
    form = posted(app, [("born", "1"), ("born", "7"), ("born", "25")])
    assert form.born.errors == ["Date of birth must include a year with 4 numbers, like 2026"]
    assert form.born.boxes_in_error() == {"year"}
    assert posted(app, [("born", "1/7/25")]).born.errors == [
        "Date of birth must include a year with 4 numbers, like 2026"
    ]


def test_one_box_shows_what_was_typed_or_the_date_it_holds(app):
    from app.forms.widgets import DateBox

    typed = posted(app, [("when", "31 Feb 2025")]).when
    assert typed._value() == "31 Feb 2025"
    assert 'value="31 Feb 2025"' in DateBox()(typed)
    with app.test_request_context("/"):
        held = Sample(formdata=None, data={"when": date(2025, 7, 1)}).when
    assert 'value="1/7/2025"' in DateBox()(held)
    halves = posted(app, [("when", "29"), ("when", ""), ("when", "2024")]).when  # an old three-box draft
    assert halves._value() == "29//2024"


def test_only_the_boxes_a_message_is_about_are_marked(app):
    with app.test_request_context(
        "/", method="POST", data=MultiDict([("when", "1"), ("when", ""), ("when", "")])
    ):
        form = Sample()
        form.validate()
        html = str(form.when())
        assert re.findall(r'<input class="([^"]*)" id="([^"]+)"', html) == [
            ("govuk-input govuk-date-input__input govuk-input--width-2", "when"),
            ("govuk-input govuk-date-input__input govuk-input--width-2 govuk-input--error", "when-month"),
            ("govuk-input govuk-date-input__input govuk-input--width-4 govuk-input--error", "when-year"),
        ]
        form.when.errors = ["Checked by the service"]  # not about one box: all three
        assert str(form.when()).count("govuk-input--error") == 3


def test_the_date_input_can_keep_govuk_box_ids(app):
    class Page(BaseForm):
        day = DateField("Day", subject="The day", widget=DateInput(day_takes_field_id=False))

    with app.test_request_context("/"):
        html = str(Page().day())
    assert re.findall(r'<input[^>]* id="([^"]+)"', html) == ["day-day", "day-month", "day-year"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14.30", time(14, 30)),
        ("1430", time(14, 30)),
        ("9:05", time(9, 5)),
        (" 23:59 ", time(23, 59)),
        ("24:00", None),
        ("12:60", None),
        ("2pm", time(14, 0)),
        ("2:30pm", time(14, 30)),
        ("2.30 PM", time(14, 30)),
        ("9 a.m.", time(9, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15am", time(0, 15)),
        ("midday", time(12, 0)),
        ("Midnight", time(0, 0)),
        ("13pm", None),
        ("0am", None),
        ("2:75pm", None),
        ("two", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_time(typed, expected):
    assert parse_time(typed) == expected


def test_time_field_message(app):
    assert posted(app, [("at", "25:10")]).at.errors == ["The time must be a real time, like 14:30"]


def test_london_to_utc_needs_both_parts():
    assert london_to_utc(date(2025, 7, 1), time(9, 0)) == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert london_to_utc(None, time(9, 0)) is None
    assert london_to_utc(date(2025, 7, 1), None) is None


# --- apply_errors ---------------------------------------------------------------


def valid_sample(app):
    return posted(app, [("version", "3"), ("rows-0-name", "Ann"), ("rows-1-name", "Bo")])


def test_service_errors_land_on_named_renamed_and_row_fields(app):
    form = valid_sample(app)
    unplaced = apply_errors(
        form, {"when_at": "When problem", "rows.1.role": "Role problem", "at": "Time problem"}
    )
    assert unplaced == []
    assert form.errors == {
        "when": ["When problem"],
        "at": ["Time problem"],
        "rows": [{}, {"role": ["Role problem"]}],
    }


def test_a_message_about_a_whole_list_goes_on_its_first_field(app):
    form = valid_sample(app)
    apply_errors(form, {"rows": "Add at least one row"})
    assert form.rows[0].form.name.errors == ["Add at least one row"]
    assert form.errors == {"rows": [{"name": ["Add at least one row"]}, {}]}


def test_messages_for_no_visible_field_become_the_forms_own(app):
    form = valid_sample(app)
    errors = {"version": "Stale", "nothing": "Engine problem", "rows.5.name": "No such row"}
    assert apply_errors(form, errors) == ["Stale", "Engine problem", "No such row"]
    assert form.form_errors == ["Stale", "Engine problem", "No such row"]
    assert form.version.errors == []


def test_unplaced_messages_can_be_left_to_the_caller(app):
    form = valid_sample(app)
    assert apply_errors(form, {"_": "Engine problem"}, keep_unplaced=False) == ["Engine problem"]
    assert form.form_errors == [] and form.errors == {}


def test_a_message_is_added_once(app):
    form = valid_sample(app)
    apply_errors(form, {"at": "Time problem"})
    apply_errors(form, {"at": "Time problem"})
    assert form.at.errors == ["Time problem"]


# --- The strategy attendance rule, shared by the form and the service -------------------


def test_every_required_agency_needs_an_attendee_or_a_reason():
    assert absences_without_reason([], {}) == {a.absence_reason_field: a.message for a in REQUIRED_AGENCIES}
    assert absences_without_reason(["police", "health", "childrens_social_care"], {}) == {}
    assert set(
        absences_without_reason(["police", None, "education"], {"health_absence_reason": "On leave"})
    ) == {"social_care_absence_reason"}
    assert set(absences_without_reason(["police", "health"], {"social_care_absence_reason": "  "})) == {
        "social_care_absence_reason"
    }


@given(
    st.text(max_size=40)
    | st.from_regex(r"\s*[0-9]{1,3}\s*[/ .\-]\s*[0-9a-zA-Z]{1,12}\s*[/ .\-]?\s*[0-9]{0,6}\s*")
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_one_box_gives_a_date_or_a_message_whatever_is_typed(app, typed):
    field = posted(app, [("born", typed)]).born
    if field.data is None:
        assert field.errors in (
            [],
            ["Date of birth must be a real date"],
            ["Date of birth must include a year with 4 numbers, like 2026"],
        )
        assert field.errors or not typed.strip()
    else:
        assert field.errors == []
        assert f"{field.data.year}" in typed
