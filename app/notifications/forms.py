"""Forms for a police notification and for a contact from another source.

Both produce the dict that `create_referral` takes (docs/contract-forms.md)
from `to_service_data()`. Fields are declared in the order the page shows
them, which is also the order of the error summary.
"""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from app.domain import cin_codes
from app.domain.clock import london_now
from app.domain.nhs_number import normalise_nhs_number
from app.forms import (
    YES_NO,
    BaseForm,
    RowForm,
    apply_errors,
    error_summary,
    refresh_list_errors,
    select_choices,
    sentence,
    text_or_none,
    yes_no,
)
from app.forms.fields import DateField, TimeField, london_to_utc
from app.forms.validators import NHSNumber, OnlyWhen, OptionalInput, RequiredInput, is_blank
from app.forms.widgets import Checkbox, DateBox, Radios
from app.models.referrals import IncidentType
from app.notifications.adults import MAX_ADULTS, NOT_AN_ADULT, adults_field
from app.notifications.missing_fields import MissingEpisodeFields

POLICE_SOURCE = "6"  # CIN census referral source: police
ANONYMOUS_SOURCE = "9"
MAX_CHILDREN = 20
LONG_TEXT = 20_000

INCIDENT_CHOICES = [(t.value, t.label) for t in IncidentType]
DASH_LEVELS = (("standard", "Standard"), ("medium", "Medium"), ("high", "High"))

VOICE_MISSING = "Enter the child's own words or views, or tick 'Not recorded' and give a reason"
VOICE_REASON_MISSING = "Give the reason the child's views were not recorded"
VOICE_BOTH = "You entered the child's own words or views, so do not tick 'Not recorded'"
DEMEANOUR_MISSING = "Describe the child's behaviour and demeanour, or tick 'Not recorded' and give a reason"
DEMEANOUR_REASON_MISSING = "Give the reason the child's behaviour and demeanour were not recorded"
DEMEANOUR_BOTH = "You described the child's behaviour and demeanour, so do not tick 'Not recorded'"
NOT_SPOKEN_TO_REASON_MISSING = "Give the reason the child was not spoken to"
DATE_OF_BIRTH_FUTURE = "Date of birth must be in the past"
NOT_A_CHILD = (
    "{name} was 18 or over on the date of the incident, so is not a child. "
    "Remove them or check the date of birth"
)


# Legends at body size. Every date on these forms is one box (27/3/2015): police systems
# show dates that way, and one box is one tab stop where GOV.UK's date input takes three.
RADIOS = Radios(legend_size=None)
DATE_BOX = DateBox()


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    years = day.year - date_of_birth.year
    return years - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def _max(length: int, name: str) -> Length:
    return Length(max=length, message=f"{name} must be {length:,} characters or fewer")


def _incident_is(incident: IncidentType):
    return lambda form: form.incident_type.data == incident


def _yes_no_field(label: str, message: str, *validators, description: str | None = None) -> RadioField:
    return RadioField(
        label,
        description=description,
        widget=RADIOS,
        choices=select_choices(YES_NO),
        validators=[*validators, RequiredInput(message)],
        invalid_choice_message=message,
    )


# --- one child -----------------------------------------------------------------


def _voice_ticked(form) -> bool:
    return bool(form.voice_not_recorded.data)


def _demeanour_ticked(form) -> bool:
    return bool(form.demeanour_not_recorded.data)


def _not_both(text_field_name: str, message: str):
    def check(form, field):
        if field.data and not is_blank(form[text_field_name]):
            raise ValidationError(message)

    return check


class ChildForm(RowForm):
    """One child in the notification, a row of the form's list of children."""

    full_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[RequiredInput("Enter the child's full name"), _max(200, "Full name")],
    )
    date_of_birth = DateField(
        "Date of birth",
        subject="Date of birth",
        explain_short_year=True,
        widget=DATE_BOX,
        description="For example, 27/3/2015",
        validators=[RequiredInput("Enter the child's date of birth")],
    )
    sex = RadioField(
        "Sex",
        widget=RADIOS,
        choices=select_choices(cin_codes.codes("gender")),
        validators=[RequiredInput("Select the child's sex")],
        invalid_choice_message="Select the child's sex",
    )
    address = StringField(
        "Address",
        description="If you do not know it, enter 'Not known'",
        widget=GovTextInput(),
        validators=[RequiredInput("Enter the child's address, or 'Not known'"), _max(300, "Address")],
    )
    present = _yes_no_field("Was the child present?", "Select yes if the child was present")
    spoken_to = _yes_no_field("Was the child spoken to?", "Select yes if the child was spoken to")
    not_spoken_to_reason = TextAreaField(
        "If the child was not spoken to, why not?",
        widget=GovTextArea(),
        validators=[
            OnlyWhen(lambda form: form.spoken_to.data == "no"),
            RequiredInput(NOT_SPOKEN_TO_REASON_MISSING),
            _max(LONG_TEXT, "The reason the child was not spoken to"),
        ],
    )
    voice = TextAreaField(
        "The child's own words or views",
        description="What the child said, in their own words where you can. If you could not record them, say why below.",
        widget=GovTextArea(),
        validators=[
            RequiredInput(VOICE_MISSING, when=lambda form: not _voice_ticked(form)),
            _max(LONG_TEXT, "The child's own words or views"),
        ],
    )
    demeanour = TextAreaField(
        "Behaviour and demeanour",
        description="How the child looked, behaved and presented. If you could not record it, say why below.",
        widget=GovTextArea(),
        validators=[
            RequiredInput(DEMEANOUR_MISSING, when=lambda form: not _demeanour_ticked(form)),
            _max(LONG_TEXT, "Behaviour and demeanour"),
        ],
    )
    nhs_number = StringField(
        "NHS number (optional)",
        description="A 10 digit number, like 485 777 3456",
        widget=GovTextInput(),
        validators=[OptionalInput(), NHSNumber()],
    )
    school = StringField(
        "School or nursery (optional)",
        widget=GovTextInput(),
        validators=[OptionalInput(), _max(200, "School or nursery")],
    )
    injuries = TextAreaField(
        "Injuries (optional)",
        description="Describe any injuries seen. Leave this blank if there were none.",
        widget=GovTextArea(),
        validators=[OptionalInput(), _max(LONG_TEXT, "Injuries")],
    )
    voice_not_recorded = BooleanField(
        "Not recorded", widget=Checkbox(), validators=[_not_both("voice", VOICE_BOTH)]
    )
    voice_not_recorded_reason = TextAreaField(
        "If not recorded, why not?",
        widget=GovTextArea(),
        validators=[
            OnlyWhen(_voice_ticked),
            RequiredInput(VOICE_REASON_MISSING),
            _max(LONG_TEXT, "The reason the child's views were not recorded"),
        ],
    )
    demeanour_not_recorded = BooleanField(
        "Not recorded", widget=Checkbox(), validators=[_not_both("demeanour", DEMEANOUR_BOTH)]
    )
    demeanour_not_recorded_reason = TextAreaField(
        "If not recorded, why not?",
        widget=GovTextArea(),
        validators=[
            OnlyWhen(_demeanour_ticked),
            RequiredInput(DEMEANOUR_REASON_MISSING),
            _max(LONG_TEXT, "The reason the child's behaviour and demeanour were not recorded"),
        ],
    )
    remove = SubmitField("Remove", widget=GovSubmitInput())

    def validate_date_of_birth(self, field):
        if field.data and field.data > london_now().date():
            raise ValidationError(DATE_OF_BIRTH_FUTURE)

    def to_service_data(self) -> dict:
        voice_ticked = _voice_ticked(self)
        demeanour_ticked = _demeanour_ticked(self)
        spoken_to = yes_no(self.spoken_to.data)
        nhs_number = text_or_none(self.nhs_number.data)
        return {
            "full_name": self.full_name.data,
            "date_of_birth": self.date_of_birth.data,
            "sex": self.sex.data,
            "nhs_number": normalise_nhs_number(nhs_number) if nhs_number else None,
            "address": self.address.data,
            "school": text_or_none(self.school.data),
            "present": yes_no(self.present.data),
            "spoken_to": spoken_to,
            "not_spoken_to_reason": None if spoken_to else text_or_none(self.not_spoken_to_reason.data),
            "voice": None if voice_ticked else text_or_none(self.voice.data),
            "voice_not_recorded_reason": text_or_none(self.voice_not_recorded_reason.data)
            if voice_ticked
            else None,
            "demeanour": None if demeanour_ticked else text_or_none(self.demeanour.data),
            "demeanour_not_recorded_reason": (
                text_or_none(self.demeanour_not_recorded_reason.data) if demeanour_ticked else None
            ),
            "injuries": text_or_none(self.injuries.data),
        }


# --- shared by both forms ------------------------------------------------------


def _incident_type_field(label: str, default: str | None = None) -> RadioField:
    return RadioField(
        label,
        default=default,
        widget=RADIOS,
        choices=select_choices(INCIDENT_CHOICES),
        validators=[RequiredInput("Select the type of incident")],
        invalid_choice_message="Select the type of incident",
    )


def _subject(label: str, error_name: str | None) -> str:
    """How messages name a field: "Date of the incident (optional)" gives "The date of the incident"."""
    return sentence(error_name or "the " + label.removesuffix(" (optional)").lower())


def _date_field(
    label, message, *validators, description="For example, 27/3/2026", error_name=None, when=None
) -> DateField:
    """A date that must be filled in (when ``when(form)`` is true, if given)."""
    return DateField(
        label,
        subject=_subject(label, error_name),
        explain_short_year=True,
        widget=DATE_BOX,
        description=description,
        validators=[*validators, RequiredInput(message, when=when)],
    )


def _time_field(label, message, *validators, description="For example, 14:30", error_name=None, when=None):
    """A time that must be filled in (when ``when(form)`` is true, if given)."""
    return TimeField(
        label,
        subject=_subject(label, error_name),
        description=description,
        validators=[*validators, RequiredInput(message, when=when)],
    )


def _location_field() -> StringField:
    return StringField(
        "Where did it happen?",
        description="An address or a description of the place. If you do not know, enter 'Not known'.",
        widget=GovTextInput(),
        validators=[RequiredInput("Enter where it happened, or 'Not known'"), _max(300, "Where it happened")],
    )


def _immediate_action_field() -> TextAreaField:
    return TextAreaField(
        "Immediate safeguarding action taken",
        description="What was done to keep the children safe, and by whom. If nothing was done, say why.",
        widget=GovTextArea(),
        validators=[
            RequiredInput("Enter the immediate safeguarding action taken"),
            _max(LONG_TEXT, "Immediate safeguarding action taken"),
        ],
    )


def _children_field() -> FieldList:
    return FieldList(FormField(ChildForm), min_entries=1, max_entries=MAX_CHILDREN)


def _recorded_given(form) -> bool:
    """The notifier said when they recorded it in their own system: then both date and time are needed."""
    return not (is_blank(form.recorded_date) and is_blank(form.recorded_time))


RECORDED_HINT = (
    "Only if it was recorded before it was sent to the MASH, for example in the police system. "
    "The response times still run from when the MASH receives it."
)


def _recorded_fields(what: str) -> tuple[DateField, TimeField]:
    """When the notifier recorded it in their own system (optional): the backlog before receipt."""
    return (
        _date_field(
            f"Date it was recorded {what} (optional)",
            f"Enter the date it was recorded {what}, or leave the time blank too",
            description=RECORDED_HINT + " For example, 27/3/2026",
            when=_recorded_given,
        ),
        _time_field(
            f"Time it was recorded {what} (optional)",
            f"Enter the time it was recorded {what}, or leave the date blank too",
            when=_recorded_given,
        ),
    )


def _received_given(form) -> bool:
    """A backlog entry: it reached the MASH before it is entered here, and the clocks run from then."""
    return not (is_blank(form.received_date) and is_blank(form.received_time))


RECEIVED_HINT = (
    "Only for a backlog entry, when it reached the MASH earlier (by phone or email) and is entered now: "
    "the response times run from then. Leave blank if it is arriving now."
)


def _received_fields() -> tuple[DateField, TimeField]:
    return (
        _date_field(
            "Date the MASH received it (optional)",
            "Enter the date the MASH received it, or leave the time blank too",
            description=RECEIVED_HINT + " For example, 27/3/2026",
            error_name="the date the MASH received it",
            when=_received_given,
        ),
        _time_field(
            "Time the MASH received it (optional)",
            "Enter the time the MASH received it, or leave the date blank too",
            error_name="the time the MASH received it",
            when=_received_given,
        ),
    )


_NOT_ANSWERS = frozenset({"csrf_token", "submit", "save_draft", "add_child", "add_adult"})


def _every_field(form):
    """Every field of a form, those of its children and adults included."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _every_field(entry.form)
        elif isinstance(field, FormField):
            yield from _every_field(field.form)
        else:
            yield field


class _NotificationForm(BaseForm):
    """What a police notification and a contact share: the children, the buttons, the cross-checks."""

    # Each "<name>_at" in the service data is made from the fields "<name>_date" and "<name>_time".
    datetimes: tuple[str, ...] = ("occurred", "recorded", "received")
    # Pairs (later, earlier, message) of datetimes that must come in that order.
    datetime_order: tuple[tuple[str, str, str], ...] = (
        ("recorded", "occurred", "The time it was recorded must be after the incident"),
        ("received", "occurred", "The time the MASH received it must be after the incident"),
    )
    max_children = MAX_CHILDREN
    #: The id of the first field of a child or adult just added, which takes the focus.
    focus_id: str | None = None

    # Parts of the form that only apply to some incidents: ignored (and None) otherwise.
    def in_force(self, name: str) -> bool:
        if name == "recorded":
            return _recorded_given(self)
        if name == "received":
            return _received_given(self)
        return True

    # -- "Add another child" and "Remove" ---------------------------------------

    def handle_list_buttons(self) -> bool:
        """Act on "Add another child" or a child's "Remove". True if one was pressed.

        When it returns True, render the page again without validating or saving.
        """
        if self.add_child.data:
            if len(self.children.entries) < self.max_children:
                self.focus_id = self.children.append_entry().form.full_name.id
            return True
        for index, entry in enumerate(self.children.entries):
            if entry.form.remove.data:
                self._remove_child(index)
                return True
        if self.add_adult.data:
            if len(self.people.entries) < MAX_ADULTS:
                self.focus_id = self.people.append_entry().form.full_name.id
            return True
        for index, entry in enumerate(self.people.entries):
            if entry.form.remove.data:
                self.people.pop_entry(index)
                return True
        return False

    def _remove_child(self, index: int) -> None:
        """Drop one child, keeping what was typed for the others (even if not yet valid).

        WTForms 3.3's pop_entry renumbers the rest (names and ids) to 0..N-1.
        """
        self.children.pop_entry(index)
        if not self.children.entries:
            self.children.append_entry()

    @staticmethod
    def is_button(name: str) -> bool:
        """True for the posted names that are not answers: the token and the buttons."""
        return name in _NOT_ANSWERS or name.endswith("-remove")

    def unsaveable(self) -> bool:
        """Show, on their fields, the answers that could not be kept even in a draft (the
        characters no one types, refused as the form reads them). True if there are any."""
        found = False
        for field in _every_field(self):
            if field.process_errors:
                field.errors = list(field.process_errors)
                found = True
        refresh_list_errors(self.children)
        refresh_list_errors(self.people)
        return found

    # -- validation ---------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        self._check_not_in_future()
        self._check_order()
        self._check_children_are_children()
        self._check_adults_are_adults()
        return not self.errors

    @property
    def errors(self) -> dict:
        # FieldList keeps a copy of its entries' errors from when it validated;
        # errors added since (the checks above) must count.
        refresh_list_errors(self.children)
        refresh_list_errors(self.people)
        return super().errors

    @property
    def service_error_fields(self) -> dict[str, str]:
        """The service's "<name>_at" is the form's "<name>_date" (and "_time")."""
        return {f"{name}_at": f"{name}_date" for name in self.datetimes}

    def _pair(self, name: str) -> tuple[DateField, TimeField]:
        return self[f"{name}_date"], self[f"{name}_time"]

    def _when(self, name: str):
        """The pair's UTC datetime, or None if it is not in force, incomplete or has errors."""
        date_field, time_field = self._pair(name)
        if not self.in_force(name) or date_field.errors or time_field.errors:
            return None
        return london_to_utc(date_field.data, time_field.data)

    def _check_not_in_future(self) -> None:
        now = london_now()
        for name in self.datetimes:
            date_field, time_field = self._pair(name)
            if not self.in_force(name) or date_field.errors or date_field.data is None:
                continue
            if date_field.data > now.date():
                date_field.errors.append(f"{date_field.subject} must be today or in the past")
                continue
            when = self._when(name)
            if when is not None and when > now:
                time_field.errors.append(f"{time_field.subject} must be in the past")

    def _check_order(self) -> None:
        for later, earlier, message in self.datetime_order:
            later_at, earlier_at = self._when(later), self._when(earlier)
            if later_at is None or earlier_at is None or later_at >= earlier_at:
                continue
            date_field, time_field = self._pair(later)
            earlier_date = self[f"{earlier}_date"].data
            (date_field if date_field.data < earlier_date else time_field).errors.append(message)

    def _check_children_are_children(self) -> None:
        occurred = self.occurred_date
        if occurred.errors or occurred.data is None:
            return
        for number, entry in enumerate(self.children.entries, start=1):
            child = entry.form
            dob = child.date_of_birth
            if dob.errors or dob.data is None:
                continue
            if age_on(dob.data, occurred.data) >= 18:
                name = child.full_name.data or f"Child {number}"
                dob.errors.append(NOT_A_CHILD.format(name=name))

    def _check_adults_are_adults(self) -> None:
        occurred = self.occurred_date
        if occurred.errors or occurred.data is None:
            return
        for number, entry in enumerate(self.people.entries, start=1):
            if entry.form.is_under_18_on(occurred.data):
                name = entry.form.full_name.data or f"Person {number}"
                entry.form.date_of_birth.errors.append(NOT_AN_ADULT.format(name=name))

    # -- errors for the page and from the services -------------------------------

    def error_summary(self) -> list[dict]:
        """GOV.UK error summary items whose links reach the right box (date inputs, children)."""
        return error_summary(self)

    def add_service_errors(self, errors: dict[str, str]) -> None:
        """Put a StepInvalid's errors (keyed "occurred_at", "children.0.date_of_birth"...) on the fields.

        A key that names no field becomes an error for the whole form, shown
        at the top of the error summary.
        """
        apply_errors(self, errors)

    # -- the service's dict ------------------------------------------------------

    def _at(self, name: str):
        if not self.in_force(name):
            return None
        date_field, time_field = self._pair(name)
        return london_to_utc(date_field.data, time_field.data)

    def to_service_data(self) -> dict:
        """The dict create_referral takes. Call only after validate() has returned True."""
        return {
            "referral_source": self._referral_source(),
            "incident_type": IncidentType(self.incident_type.data).value,
            "occurred_at": self._at("occurred"),
            "recorded_at": self._at("recorded"),
            "received_at": self._at("received"),
            "location": self.location.data,
            "description": self.description.data,
            "immediate_action": self.immediate_action.data,
            "referrer_name": None,
            "referrer_organisation": None,
            "dash_level": None,
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
            "children": [entry.form.to_service_data() for entry in self.children.entries],
            "people": [entry.form.to_service_data() for entry in self.people.entries],
            "missing_episode": None,
        }

    def _referral_source(self) -> str:
        raise NotImplementedError


# --- police notification -------------------------------------------------------

_domestic_abuse = _incident_is(IncidentType.DOMESTIC_ABUSE)
_police_protection = _incident_is(IncidentType.POLICE_PROTECTION)
_in_custody = _incident_is(IncidentType.CHILD_IN_CUSTODY)


def _accommodation_requested(form) -> bool:
    return _in_custody(form) and form.custody_accommodation_requested.data == "yes"


def _accommodation_refused(form) -> bool:
    return _accommodation_requested(form) and form.custody_accommodation_refused.data == "yes"


class PoliceNotificationForm(MissingEpisodeFields, _NotificationForm):
    # In page order, which the error summary follows: the times of an entry made later come first.
    recorded_date, recorded_time = _recorded_fields("in the police system")
    received_date, received_time = _received_fields()
    incident_type = _incident_type_field("What type of incident was it?")
    occurred_date = _date_field("Date of the incident", "Enter the date of the incident")
    occurred_time = _time_field("Time of the incident", "Enter the time of the incident")
    location = _location_field()
    description = TextAreaField(
        "What happened",
        widget=GovTextArea(),
        validators=[RequiredInput("Enter what happened"), _max(LONG_TEXT, "What happened")],
    )
    immediate_action = _immediate_action_field()

    # Only for domestic abuse
    dash_level = RadioField(
        "DASH risk level",
        widget=RADIOS,
        choices=select_choices(DASH_LEVELS),
        validators=[OnlyWhen(_domestic_abuse), RequiredInput("Select the DASH risk level")],
        invalid_choice_message="Select the DASH risk level",
    )

    # Only for police protection (Children Act 1989 s46)
    pp_started_date = _date_field(
        "Date police protection started",
        "Enter the date police protection started",
        OnlyWhen(_police_protection),
    )
    pp_started_time = _time_field(
        "Time police protection started",
        "Enter the time police protection started",
        OnlyWhen(_police_protection),
    )
    pp_place_of_safety = StringField(
        "Place of safety",
        description="Where the child was taken or kept safe",
        widget=GovTextInput(),
        validators=[
            OnlyWhen(_police_protection),
            RequiredInput("Enter the place of safety"),
            _max(300, "Place of safety"),
        ],
    )
    pp_local_authority_informed_date = _date_field(
        "Date the local authority was informed",
        "Enter the date the local authority was informed",
        OnlyWhen(_police_protection),
    )
    pp_local_authority_informed_time = _time_field(
        "Time the local authority was informed",
        "Enter the time the local authority was informed",
        OnlyWhen(_police_protection),
    )
    pp_rescinded_date = _date_field(
        "Date police protection was rescinded (optional)",
        "Enter the date police protection was rescinded",
        OnlyWhen(_police_protection),
        description="Leave this blank if the child is still in police protection. For example, 27/3/2026",
        when=lambda form: not is_blank(form.pp_rescinded_time),
    )
    pp_rescinded_time = _time_field(
        "Time police protection was rescinded (optional)",
        "Enter the time police protection was rescinded",
        OnlyWhen(_police_protection),
        when=lambda form: not is_blank(form.pp_rescinded_date),
    )

    # Only for a child in custody (PACE)
    custody_arrived_date = _date_field(
        "Date the child arrived in custody",
        "Enter the date the child arrived in custody",
        OnlyWhen(_in_custody),
    )
    custody_arrived_time = _time_field(
        "Time the child arrived in custody",
        "Enter the time the child arrived in custody",
        OnlyWhen(_in_custody),
    )
    custody_aa_requested_date = _date_field(
        "Date an appropriate adult was requested",
        "Enter the date an appropriate adult was requested",
        OnlyWhen(_in_custody),
    )
    custody_aa_requested_time = _time_field(
        "Time an appropriate adult was requested",
        "Enter the time an appropriate adult was requested",
        OnlyWhen(_in_custody),
    )
    custody_aa_arrived_date = _date_field(
        "Date the appropriate adult arrived (optional)",
        "Enter the date the appropriate adult arrived",
        OnlyWhen(_in_custody),
        description="Leave this blank if they have not arrived yet. For example, 27/3/2026",
        when=lambda form: not is_blank(form.custody_aa_arrived_time),
    )
    custody_aa_arrived_time = _time_field(
        "Time the appropriate adult arrived (optional)",
        "Enter the time the appropriate adult arrived",
        OnlyWhen(_in_custody),
        when=lambda form: not is_blank(form.custody_aa_arrived_date),
    )
    custody_healthcare_assessed = _yes_no_field(
        "Has a healthcare professional assessed the child?",
        "Select yes if a healthcare professional has assessed the child",
        OnlyWhen(_in_custody),
    )
    custody_accommodation_requested = _yes_no_field(
        "Was the local authority asked for alternative accommodation?",
        "Select yes if the local authority was asked for alternative accommodation",
        OnlyWhen(_in_custody),
        description="For example, because bail was refused",
    )
    custody_accommodation_refused = _yes_no_field(
        "If it was asked, did the local authority refuse?",
        "Select yes if the local authority refused alternative accommodation",
        OnlyWhen(_accommodation_requested),
    )
    custody_refusal_escalated = _yes_no_field(
        "If it refused, was the refusal escalated?",
        "Select yes if the refusal was escalated",
        OnlyWhen(_accommodation_refused),
    )

    children = _children_field()
    add_child = SubmitField("Add another child", widget=GovSubmitInput())
    people = adults_field()
    add_adult = SubmitField("Add an adult", widget=GovSubmitInput())
    submit = SubmitField("Continue", widget=GovSubmitInput())
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())

    datetimes = (
        *_NotificationForm.datetimes,
        "pp_started",
        "pp_local_authority_informed",
        "pp_rescinded",
        "custody_arrived",
        "custody_aa_requested",
        "custody_aa_arrived",
        *MissingEpisodeFields.MISSING_DATETIMES,
    )
    datetime_order = (
        *_NotificationForm.datetime_order,
        *MissingEpisodeFields.MISSING_ORDER,
        (
            "pp_local_authority_informed",
            "pp_started",
            "The local authority must have been informed after police protection started",
        ),
        ("pp_rescinded", "pp_started", "Police protection must have been rescinded after it started"),
        (
            "custody_aa_arrived",
            "custody_aa_requested",
            "The appropriate adult must have arrived after they were requested",
        ),
    )

    def in_force(self, name: str) -> bool:
        if name.startswith("pp_"):
            return _police_protection(self)
        if name.startswith("custody_"):
            return _in_custody(self)
        if name.startswith("dash_"):
            return _domestic_abuse(self)
        if name.startswith("missing_"):
            return self.missing_in_force(name)
        return super().in_force(name)

    def _referral_source(self) -> str:
        return POLICE_SOURCE

    def to_service_data(self) -> dict:
        data = super().to_service_data() | self.missing_service_data()
        if _domestic_abuse(self):
            data["dash_level"] = self.dash_level.data
        if _police_protection(self):
            data |= {
                "pp_started_at": self._at("pp_started"),
                "pp_place_of_safety": self.pp_place_of_safety.data,
                "pp_local_authority_informed_at": self._at("pp_local_authority_informed"),
                "pp_rescinded_at": self._at("pp_rescinded"),
            }
        if _in_custody(self):
            requested = yes_no(self.custody_accommodation_requested.data)
            refused = yes_no(self.custody_accommodation_refused.data) if requested else None
            data |= {
                "custody_arrived_at": self._at("custody_arrived"),
                "custody_aa_requested_at": self._at("custody_aa_requested"),
                "custody_aa_arrived_at": self._at("custody_aa_arrived"),
                "custody_healthcare_assessed": yes_no(self.custody_healthcare_assessed.data),
                "custody_accommodation_requested": requested,
                "custody_accommodation_refused": refused,
                "custody_refusal_escalated": yes_no(self.custody_refusal_escalated.data) if refused else None,
            }
        return data


# --- contact from another source -------------------------------------------------


class ContactForm(_NotificationForm):
    """A contact from anyone other than a police notification, recorded by social care or health."""

    # In page order, which the error summary follows: the times of an entry made later come first.
    recorded_date, recorded_time = _recorded_fields("by the person or organisation who made contact")
    received_date, received_time = _received_fields()
    referral_source = SelectField(
        "Where did the contact come from?",
        widget=GovSelect(),
        choices=select_choices(
            [
                ("", "Select a source"),
                *(
                    (code, cin_codes.sentence_case("referral_source", code))
                    for code, _ in cin_codes.codes("referral_source")
                ),
            ]
        ),
        validators=[RequiredInput("Select where the contact came from")],
        invalid_choice_message="Select where the contact came from",
    )
    # Someone who does not give their name is an anonymous referral source (CIN census code 9).
    referrer_name = StringField(
        "Name of the person who made contact",
        description="If they did not give their name, select Anonymous as where the contact came from",
        widget=GovTextInput(),
        validators=[
            RequiredInput(
                "Enter the name of the person who made contact, or select Anonymous if they did not give it",
                when=lambda form: form.referral_source.data != ANONYMOUS_SOURCE,
            ),
            _max(200, "Name of the person who made contact"),
        ],
    )
    referrer_organisation = StringField(
        "Their organisation (optional)",
        description="For example, the school or GP surgery",
        widget=GovTextInput(),
        validators=[OptionalInput(), _max(200, "Their organisation")],
    )
    incident_type = _incident_type_field("What is the concern about?", default=IncidentType.OTHER.value)
    occurred_date = _date_field(
        "Date the concern arose", "Enter the date the concern arose", error_name="the date the concern arose"
    )
    occurred_time = _time_field(
        "Time the concern arose",
        "Enter the time the concern arose",
        error_name="the time the concern arose",
        description="For example, 14:30. If you do not know the exact time, give your best estimate.",
    )
    location = _location_field()
    description = TextAreaField(
        "What happened",
        description="What was seen, heard or said, and by whom",
        widget=GovTextArea(),
        validators=[RequiredInput("Enter what happened"), _max(LONG_TEXT, "What happened")],
    )
    immediate_action = _immediate_action_field()

    children = _children_field()
    add_child = SubmitField("Add another child", widget=GovSubmitInput())
    people = adults_field()
    add_adult = SubmitField("Add an adult", widget=GovSubmitInput())
    submit = SubmitField("Save contact", widget=GovSubmitInput())

    def _referral_source(self) -> str:
        return self.referral_source.data

    def to_service_data(self) -> dict:
        data = super().to_service_data()
        data["referrer_name"] = text_or_none(self.referrer_name.data)
        data["referrer_organisation"] = text_or_none(self.referrer_organisation.data)
        return data
