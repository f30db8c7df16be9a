"""The missing or absent episode on a police notification: where from, when reported,
when and where found, and whether the child is looked after. Only for missing incidents."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import Length

from app.forms import YES_NO, select_choices, yes_no
from app.forms.fields import DateField, TimeField
from app.forms.validators import OnlyWhen, OptionalInput, RequiredInput
from app.forms.widgets import DateBox, Radios
from app.models.missing import EpisodeKind, MissingFrom
from app.models.referrals import IncidentType

_RADIOS = Radios(legend_size=None)
_DATE = DateBox()


def _missing(form) -> bool:
    return form.incident_type.data == IncidentType.MISSING.value


def _found(form) -> bool:
    return _missing(form) and form.missing_found.data == "yes"


def _date(label: str, message: str, when) -> DateField:
    return DateField(
        label,
        subject=label.removesuffix(" (optional)"),
        explain_short_year=True,
        widget=_DATE,
        description="For example, 27/3/2026",
        validators=[OnlyWhen(when), RequiredInput(message)],
    )


def _time(label: str, message: str, when) -> TimeField:
    return TimeField(
        label,
        subject=label,
        description="For example, 14:30",
        validators=[OnlyWhen(when), RequiredInput(message)],
    )


class MissingEpisodeFields:
    """Fields a form class mixes in; its in_force() and datetimes name them."""

    missing_kind = RadioField(
        "Was the child missing or absent?",
        description="Missing: whereabouts not known and there is a risk or it is out of character. "
        "Absent: not where they should be, with no apparent risk.",
        widget=_RADIOS,
        choices=select_choices((k.value, k.label) for k in EpisodeKind),
        validators=[OnlyWhen(_missing), RequiredInput("Select whether the child was missing or absent")],
        invalid_choice_message="Select whether the child was missing or absent",
    )
    missing_from = RadioField(
        "Missing from",
        widget=_RADIOS,
        choices=select_choices((k.value, k.label) for k in MissingFrom),
        validators=[OnlyWhen(_missing), RequiredInput("Select where the child went missing from")],
        invalid_choice_message="Select where the child went missing from",
    )
    missing_looked_after = RadioField(
        "Is the child looked after by the local authority?",
        widget=_RADIOS,
        choices=select_choices(YES_NO),
        validators=[OnlyWhen(_missing), RequiredInput("Select yes if the child is looked after")],
        invalid_choice_message="Select yes if the child is looked after",
    )
    missing_reported_date = _date(
        "Date reported missing", "Enter the date the child was reported missing", _missing
    )
    missing_reported_time = _time(
        "Time reported missing", "Enter the time the child was reported missing", _missing
    )
    missing_found = RadioField(
        "Has the child been found?",
        widget=_RADIOS,
        choices=select_choices(YES_NO),
        validators=[OnlyWhen(_missing), RequiredInput("Select yes if the child has been found")],
        invalid_choice_message="Select yes if the child has been found",
    )
    missing_found_date = _date("Date found", "Enter the date the child was found", _found)
    missing_found_time = _time("Time found", "Enter the time the child was found", _found)
    missing_found_where = StringField(
        "Where were they found?",
        widget=GovTextInput(),
        validators=[
            OnlyWhen(_found),
            RequiredInput("Enter where the child was found"),
            Length(max=300, message="Where the child was found must be 300 characters or fewer"),
        ],
    )
    missing_found_with = StringField(
        "Who were they with? (optional)",
        widget=GovTextInput(),
        validators=[
            OnlyWhen(_found),
            OptionalInput(),
            Length(max=300, message="Who the child was with must be 300 characters or fewer"),
        ],
    )

    MISSING_DATETIMES = ("missing_reported", "missing_found")
    MISSING_ORDER = (
        ("missing_found", "missing_reported", "The child must have been found after being reported missing"),
    )

    def missing_in_force(self, name: str) -> bool:
        return _found(self) if name == "missing_found" else _missing(self)

    def missing_service_data(self) -> dict:
        if not _missing(self):
            return {"missing_episode": None}
        found = _found(self)
        return {
            "missing_episode": {
                "kind": self.missing_kind.data,
                "missing_from": self.missing_from.data,
                "looked_after": yes_no(self.missing_looked_after.data),
                "reported_at": self._at("missing_reported"),
                "found_at": self._at("missing_found") if found else None,
                "found_where": self.missing_found_where.data if found else None,
                "found_with": (self.missing_found_with.data or None) if found else None,
            }
        }
