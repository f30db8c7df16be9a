"""JSON API for other systems, version 1.

Authentication is by bearer token only (issued by an administrator to a
system account); session cookies are ignored here, so CSRF does not arise.
Input goes through exactly the same WTForms forms and services as the web
pages, so the same rules give the same messages: 422 with one message per field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_login import login_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, SubmitField

from app.domain.clock import utcnow
from app.extensions import csrf, db
from app.models import ApiToken, Referral, record_audit_event
from app.notifications.forms import ContactForm, PoliceNotificationForm
from app.permissions import Permission, public, requires
from app.referrals import services
from app.referrals.routes import load_visible_referral
from app.tasks import completion
from app.tasks.forms import TASK_FORMS
from app.transaction import savepoint, transaction

bp = Blueprint("api", __name__)
csrf.exempt(bp)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    row = ApiToken.find_active(token) if token else None
    if row is None:
        return jsonify(
            error="Send a valid API token in the Authorization header: 'Bearer <token>'.", status=401
        ), 401
    now = utcnow()
    g.api_token = row
    # Written after the request's own commit (see note_token_use), and only when stale.
    g.api_token_use = (row.id, now) if row.last_use_is_stale(now) else None
    login_user(row.user)  # for this request only: the API sets no session cookie
    return None


@bp.after_request
def note_token_use(response):
    """The token's last use, in its own short transaction once the request's has ended,
    so no request holds a lock on the token's row while it works."""
    use = g.pop("api_token_use", None)
    if use is not None:
        try:
            with transaction():
                ApiToken.note_use(*use)
        except SQLAlchemyError:
            # What the request did is committed; a missed last use must not turn it into an error.
            current_app.logger.warning("could not record the last use of API token %s", use[0], exc_info=True)
    return response


@bp.after_request
def no_session_cookie(response):
    from flask import session

    session.clear()
    session.modified = False
    response.headers.pop("Set-Cookie", None)
    return response


def _is_date_field(field) -> bool:
    return "Date" in type(field).__name__


def _is_yes_no(field) -> bool:
    choices = getattr(field, "choices", None)
    try:
        values = {str(c.value if hasattr(c, "value") else c[0]) for c in choices or []}
    except (TypeError, IndexError):
        return False
    return values == {"yes", "no"}


@dataclass(frozen=True)
class _Shape:
    """What turning JSON into form data needs to know of one field."""

    entry_form: type | None  # a list of objects: the form of each
    is_list: bool
    is_date: bool
    is_yes_no: bool
    is_button: bool


@cache
def _shapes(form_class) -> dict[str, _Shape]:
    """The fields of a form class, looked at once a process: building the form to look at
    them costs more than all the rest of reading a body (its fields do not change)."""
    fields = form_class(formdata=None, meta={"csrf": False})._fields
    return {
        name: _Shape(
            entry_form=field.unbound_field.args[0]
            if isinstance(field, FieldList) and field.unbound_field.field_class is FormField
            else None,
            is_list=isinstance(field, FieldList),
            is_date=_is_date_field(field),
            is_yes_no=_is_yes_no(field),
            is_button=name == "csrf_token" or isinstance(field, SubmitField),
        )
        for name, field in fields.items()
    }


def to_formdata(form_class, payload: dict, prefix: str = "", out: MultiDict | None = None) -> MultiDict:
    """Turn JSON shaped like the form (dates as YYYY-MM-DD, times as HH:MM, yes/no as
    booleans, lists as arrays of objects) into the form data the web form would post."""
    out = out if out is not None else MultiDict()
    shapes = _shapes(form_class)
    for name, value in payload.items():
        field = shapes.get(name)
        key = f"{prefix}{name}"
        if field is None or value is None:
            continue
        if field.is_list and isinstance(value, list):
            for i, item in enumerate(value):
                if field.entry_form is not None and isinstance(item, dict):
                    to_formdata(field.entry_form, item, f"{key}-{i}-", out)
                else:
                    out.add(f"{key}-{i}", str(item))
        elif field.is_date and isinstance(value, str) and ISO_DATE.match(value):
            year, month, day = value.split("-")
            for part in (day, month, year):
                out.add(key, part)
        elif isinstance(value, bool):
            out.add(key, ("yes" if value else "no") if field.is_yes_no else ("y" if value else ""))
        elif isinstance(value, list):
            for item in value:
                out.add(key, str(item))
        else:
            out.add(key, str(value))
    return out


UNKNOWN_FIELD = "This field is not recorded here. Remove it (the fields are listed in /api/v1/openapi.json)"


def unknown_fields(form_class, payload: dict, prefix: str = "") -> dict[str, str]:
    """A 422 message for every key the form does not have, at any depth (``children.0.factors``).

    Checked before anything else, so a misspelt or invented field is never dropped
    silently while the rest is saved.
    """
    errors: dict[str, str] = {}
    shapes = _shapes(form_class)
    for name, value in payload.items():
        key = f"{prefix}{name}"
        field = shapes.get(name)
        if field is None or field.is_button:
            errors[key] = UNKNOWN_FIELD
        elif field.entry_form is not None:
            if not isinstance(value, list):
                errors[key] = "Send a list of objects"
                continue
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    errors |= unknown_fields(field.entry_form, item, f"{key}.{i}.")
                else:
                    errors[f"{key}.{i}"] = "Send an object"
        elif isinstance(value, dict):
            errors[key] = "Send a value, not an object"
    return errors


def api_form(form_class, payload: dict):
    """The validated form for a JSON body, or the 422 response naming what is wrong."""
    errors = unknown_fields(form_class, payload)
    if errors:
        return None, _invalid(errors)
    form = form_class(formdata=to_formdata(form_class, payload), meta={"csrf": False})
    if not form.validate():
        return None, _invalid(flatten_errors(form.errors))
    return form, None


def flatten_errors(errors, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "_" if key is None else str(key)
            flat.update(flatten_errors(value, f"{prefix}{name}."))
    elif isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        flat[prefix.rstrip(".")] = errors[0]
    elif isinstance(errors, list):
        for i, item in enumerate(errors):
            if item:
                flat.update(flatten_errors(item, f"{prefix}{i}."))
    return flat


def _invalid(errors: dict[str, str]):
    return jsonify(error="The data is not valid. Nothing was saved.", errors=errors, status=422), 422


def _stale(error: services.StaleSubmission):
    return jsonify(error=str(error), status=409), 409


def _json_body() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400)
    return payload


def _iso(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def referral_summary(referral: Referral) -> dict:
    """What the referral's own row and its ready tasks say: the reply to a completed task, which
    reads nothing more than the completion holds. The full document is at `links.referral`."""
    return {
        "id": referral.id,
        "reference": referral.reference,
        "status": referral.status.value,
        "received_at": _iso(referral.received_at),
        "threshold_due_at": _iso(referral.threshold_due_at),
        "referral_source": referral.referral_source,
        "rag": referral.rag,
        "version": referral.version,
        "tasks": [_task_document(t) for t in referral.ready_tasks],
        "links": {"referral": url_for("api.referral", referral_id=referral.id)},
    }


def referral_document(referral: Referral) -> dict:
    td, sd, plan = referral.threshold_decision, referral.strategy_discussion, referral.plan
    return {
        **referral_summary(referral),
        "recorded_at": _iso(referral.notification.recorded_at),
        "incident_type": referral.notification.incident_type.value,
        "children": [
            {"full_name": c.full_name, "date_of_birth": _iso(c.date_of_birth)} for c in referral.children
        ],
        "threshold_decision": td
        and {
            "recommended_outcome": td.recommended_outcome,
            "recommendation_rule": td.recommendation_rule,
            "outcome": td.outcome,
            "rationale": td.rationale,
            "decided_at": _iso(td.decided_at),
            "escalated": td.escalated,
            "final_outcome": td.final_outcome,
            "resolution": td.resolution,
        },
        "strategy_discussion": sd
        and {
            "held_at": _iso(sd.held_at),
            "chair": sd.chair,
            "decision": sd.decision,
            "attendees": [
                {"name": a.name, "agency_kind": a.agency_kind.value, "role": a.role} for a in sd.attendees
            ],
            "absences": [{"agency_kind": a.agency_kind.value, "reason": a.reason} for a in sd.absences],
            "criminal_investigation": sd.criminal_investigation,
            "icpc_required": sd.icpc_required,
            "icpc_target_date": _iso(sd.icpc_target_date),
        },
        "protective_plan": plan
        and {
            "status": plan.status.value,
            "summary": plan.summary,
            "review_date": _iso(plan.review_date),
            "police_confirmed": plan.police_confirmed,
            "health_confirmed": plan.health_confirmed,
            "actions": [
                {
                    "id": a.id,
                    "description": a.description,
                    "owning_agency_kind": a.owning_agency_kind.value,
                    "owner": a.owner,
                    "due_date": _iso(a.due_date),
                    "status": a.status.value,
                }
                for a in plan.actions
            ],
        },
    }


def _task_document(task) -> dict:
    return {
        "referral_id": task.referral_id,
        "task_id": task.task_id,
        # Send this back as `version` to complete the task: it is the task's own.
        "version": task.ready_version if task.ready_version is not None else task.referral.version,
        "step": task.step,
        "title": task.title,
        "lane": task.lane,
        "due_at": _iso(task.due_at),
        "due_basis": task.due_basis,  # why it is due then, e.g. "Red rating: 4 clock hours from receipt"
        "due_in_working_time": task.working_time,
    }


@bp.route("/notifications", methods=["POST"])
@requires(Permission.VIEW_REFERRALS)
def submit_notification():
    """A police notification (police accounts) or a contact (social care and health accounts)."""
    from flask_login import current_user

    from app.permissions import user_can

    if user_can(current_user, Permission.SUBMIT_NOTIFICATION):
        form_class = PoliceNotificationForm
    elif user_can(current_user, Permission.RECORD_CONTACT):
        form_class = ContactForm
    else:
        abort(403)
    form, refusal = api_form(form_class, _json_body())
    if refusal:
        return refusal
    try:
        with savepoint():
            referral = services.create_referral(current_user, form.to_service_data())
    except services.StepInvalid as error:
        return _invalid(error.errors)
    return jsonify(referral_document(referral)), 201


@bp.route("/tasks")
@requires(Permission.WORK_TASKS)
def tasks():
    from flask_login import current_user

    rows = db.session.scalars(services.ready_tasks_for(current_user).limit(1000)).all()
    record_audit_event(current_user, "api_read", "tasks", rows=len(rows))
    return jsonify(tasks=[_task_document(t) for t in rows])


@bp.route("/referrals/<int:referral_id>")
@requires(Permission.VIEW_REFERRALS)
def referral(referral_id: int):
    from flask_login import current_user

    found = load_visible_referral(referral_id)
    record_audit_event(current_user, "api_read", f"referral:{found.id}")
    return jsonify(referral_document(found))


@bp.route("/referrals/<int:referral_id>/tasks/<task_id>", methods=["POST"])
@requires(Permission.WORK_TASKS)
def complete_task(referral_id: int, task_id: str):
    """Complete a task. The body holds `version` (the task's, from the referral document or the
    task list) and the step's answers."""
    from flask_login import current_user

    referral = load_visible_referral(referral_id, for_update=True)
    try:
        ready = completion.task_to_complete(current_user, referral, task_id)
    except services.StaleSubmission as error:
        return _stale(error)
    except services.NotAllowed:
        abort(403)
    form, refusal = api_form(TASK_FORMS[ready.step], _json_body())
    if refusal:
        return refusal
    try:
        completion.complete_task(current_user, referral, ready, form)
    except services.StepInvalid as error:
        return _invalid(error.errors)
    except services.StaleSubmission as error:
        return _stale(error)
    except services.NotAllowed:
        abort(403)
    return jsonify(referral_summary(referral))


@bp.route("/openapi.json")
@public
def openapi():
    from app.api.openapi import document

    return jsonify(document())
