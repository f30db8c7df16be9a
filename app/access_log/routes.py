"""Who has looked at this child: every view and change of a person's or a referral's
records, for MASH managers and auditors, filtered by user and date, with a CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from wtforms import SelectField

from app.audit.csv_export import csv_response
from app.domain.clock import LONDON, start_of_london_day
from app.domain.whole_numbers import is_whole_number
from app.extensions import db
from app.forms import BaseForm, select_choices
from app.forms.fields import DateField as DateInputField
from app.forms.widgets import Select as SelectWidget
from app.models import AuditEvent, Involvement, Person, User, record_audit_event
from app.permissions import Permission, requires
from app.urls import database_id

bp = Blueprint("access_log", __name__)

PAGE_SIZE = 50

ACTION_LABELS = {
    "viewed": "Viewed",
    "api_read": "Read over the API",
    "export": "Downloaded",
    "referral_created": "Created the referral",
    "task_completed": "Completed",
    "recorded": "Recorded",
    "task_picked_up": "Picked up a task",
    "person_merged": "Joined another record to this one",
    "person_unmerged": "Separated a joined record",
    "possible_match_confirmed": "Confirmed a possible match",
    "possible_match_rejected": "Rejected a possible match",
    "case_audit_recorded": "Recorded a case audit",
}
PAGE_LABELS = {
    "referral": "the referral",
    "diagram": "the process diagram",
    "task": "a task page",
    "person": "the person's page",
    "access-log": "who has looked at it",
}


class AccessFilterForm(BaseForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    user = SelectField("User", widget=SelectWidget(label_size=None), default="")
    from_date = DateInputField("From", subject="The start date")
    to_date = DateInputField("To", subject="The end date")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.from_date.data and self.to_date.data and self.from_date.data > self.to_date.data:
            self.to_date.errors.append("The end date must be the same as or after the start date")
            return False
        return valid


@dataclass
class Subject:
    """The records one page covers: `subjects` as written in the log."""

    title: str
    subjects: list[str]
    key: str  # "referral:12" or "person:4", for the export's name and its own log entry
    back: str


def _referral_subject(referral_id: int) -> Subject:
    from app.referrals.routes import load_visible_referral

    referral = load_visible_referral(referral_id)
    return Subject(
        f"Referral {referral.reference}",
        [f"referral:{referral.id}"],
        f"referral:{referral.id}",
        url_for("referrals.show", referral_id=referral.id),
    )


def _person_subject(person_id: int) -> Subject:
    """The person, the records joined into theirs, and every referral that names them."""
    from app.people.routes import load_visible_person

    person = load_visible_person(person_id)
    people = [person.id, *db.session.scalars(select(Person.id).where(Person.merged_into_id == person.id))]
    referrals = db.session.scalars(
        select(Involvement.referral_id).where(Involvement.person_id.in_(people)).distinct()
    )
    return Subject(
        person.full_name,
        [f"person:{p}" for p in people] + [f"referral:{r}" for r in referrals],
        f"person:{person.id}",
        url_for("people.show", person_id=person.id),
    )


def _entries(subject: Subject, form: AccessFilterForm) -> Select:
    query = select(AuditEvent).where(AuditEvent.subject.in_(subject.subjects))
    if form.user.data:
        actor = database_id(form.user.data) if is_whole_number(form.user.data) else 0
        query = query.where(AuditEvent.actor_id == actor)
    if form.from_date.data:
        query = query.where(AuditEvent.at >= start_of_london_day(form.from_date.data))
    if form.to_date.data:
        query = query.where(AuditEvent.at < start_of_london_day(form.to_date.data + timedelta(days=1)))
    return query


def _filter_form(subject: Subject) -> AccessFilterForm:
    form = AccessFilterForm(request.args)
    actors = db.session.execute(
        select(User.id, User.full_name, User.email)
        .where(User.id.in_(select(AuditEvent.actor_id).where(AuditEvent.subject.in_(subject.subjects))))
        .order_by(User.full_name)
    ).all()
    form.user.choices = select_choices(
        [("", "Everyone"), *((a.id, f"{a.full_name} ({a.email})") for a in actors)]
    )
    if request.args and not form.validate():
        form.from_date.data = form.to_date.data = None  # show everything rather than guess
        form.user.data = form.user.data if not form.user.errors else ""
    return form


def describe(entry: AuditEvent) -> str:
    label = ACTION_LABELS.get(entry.action, entry.action.replace("_", " ").capitalize())
    details = entry.details or {}
    if entry.action == "viewed":
        return f"{label} {PAGE_LABELS.get(details.get('page'), details.get('page') or '')}".strip()
    if details.get("title"):
        return f"{label}: {details['title']}"
    return label


def _filters_args() -> dict[str, list[str]]:
    """The filter as it was asked for, for the paging and download links."""
    return {
        name: request.args.getlist(name) for name in ("user", "from_date", "to_date") if name in request.args
    }


def _page(subject: Subject, endpoint: str, id_args: dict):
    form = _filter_form(subject)
    query = _entries(subject, form)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=database_id) or 1, 1), pages)
    rows = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.actor_id for r in rows})))}
    record_audit_event(current_user, "viewed", subject.key, page="access-log")
    args = _filters_args()
    return render_template(
        "access_log/subject.html",
        subject=subject,
        form=form,
        rows=rows,
        users=users,
        describe=describe,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda n: url_for(endpoint, page=n, **id_args, **args),
        csv_url=url_for(endpoint + "_csv", **id_args, **args),
        action=url_for(endpoint, **id_args),
    ), 400 if form.errors else 200


def _csv(subject: Subject):
    form = _filter_form(subject)
    if form.errors:
        return None
    query = _entries(subject, form)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    record_audit_event(
        current_user,
        "export",
        f"access-log:{subject.key}",
        rows=count,
        filters={k: v for k, v in request.args.items() if k in ("user", "from_date", "to_date")},
    )
    entries = db.session.execute(
        select(AuditEvent, User.full_name, User.email)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.id.in_(query.with_only_columns(AuditEvent.id)))
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    return csv_response(
        f"front-door-access-{subject.key.replace(':', '-')}.csv",
        ["Entry", "When (UK time)", "Who", "Email", "What", "Record", "From (IP address)", "Why"],
        (
            [
                entry.id,
                entry.at.astimezone(LONDON).strftime("%d/%m/%Y %H:%M:%S"),
                name or "",
                email or "",
                describe(entry),
                entry.subject,
                entry.ip,
                entry.reason,
            ]
            for entry, name, email in entries
        ),
    )


@bp.route("/referrals/<int:referral_id>")
@requires(Permission.AUDIT)
def referral(referral_id: int):
    return _page(_referral_subject(referral_id), "access_log.referral", {"referral_id": referral_id})


@bp.route("/referrals/<int:referral_id>.csv")
@requires(Permission.AUDIT)
def referral_csv(referral_id: int):
    return _csv(_referral_subject(referral_id)) or referral(referral_id)


@bp.route("/people/<int:person_id>")
@requires(Permission.AUDIT)
def person(person_id: int):
    return _page(_person_subject(person_id), "access_log.person", {"person_id": person_id})


@bp.route("/people/<int:person_id>.csv")
@requires(Permission.AUDIT)
def person_csv(person_id: int):
    return _csv(_person_subject(person_id)) or person(person_id)
