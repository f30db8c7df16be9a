"""Completing a task from its form: the one path the task page and the API share.

The page and the API differ only in where the form's data comes from (a posted
form, or JSON) and in how they answer (HTML or JSON); which task may be
completed, by whom, and what completing it writes is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from wtforms import BooleanField, FieldList, FormField

from app.extensions import db
from app.models import ReadyTask, Referral, StepRecord, User
from app.permissions import lanes_for
from app.referrals import services
from app.tasks.forms import TASK_FORMS
from app.transaction import savepoint


def task_to_complete(user: User, referral: Referral, task_id: str) -> ReadyTask:
    """The ready task `task_id` of `referral`, if it is in one of `user`'s lanes.

    Raises StaleSubmission if the task is not ready (completed already, or never
    there), and NotAllowed if it belongs to another lane.
    """
    ready = services.find_ready_task(referral, task_id)
    if ready is None:
        raise services.StaleSubmission()
    if ready.lane not in lanes_for(user):
        raise services.NotAllowed()
    return ready


def complete_task(user: User, referral: Referral, ready: ReadyTask, form) -> StepRecord:
    """Complete `ready` with the answers on its validated form.

    If the service refuses (StepInvalid, StaleSubmission or NotAllowed) the
    exception reaches the caller and nothing the service wrote is kept, so the
    caller can show the form again while the rest of its request commits.
    """
    with savepoint():
        return services.complete_task(
            user, referral, ready.task_id, form.version.data, form.to_service_data()
        )


@dataclass
class Refused:
    """What the page shows when a submission is refused: who completed the task, and
    everything the user entered, so that nothing they typed is lost."""

    completed: StepRecord | None
    entered: list[tuple[str, str]]


def refused_submission(referral: Referral, task_id: str, step: str | None, formdata) -> Refused:
    completed = db.session.scalar(
        select(StepRecord)
        .where(StepRecord.referral_id == referral.id, StepRecord.task_id == task_id)
        .limit(1)
    )
    step = step or (completed.step if completed else None)
    if step not in TASK_FORMS or not formdata:
        return Refused(completed, [])
    form = TASK_FORMS[step](formdata=formdata, meta={"csrf": False})
    return Refused(completed, entered(form))


def entered(form, prefix: str = "") -> list[tuple[str, str]]:
    """(label, what was entered) for every field filled in, list rows numbered."""
    rows: list[tuple[str, str]] = []
    for field in form:
        if field.name.endswith(("csrf_token", "version")) or field.type in {"SubmitField", "HiddenField"}:
            continue
        label = f"{prefix}{field.label.text}"
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                if isinstance(entry, FormField):
                    rows += entered(entry.form, f"{label} {number}: ")
                elif (value := _shown(entry)) is not None:
                    rows.append((f"{label} {number}", value))
        elif isinstance(field, FormField):
            rows += entered(field.form, f"{label}: ")
        elif (value := _shown(field)) is not None:
            rows.append((label, value))
    return rows


def _shown(field) -> str | None:
    if isinstance(field, BooleanField):
        return "Yes" if field.data else None
    data = field.data
    choices = getattr(field, "choices", None)
    if choices and data not in (None, ""):
        for choice in choices:
            value, text = (choice.value, choice.label) if hasattr(choice, "value") else choice[:2]
            if str(value) == str(data):
                return str(text)
    if isinstance(data, datetime):
        return data.strftime("%d/%m/%Y %H:%M")
    if isinstance(data, date):
        return data.strftime("%d/%m/%Y")
    if data in (None, "") and field.raw_data:
        data = " ".join(str(v) for v in field.raw_data if v)  # kept as typed, even if it was not valid
    return str(data) if data not in (None, "") else None
