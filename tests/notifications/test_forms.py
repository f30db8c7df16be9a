"""The notification and contact forms: the service dict, the messages, the list buttons, the pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template
from werkzeug.datastructures import MultiDict

from app.domain.nhs_number import CHECK_DIGIT_MESSAGE
from app.notifications.forms import ContactForm, PoliceNotificationForm

VALID_NHS = "943 476 5919"


def post(*parts: dict) -> MultiDict:
    """Form data as a browser posts it: a date input is three values under one name."""
    data = MultiDict()
    for part in parts:
        for key, value in part.items():
            for item in value if isinstance(value, list) else [value]:
                data.add(key, item)
    return data


def day_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def child(index: int, **overrides) -> dict:
    values = {
        "full_name": "Amy Smith",
        "date_of_birth": ["3", "4", "2015"],
        "sex": "2",
        "nhs_number": VALID_NHS,
        "address": "1 High Street, Northtown",
        "school": "Northtown Primary",
        "present": "yes",
        "spoken_to": "yes",
        "voice": "I was scared when they shouted",
        "demeanour": "Quiet, holding her brother's hand",
        "injuries": "",
    }
    values.update(overrides)
    return {f"children-{index}-{key}": value for key, value in values.items()}


def domestic_abuse(**overrides) -> dict:
    values = {
        "incident_type": "domestic_abuse",
        "occurred_date": ["15", "7", "2025"],  # British Summer Time: UTC+1
        "occurred_time": "23:15",
        "location": "1 High Street, Northtown",
        "description": "Neighbours heard shouting; officers found the mother injured.",
        "immediate_action": "Father arrested. Mother and children stayed with the grandmother.",
        "dash_level": "high",
    }
    values.update(overrides)
    return values


def contact(**overrides) -> dict:
    values = {
        "referral_source": "2A",
        "referrer_name": "Pat Jones",
        "referrer_organisation": "Northtown Primary",
        "incident_type": "neglect",
        "occurred_date": ["10", "1", "2025"],  # Greenwich Mean Time: UTC+0
        "occurred_time": "09:05",
        "location": "Northtown Primary",
        "description": "Amy came to school hungry again and in the same clothes all week.",
        "immediate_action": "Breakfast given; designated safeguarding lead told.",
    }
    values.update(overrides)
    return values


def build(app, form_class, *parts: dict):
    """The form built from a POST, as a route would build it (CSRF is off in the test config)."""
    with app.test_request_context(method="POST", data=post(*parts)):
        return form_class()


def errors_by_field(form) -> dict[str, list[str]]:
    """Every field's errors, keyed "occurred_date" or "children.1.voice"."""

    def walk(errors, path):
        if isinstance(errors, dict):
            for key, value in errors.items():
                yield from walk(value, [*path, str(key)])
        elif errors and isinstance(errors[0], dict):
            for index, value in enumerate(errors):
                yield from walk(value, [*path, str(index)])
        else:
            yield ".".join(path), list(errors)

    return dict(walk(form.errors, []))


# --- the service dict ------------------------------------------------------------------------------


def test_full_police_notification_gives_exactly_the_contract_dict(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(),
        child(0, nhs_number="943-476-5919"),
        child(
            1,
            full_name="  Ben Smith ",
            date_of_birth=["29", "2", "2024"],
            sex="1",
            nhs_number="",
            school="",
            present="no",
            spoken_to="no",
            not_spoken_to_reason="Asleep upstairs; too young to talk",
            voice="",
            voice_not_recorded="y",
            voice_not_recorded_reason="Ben is 1 and does not talk yet",
            demeanour="Asleep, woke calmly",
            injuries="None seen",
        ),
        # Filled in, but not for domestic abuse: ignored.
        {"pp_place_of_safety": "Northtown police station", "custody_healthcare_assessed": "yes"},
    )
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
        data = form.to_service_data()

    assert data == {
        "referral_source": "6",
        "incident_type": "domestic_abuse",
        "occurred_at": datetime(2025, 7, 15, 22, 15, tzinfo=UTC),
        "recorded_at": None,
        "received_at": None,
        "location": "1 High Street, Northtown",
        "description": "Neighbours heard shouting; officers found the mother injured.",
        "immediate_action": "Father arrested. Mother and children stayed with the grandmother.",
        "referrer_name": None,
        "referrer_organisation": None,
        "dash_level": "high",
        "pp_started_at": None,
        "pp_place_of_safety": None,
        "pp_local_authority_informed_at": None,
        "pp_rescinded_at": None,
        "custody_arrived_at": None,
        "custody_aa_requested_at": None,
        "custody_aa_arrived_at": None,
        "custody_healthcare_assessed": None,
        "custody_accommodation_requested": None,
        "custody_accommodation_refused": None,
        "custody_refusal_escalated": None,
        "children": [
            {
                "full_name": "Amy Smith",
                "date_of_birth": date(2015, 4, 3),
                "sex": "2",
                "nhs_number": "9434765919",
                "address": "1 High Street, Northtown",
                "school": "Northtown Primary",
                "present": True,
                "spoken_to": True,
                "not_spoken_to_reason": None,
                "voice": "I was scared when they shouted",
                "voice_not_recorded_reason": None,
                "demeanour": "Quiet, holding her brother's hand",
                "demeanour_not_recorded_reason": None,
                "injuries": None,
            },
            {
                "full_name": "Ben Smith",
                "date_of_birth": date(2024, 2, 29),
                "sex": "1",
                "nhs_number": None,
                "address": "1 High Street, Northtown",
                "school": None,
                "present": False,
                "spoken_to": False,
                "not_spoken_to_reason": "Asleep upstairs; too young to talk",
                "voice": None,
                "voice_not_recorded_reason": "Ben is 1 and does not talk yet",
                "demeanour": "Asleep, woke calmly",
                "demeanour_not_recorded_reason": None,
                "injuries": "None seen",
            },
        ],
        "people": [],
        "missing_episode": None,
    }
    # == would let 1 pass for True and a naive datetime fail only by luck: check the types too.
    assert data["occurred_at"].utcoffset() == timedelta(0)
    assert type(data["incident_type"]) is str
    for record in data["children"]:
        assert type(record["date_of_birth"]) is date
        assert type(record["present"]) is bool and type(record["spoken_to"]) is bool


def test_police_protection_times_are_london_wall_time_in_utc(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(
            incident_type="police_protection",
            dash_level="",
            occurred_date=["25", "10", "2025"],
            occurred_time="22:00",
            pp_started_date=["25", "10", "2025"],
            pp_started_time="23:30",  # BST, UTC+1
            pp_place_of_safety="Northtown police station",
            pp_local_authority_informed_date=["26", "10", "2025"],
            pp_local_authority_informed_time="00:15",  # the clocks went back at 02:00
            pp_rescinded_date=["27", "10", "2025"],
            pp_rescinded_time="09:00",  # GMT
        ),
        child(0),
    )
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["dash_level"] is None
    assert data["pp_started_at"] == datetime(2025, 10, 25, 22, 30, tzinfo=UTC)
    assert data["pp_place_of_safety"] == "Northtown police station"
    assert data["pp_local_authority_informed_at"] == datetime(2025, 10, 25, 23, 15, tzinfo=UTC)
    assert data["pp_rescinded_at"] == datetime(2025, 10, 27, 9, 0, tzinfo=UTC)
    assert data["custody_arrived_at"] is None


def test_child_in_custody_gives_booleans_and_leaves_unasked_answers_none(app):
    custody = {
        "incident_type": "child_in_custody",
        "custody_arrived_date": ["15", "7", "2025"],
        "custody_arrived_time": "23:40",
        "custody_aa_requested_date": ["15", "7", "2025"],
        "custody_aa_requested_time": "23:45",
        "custody_healthcare_assessed": "no",
        "custody_accommodation_requested": "no",
        "custody_accommodation_refused": "yes",  # not asked, so ignored
        "custody_refusal_escalated": "no",
    }
    form = build(app, PoliceNotificationForm, domestic_abuse(**custody), child(0))
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["custody_arrived_at"] == datetime(2025, 7, 15, 22, 40, tzinfo=UTC)
    assert data["custody_aa_requested_at"] == datetime(2025, 7, 15, 22, 45, tzinfo=UTC)
    assert data["custody_aa_arrived_at"] is None
    assert data["custody_healthcare_assessed"] is False
    assert data["custody_accommodation_requested"] is False
    assert data["custody_accommodation_refused"] is None
    assert data["custody_refusal_escalated"] is None
    assert data["dash_level"] is None


def test_contact_gives_the_contract_dict_with_no_police_only_answers(app):
    form = build(app, ContactForm, contact(dash_level="high", pp_place_of_safety="x"), child(0, school=""))
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["referral_source"] == "2A"
    assert data["referrer_name"] == "Pat Jones"
    assert data["referrer_organisation"] == "Northtown Primary"
    assert data["incident_type"] == "neglect"
    assert data["occurred_at"] == datetime(2025, 1, 10, 9, 5, tzinfo=UTC)
    for key in data:
        if key.startswith(("dash_", "pp_", "custody_")):
            assert data[key] is None, key
    assert data["children"][0]["school"] is None


def test_both_forms_give_the_same_keys(app):
    police = build(app, PoliceNotificationForm, domestic_abuse(), child(0))
    contact_form = build(app, ContactForm, contact(), child(0))
    with app.test_request_context(method="POST"):
        assert police.validate() and contact_form.validate()
        assert police.to_service_data().keys() == contact_form.to_service_data().keys()


def test_anonymous_contact_needs_no_name_and_other_contacts_do(app):
    anonymous = build(
        app, ContactForm, contact(referral_source="9", referrer_name="", referrer_organisation=""), child(0)
    )
    named = build(app, ContactForm, contact(referrer_name=""), child(0))
    with app.test_request_context(method="POST"):
        assert anonymous.validate(), anonymous.errors
        assert anonymous.to_service_data()["referrer_name"] is None
        assert anonymous.to_service_data()["referrer_organisation"] is None
        assert not named.validate()
    assert errors_by_field(named) == {
        "referrer_name": [
            "Enter the name of the person who made contact, or select Anonymous if they did not give it"
        ]
    }


def test_contact_starts_as_other_and_offers_every_cin_referral_source(app):
    from app.domain.cin_codes import codes

    with app.test_request_context():
        form = ContactForm()
    assert form.incident_type.data == "other"
    offered = [choice.value for choice in form.referral_source.choices]
    assert offered == ["", *(code for code, _ in codes("referral_source"))]


# --- specific messages -----------------------------------------------------------------------------


# The specific-message cases run at this moment (the clock fixture), so "tomorrow" is fixed too:
# worked out from today's date when the module is collected, it was today for a run that crossed
# midnight.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TOMORROW = date(2026, 3, 11)


INVALID = {
    "18 or over on the incident date": (
        [domestic_abuse(occurred_date=["3", "4", "2025"]), child(0, date_of_birth=["3", "4", "2007"])],
        {
            "children.0.date_of_birth": [
                "Amy Smith was 18 or over on the date of the incident, so is not a child. "
                "Remove them or check the date of birth"
            ]
        },
    ),
    "date of birth in the future": (
        [domestic_abuse(), child(0, date_of_birth=day_parts(TOMORROW))],
        {"children.0.date_of_birth": ["Date of birth must be in the past"]},
    ),
    "incident in the future": (
        [domestic_abuse(occurred_date=day_parts(TOMORROW)), child(0)],
        {"occurred_date": ["The date of the incident must be today or in the past"]},
    ),
    "bad NHS number check digit": (
        [domestic_abuse(), child(0, nhs_number="943 476 5918")],
        {"children.0.nhs_number": [CHECK_DIGIT_MESSAGE]},
    ),
    "voice silently missing": (
        [domestic_abuse(), child(0, voice="  ")],
        {
            "children.0.voice": [
                "Enter the child's own words or views, or tick 'Not recorded' and give a reason"
            ]
        },
    ),
    "voice not recorded without a reason": (
        [domestic_abuse(), child(0, voice="", voice_not_recorded="y")],
        {"children.0.voice_not_recorded_reason": ["Give the reason the child's views were not recorded"]},
    ),
    "voice both given and ticked not recorded": (
        [domestic_abuse(), child(0, voice_not_recorded="y", voice_not_recorded_reason="x")],
        {
            "children.0.voice_not_recorded": [
                "You entered the child's own words or views, so do not tick 'Not recorded'"
            ]
        },
    ),
    "demeanour silently missing": (
        [domestic_abuse(), child(0, demeanour="")],
        {
            "children.0.demeanour": [
                "Describe the child's behaviour and demeanour, or tick 'Not recorded' and give a reason"
            ]
        },
    ),
    "demeanour not recorded without a reason": (
        [domestic_abuse(), child(0, demeanour="", demeanour_not_recorded="y")],
        {
            "children.0.demeanour_not_recorded_reason": [
                "Give the reason the child's behaviour and demeanour were not recorded"
            ]
        },
    ),
    "not spoken to without a reason": (
        [domestic_abuse(), child(0, spoken_to="no")],
        {"children.0.not_spoken_to_reason": ["Give the reason the child was not spoken to"]},
    ),
    "domestic abuse without a DASH level": (
        [domestic_abuse(dash_level=""), child(0)],
        {"dash_level": ["Select the DASH risk level"]},
    ),
    "police protection without its start": (
        [
            domestic_abuse(
                incident_type="police_protection",
                pp_place_of_safety="Northtown police station",
                pp_local_authority_informed_date=["16", "7", "2025"],
                pp_local_authority_informed_time="01:00",
            ),
            child(0),
        ],
        {
            "pp_started_date": ["Enter the date police protection started"],
            "pp_started_time": ["Enter the time police protection started"],
        },
    ),
    "police protection rescinded before it started": (
        [
            domestic_abuse(
                incident_type="police_protection",
                pp_started_date=["16", "7", "2025"],
                pp_started_time="00:30",
                pp_place_of_safety="Northtown police station",
                pp_local_authority_informed_date=["16", "7", "2025"],
                pp_local_authority_informed_time="01:00",
                pp_rescinded_date=["16", "7", "2025"],
                pp_rescinded_time="00:10",
            ),
            child(0),
        ],
        {"pp_rescinded_time": ["Police protection must have been rescinded after it started"]},
    ),
    "appropriate adult arrived before being requested": (
        [
            domestic_abuse(
                incident_type="child_in_custody",
                custody_arrived_date=["16", "7", "2025"],
                custody_arrived_time="00:30",
                custody_aa_requested_date=["16", "7", "2025"],
                custody_aa_requested_time="00:40",
                custody_aa_arrived_date=["15", "7", "2025"],
                custody_aa_arrived_time="23:50",
                custody_healthcare_assessed="yes",
                custody_accommodation_requested="yes",
                custody_accommodation_refused="yes",
                custody_refusal_escalated="yes",
            ),
            child(0),
        ],
        {"custody_aa_arrived_date": ["The appropriate adult must have arrived after they were requested"]},
    ),
    "child in custody with nothing recorded": (
        [domestic_abuse(incident_type="child_in_custody"), child(0)],
        {
            "custody_arrived_date": ["Enter the date the child arrived in custody"],
            "custody_arrived_time": ["Enter the time the child arrived in custody"],
            "custody_aa_requested_date": ["Enter the date an appropriate adult was requested"],
            "custody_aa_requested_time": ["Enter the time an appropriate adult was requested"],
            "custody_healthcare_assessed": ["Select yes if a healthcare professional has assessed the child"],
            "custody_accommodation_requested": [
                "Select yes if the local authority was asked for alternative accommodation"
            ],
        },
    ),
    "half a date": (
        [domestic_abuse(occurred_date=["15", "", "2025"]), child(0, date_of_birth=["", "", "2015"])],
        {
            "occurred_date": ["The date of the incident must include a month"],
            "children.0.date_of_birth": ["Date of birth must include a day and month"],
        },
    ),
    "impossible date and time": (
        [domestic_abuse(occurred_date=["31", "2", "2025"], occurred_time="25:10"), child(0)],
        {
            "occurred_date": ["The date of the incident must be a real date"],
            "occurred_time": ["The time of the incident must be a real time, like 14:30"],
        },
    ),
    "two-digit year": (
        [domestic_abuse(), child(0, date_of_birth=["3", "4", "15"])],
        {"children.0.date_of_birth": ["Date of birth must include a year with 4 numbers, like 2026"]},
    ),
    "a second child with nothing filled in": (
        [domestic_abuse(), child(0), {"children-1-full_name": ""}],
        {
            "children.1.full_name": ["Enter the child's full name"],
            "children.1.date_of_birth": ["Enter the child's date of birth"],
            "children.1.sex": ["Select the child's sex"],
            "children.1.address": ["Enter the child's address, or 'Not known'"],
            "children.1.present": ["Select yes if the child was present"],
            "children.1.spoken_to": ["Select yes if the child was spoken to"],
            "children.1.voice": [
                "Enter the child's own words or views, or tick 'Not recorded' and give a reason"
            ],
            "children.1.demeanour": [
                "Describe the child's behaviour and demeanour, or tick 'Not recorded' and give a reason"
            ],
        },
    ),
}


@pytest.mark.parametrize("case", INVALID)
def test_invalid_input_gives_only_its_specific_message(app, clock, case):
    clock.set(NOW)
    parts, expected = INVALID[case]
    form = build(app, PoliceNotificationForm, *parts)
    with app.test_request_context(method="POST"):
        assert form.validate() is False
    assert errors_by_field(form) == expected


def test_a_child_is_under_18_on_the_day_of_the_incident(app):
    day_before_18th = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(occurred_date=["2", "4", "2025"]),
        child(0, date_of_birth=["3", "4", "2007"]),
    )
    with app.test_request_context(method="POST"):
        assert day_before_18th.validate(), day_before_18th.errors


def test_a_time_later_today_is_in_the_future(app, clock):
    from zoneinfo import ZoneInfo

    clock.set(datetime(2025, 7, 15, 23, 0, tzinfo=ZoneInfo("Europe/London")))
    later = build(app, PoliceNotificationForm, domestic_abuse(occurred_time="23:15"), child(0))
    earlier = build(app, PoliceNotificationForm, domestic_abuse(occurred_time="22:59"), child(0))
    with app.test_request_context(method="POST"):
        assert later.validate() is False
        assert earlier.validate(), earlier.errors
    assert errors_by_field(later) == {"occurred_time": ["The time of the incident must be in the past"]}


def test_answers_for_other_incidents_are_ignored_even_when_nonsense(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(
            incident_type="online_abuse",
            dash_level="extreme",
            missing_found="maybe",
            pp_started_date=["99", "", "x"],
            pp_started_time="noon",
            custody_healthcare_assessed="perhaps",
        ),
        child(0),
    )
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["dash_level"] is None and data["pp_started_at"] is None
    assert data["custody_healthcare_assessed"] is None


def test_service_errors_land_on_the_fields_they_name(app):
    form = build(app, PoliceNotificationForm, domestic_abuse(), child(0), child(1))
    with app.test_request_context(method="POST"):
        assert form.validate()
    form.add_service_errors(
        {
            "occurred_at": "The incident must be after the child was born",
            "children.1.date_of_birth": "Check this date of birth",
            "something_else": "The referral could not be saved",
        }
    )
    assert form.occurred_date.errors == ["The incident must be after the child was born"]
    assert form.children[1].form.date_of_birth.errors == ["Check this date of birth"]
    assert form.form_errors == ["The referral could not be saved"]
    assert errors_by_field(form)["children.1.date_of_birth"] == ["Check this date of birth"]
    assert [item.get("href") for item in form.error_summary()] == [
        None,
        "#occurred_date",
        "#children-1-date_of_birth",
    ]


# --- "Add another child" and "Remove" ---------------------------------------------------------------


def test_no_list_button_means_the_form_is_validated_as_usual(app):
    form = build(app, PoliceNotificationForm, domestic_abuse(), child(0), {"submit": "y"})
    assert form.handle_list_buttons() is False
    assert len(form.children.entries) == 1


def test_add_another_child_adds_an_empty_child_and_keeps_what_was_typed(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(),
        child(0, date_of_birth="3/4"),
        {"add_child": "y"},
    )
    with app.test_request_context(method="POST"):
        assert form.handle_list_buttons() is True
        html = render_template("notifications/police_notification.html", form=form)
    assert [entry.name for entry in form.children.entries] == ["children-0", "children-1"]
    assert form.children[1].form.full_name.data in (None, "")
    assert form.errors == {}
    assert 'id="children-1-full_name"' in html
    assert "There is a problem" not in html
    # The half-typed date of birth is shown again as typed.
    assert re.search(r'<input[^>]* id="children-0-date_of_birth"[^>]* value="3/4"', html)


def test_remove_drops_that_child_and_renumbers_the_rest(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(),
        child(0, full_name="Amy Smith"),
        child(1, full_name="Ben Smith", date_of_birth="29 2024"),
        child(2, full_name="Cara Smith"),
        {"children-0-remove": "y"},
    )
    assert form.handle_list_buttons() is True
    assert [entry.name for entry in form.children.entries] == ["children-0", "children-1"]
    assert [entry.form.full_name.data for entry in form.children.entries] == ["Ben Smith", "Cara Smith"]
    assert form.children[0].form.date_of_birth.raw_data == ["29 2024"]
    assert not any(entry.form.remove.data for entry in form.children.entries)
    with app.test_request_context(method="POST"):
        html = render_template("notifications/police_notification.html", form=form)
    assert re.search(r'<input[^>]* name="children-0-full_name"[^>]* value="Ben Smith"', html)
    assert re.search(r'<input[^>]* id="children-0-date_of_birth"[^>]* value="29 2024"', html)
    assert 'value="Amy Smith"' not in html
    assert "children-2-" not in html


def test_removing_the_only_child_leaves_one_empty_child(app):
    form = build(app, ContactForm, contact(), child(0), {"children-0-remove": "y"})
    assert form.handle_list_buttons() is True
    assert len(form.children.entries) == 1
    assert form.children[0].form.full_name.data in (None, "")


# --- the pages ---------------------------------------------------------------------------------------


def ids_and_summary_links(html: str) -> tuple[set[str], list[str]]:
    summary = html.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r' id="([^"]+)"', html)), re.findall(r'href="#([^"]+)"', summary)


def test_police_page_shows_its_questions_and_an_error_summary_that_links_to_each_field(app):
    parts = post(
        domestic_abuse(occurred_time="", dash_level=""),
        child(0, voice=""),
        child(1, full_name="Ben Smith", date_of_birth=["1", "1", "2000"]),
    )
    with app.test_request_context(method="POST", data=parts):
        form = PoliceNotificationForm()
        assert form.validate() is False
        html = render_template("notifications/police_notification.html", form=form)

    for text in (
        "<title>Error: New police notification",
        "What happened",
        "Immediate safeguarding action taken",
        "Only for domestic abuse",
        "Only for police protection",
        "Only for a child in custody",
        "DASH risk level",
        "Child 1",
        "Child 2",
        "The child&#39;s own words or views",
        "Behaviour and demeanour",
        "Not recorded",
        "For example, 14:30",
        "Add another child",
        "Continue",
        "Save as draft",
        'Remove<span class="govuk-visually-hidden"> child 2</span>',
    ):
        assert text in html, text
    assert html.count('class="govuk-error-summary"') == 1
    ids, links = ids_and_summary_links(html)
    assert links == [
        "occurred_time",
        "dash_level",
        "children-0-voice",
        "children-1-date_of_birth",
    ]
    assert set(links) <= ids
    assert "Ben Smith was 18 or over on the date of the incident" in html


def test_contact_page_renders_for_a_signed_out_visitor_without_errors(app):
    with app.test_request_context():
        form = ContactForm()
        html = render_template("notifications/contact.html", form=form)
    for text in (
        "<title>Record a contact",
        "Where did the contact come from?",
        "Schools",
        "Name of the person who made contact",
        "When did the concern arise?",
        "What happened",
        "Immediate safeguarding action taken",
        "Child 1",
        "Save contact",
    ):
        assert text in html, text
    assert "There is a problem" not in html
    assert re.search(r'value="other" checked', html)
    assert "Remove" not in html  # one child: nothing to remove
    assert "Sign out" not in html


def test_contact_page_error_summary_links_reach_the_fields(app):
    with app.test_request_context(
        method="POST", data=post({"referral_source": ""}, child(0, spoken_to="no"))
    ):
        form = ContactForm()
        assert form.validate() is False
        html = render_template("notifications/contact.html", form=form)
    ids, links = ids_and_summary_links(html)
    assert links[:3] == ["referral_source", "referrer_name", "occurred_date"]
    assert "children-0-not_spoken_to_reason" in links
    assert set(links) <= ids


def test_errors_put_on_a_child_after_validation_still_count(app):
    """The intake route puts the service's errors on with app.forms.apply_errors."""
    from app.forms import apply_errors

    with app.test_request_context(method="POST", data=post(domestic_abuse(), child(0), child(1))):
        form = PoliceNotificationForm()
        assert form.validate()
        apply_errors(form, {"children.1.full_name": "This child is already on the referral"})
        html = render_template("notifications/police_notification.html", form=form)
    assert errors_by_field(form) == {"children.1.full_name": ["This child is already on the referral"]}
    assert "<title>Error: " in html
    ids, links = ids_and_summary_links(html)
    assert links == ["children-1-full_name"]


def adult(index: int, **overrides) -> dict:
    values = {
        "role": "suspect",
        "full_name": "Dale Example",
        "address": "1 High Street, Northtown",
        **overrides,
    }
    return {f"people-{index}-{key}": value for key, value in values.items()}


def test_adults_named_go_to_the_service_with_their_role(app):
    form = build(
        app, PoliceNotificationForm, domestic_abuse(), child(0), adult(0, date_of_birth=["1", "6", "1985"])
    )
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
    assert form.to_service_data()["people"] == [
        {
            "role": "suspect",
            "full_name": "Dale Example",
            "date_of_birth": date(1985, 6, 1),
            "nhs_number": None,
            "address": "1 High Street, Northtown",
        }
    ]


def test_a_child_recorded_as_an_adult_and_an_adult_with_no_role_get_specific_messages(app):
    form = build(
        app,
        PoliceNotificationForm,
        domestic_abuse(),
        child(0),
        adult(0, full_name="Young Person", date_of_birth=["1", "6", "2015"]),
        adult(1, role=""),
    )
    with app.test_request_context(method="POST"):
        assert form.validate() is False
    assert form.errors["people"][0]["date_of_birth"] == [
        "Young Person was under 18 on the date of the incident. Add them as a child, or check the date of birth"
    ]
    assert form.errors["people"][1]["role"] == ["Select how this person is involved"]


def missing(**overrides) -> dict:
    answers = {
        "incident_type": "missing",
        "missing_kind": "missing",
        "missing_from": "home",
        "missing_looked_after": "no",
        "missing_reported_date": ["13", "7", "2025"],
        "missing_reported_time": "18:00",
        "missing_found": "yes",
        "missing_found_date": ["15", "7", "2025"],
        "missing_found_time": "00:40",
        "missing_found_where": "A friend's flat, Northtown",
        "missing_found_with": "Two older boys",
    }
    return domestic_abuse(**(answers | overrides))


def test_a_missing_notification_records_the_episode(app):
    form = build(app, PoliceNotificationForm, missing(), child(0))
    with app.test_request_context(method="POST"):
        assert form.validate(), form.errors
    assert form.to_service_data()["missing_episode"] == {
        "kind": "missing",
        "missing_from": "home",
        "looked_after": False,
        "reported_at": datetime(2025, 7, 13, 17, 0, tzinfo=UTC),
        "found_at": datetime(2025, 7, 14, 23, 40, tzinfo=UTC),
        "found_where": "A friend's flat, Northtown",
        "found_with": "Two older boys",
    }


def test_a_child_still_missing_needs_no_found_time_and_found_before_reported_is_refused(app):
    still = build(
        app, PoliceNotificationForm, missing(missing_found="no", missing_found_date=["", "", ""]), child(0)
    )
    backwards = build(app, PoliceNotificationForm, missing(missing_found_date=["12", "7", "2025"]), child(0))
    with app.test_request_context(method="POST"):
        assert still.validate(), still.errors
        assert backwards.validate() is False
    assert still.to_service_data()["missing_episode"]["found_at"] is None
    assert "The child must have been found after being reported missing" in str(backwards.errors)


def test_a_child_or_adult_just_added_takes_the_focus_on_the_page_shown_again(client, mash):
    """Through the route: "Add another child" shows the page again with the new child's name
    box focused (autofocus), and "Add an adult" the new adult's name box (their first question, as for a child)."""
    from tests.conftest import sign_in

    sign_in(client, mash["police"].email)
    added = client.post("/notifications/new", data=post(domestic_abuse(), child(0), {"add_child": "y"}))
    page = added.get_data(as_text=True)
    assert added.status_code == 200
    assert re.search(r'<input[^>]* id="children-1-full_name"[^>]* autofocus', page)
    assert page.count("autofocus") == 1
    adult = client.post("/notifications/new", data=post(domestic_abuse(), child(0), {"add_adult": "y"}))
    page = adult.get_data(as_text=True)
    assert re.search(r'<input[^>]* id="people-0-full_name"[^>]* autofocus', page)
    assert page.count("autofocus") == 1
    # Shown again for an error, nothing takes the focus: the error summary does.
    refused = client.post(
        "/notifications/new", data=post(domestic_abuse(location=""), child(0), {"submit": "y"})
    )
    assert refused.status_code == 400 and "autofocus" not in refused.get_data(as_text=True)


def test_the_parts_for_other_incidents_say_when_they_apply(client, mash):
    """Each incident's own part is marked with the answer it needs, for the page's script to show
    it only then (tests/browser/test_notification_form.py); without the script all show."""
    from tests.conftest import sign_in

    sign_in(client, mash["police"].email)
    page = client.get("/notifications/new").get_data(as_text=True)
    for incident in ("domestic_abuse", "police_protection", "child_in_custody", "missing"):
        assert f'data-app-shown-when="incident_type={incident}"' in page
    assert 'data-app-shown-when="children-0-spoken_to=no"' in page
    assert 'data-app-shown-when="missing_found=yes"' in page
