"""The response times page (administrators), and what an escalation task page shows."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from app.domain.clock import utcnow
from app.forms import BaseForm
from app.forms.widgets import TextInput
from app.models import ReadyTask, Referral
from app.permissions import Permission, requires
from app.timers import escalations, settings
from app.transaction import savepoint

bp = Blueprint("timers", __name__)


def escalation_context(referral: Referral, ready: ReadyTask) -> dict:
    escalation = escalations.for_task(referral, ready.task_id)
    if escalation is None:
        return {"escalation": None, "late_task": None, "assignees": [], "overdue_by": ""}
    late = escalations.late_task(referral, escalation)
    return {
        "escalation": escalation,
        "late_task": late,
        "assignees": escalations.eligible_assignees(referral, escalation.late_lane) if late else [],
        "overdue_by": escalations.overdue_by(escalation, utcnow()),
    }


def response_times_form(entries: list[settings.InForce]) -> BaseForm:
    """One text box per setting, holding the value in force ("4 clock hours")."""

    class ResponseTimesForm(BaseForm):
        submit = SubmitField("Save response times", widget=GovSubmitInput())

    for entry in entries:
        setattr(
            ResponseTimesForm,
            entry.setting.key,
            StringField(
                entry.setting.label,
                default=str(entry.value),
                description=f"Default {entry.setting.default}. {entry.setting.hint}",
                validators=[Length(max=60, message="Enter at most 60 characters")],
                widget=TextInput(width=20),
            ),
        )
    return ResponseTimesForm()


@bp.route("/settings/response-times", methods=["GET", "POST"])
@requires(Permission.SET_RESPONSE_TIMES)
def response_times():
    entries = settings.in_force()
    form = response_times_form(entries)
    if form.validate_on_submit():
        try:
            with savepoint():
                changed = settings.save(
                    current_user, {e.setting.key: form[e.setting.key].data for e in entries}
                )
        except settings.SettingsInvalid as error:
            for key, message in error.errors.items():
                form[key].errors = [*form[key].errors, message]
        else:
            flash(
                f"Response times saved ({len(changed)} changed). They apply to work that starts from now."
                if changed
                else "Nothing changed.",
                "success",
            )
            return redirect(url_for("timers.response_times"))
    return render_template(
        "timers/response_times.html", form=form, entries=entries, calendar=settings.working_calendar()
    ), 400 if form.errors else 200


@bp.app_template_global()
def due_in_words(due_at, working_time: bool = False) -> str:
    """ "due in 3 hours" / "overdue by 2 working hours", from now."""
    from app.timers.words import due_in_words as words

    if due_at is None:
        return ""
    return words(due_at, utcnow(), working_time=bool(working_time), calendar=settings.working_calendar())


@bp.app_template_global()
def is_overdue(due_at) -> bool:
    return due_at is not None and due_at < utcnow()


@bp.app_template_global()
def referral_clocks(referral: Referral) -> list:
    from app.timers.clocks import clocks_for

    return clocks_for(referral)


@bp.app_template_global()
def now_utc():
    return utcnow()


@bp.app_template_global()
def rag_response_hint(rag: str) -> str:
    """Under each RAG rating on the triage page: the response time in force."""
    value = settings.response_time(settings.RAG_KEYS[rag])
    return f"Checks and the decision within {value} of receipt; the decision never later than 1 working day."
