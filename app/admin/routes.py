"""Administration: agencies, users and API tokens, each administrator in their own local authority area.

Another area's agency, user or token is a 403, whatever the URL says; the
services check the area again, so a form posted with another area's agency is
refused with a message.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from app.admin import services
from app.admin.forms import (
    AgencyForm,
    ApiTokenForm,
    ConfirmForm,
    NewUserForm,
    TemporaryPasswordForm,
    UserForm,
)
from app.domain.whole_numbers import is_whole_number
from app.extensions import db
from app.forms import select_choices
from app.models import Agency, ApiToken, User
from app.permissions import Permission, requires
from app.transaction import savepoint

bp = Blueprint("admin", __name__)


def _own_area():
    """The condition for the agencies of the signed-in administrator's area."""
    return Agency.local_authority_area == current_user.local_authority_area


def _managed_agency(agency_id: int) -> Agency:
    agency = db.get_or_404(Agency, agency_id)
    if not agency.is_managed_by(current_user):
        abort(403)
    return agency


def _managed_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if not user.is_managed_by(current_user):
        abort(403)
    return user


def _agency_choices(form: UserForm) -> None:
    agencies = db.session.scalars(select(Agency).where(_own_area()).order_by(Agency.name)).all()
    form.agency_id.choices = select_choices([("", "Select an agency")] + [(a.id, a.name) for a in agencies])


def _chosen_agency(form: UserForm) -> Agency | None:
    value = form.agency_id.data or ""
    return db.session.get(Agency, int(value)) if is_whole_number(value) else None


def _show_error(form, error: services.AdminError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        form.form_errors.append(str(error))


@bp.route("/agencies")
@requires(Permission.MANAGE_USERS)
def agencies():
    rows = db.session.scalars(select(Agency).where(_own_area()).order_by(Agency.name)).all()
    return render_template("admin/agencies.html", agencies=rows)


@bp.route("/agencies/new", methods=["GET", "POST"], defaults={"agency_id": None})
@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def edit_agency(agency_id: int | None):
    agency = _managed_agency(agency_id) if agency_id is not None else None
    form = AgencyForm(obj=agency)
    if agency is not None and not form.is_submitted():
        form.kind.data = agency.kind.value
    if form.validate_on_submit():
        try:
            with savepoint():
                services.save_agency(
                    current_user,
                    agency,
                    name=form.name.data,
                    kind=form.kind.data,
                    local_authority_area=current_user.local_authority_area,
                )
        except services.AdminError as error:
            _show_error(form, error)
        else:
            flash(f"Agency ‘{form.name.data}’ saved.", "success")
            return redirect(url_for("admin.agencies"))
    return render_template("admin/agency_form.html", form=form, agency=agency), 400 if form.errors else 200


@bp.route("/users")
@requires(Permission.MANAGE_USERS)
def users():
    rows = (
        db.session.scalars(select(User).join(User.agency).where(_own_area()).order_by(User.full_name))
        .unique()
        .all()
    )
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def edit_user(user_id: int | None):
    user = _managed_user(user_id) if user_id is not None else None
    form = UserForm(obj=user) if user else NewUserForm()
    _agency_choices(form)
    if user is not None and not form.is_submitted():
        form.agency_id.data = str(user.agency_id)
        form.roles.data = [r.name.value for r in user.roles]
    if form.validate_on_submit():
        try:
            with savepoint():
                services.save_user(
                    current_user,
                    user,
                    full_name=form.full_name.data,
                    email=form.email.data,
                    job_title=form.job_title.data,
                    agency=_chosen_agency(form),
                    roles=form.roles.data,
                    temporary_password=form.password.data if user is None else None,
                    kind=form.kind.data if user is None else user.kind.value,
                )
        except services.AdminError as error:
            _show_error(form, error)
        else:
            flash(f"User {form.email.data} saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def temporary_password(user_id: int):
    user = _managed_user(user_id)
    form = TemporaryPasswordForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                services.set_temporary_password(current_user, user, form.password.data)
        except services.AdminError as error:
            _show_error(form, error)
        else:
            flash(
                f"Temporary password set for {user.email}. They must change it when they sign in.", "success"
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/password_form.html", form=form, user=user), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/<any(deactivate, reactivate):action>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def change_active(user_id: int, action: str):
    user = _managed_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                services.set_active(current_user, user, action == "reactivate")
        except services.AdminError as error:
            form.form_errors.append(str(error))
        else:
            flash(f"{user.email} {action}d.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/confirm_active.html", form=form, user=user, action=action
    ), 400 if form.errors else 200


# action in the URL -> (service, page title, what happens, button, done message)
ACCOUNT_ACTIONS = {
    "unlock": (
        services.unlock_account,
        "Unlock {name}’s account?",
        "{email} was locked after too many wrong passwords or codes in a row. Unlocking lets them "
        "sign in again. If they did not make those attempts themselves, someone may be trying to guess "
        "their password: consider setting a temporary password as well.",
        "Unlock account",
        "{email} unlocked. They can sign in again.",
    ),
    "reset-two-step": (
        services.reset_second_factor,
        "Reset {name}’s two-step verification?",
        "Do this when they have lost their phone. Their authenticator app and recovery codes stop "
        "working and they are signed out everywhere. If their role needs two-step verification they "
        "will set it up again when they next sign in. Check who you are speaking to first.",
        "Reset two-step verification",
        "Two-step verification reset for {email}.",
    ),
}


@bp.route("/users/<int:user_id>/<any(unlock, 'reset-two-step'):action>", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def account_action(user_id: int, action: str):
    user = _managed_user(user_id)
    service, title, explanation, button, done = ACCOUNT_ACTIONS[action]
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                service(current_user, user)
        except services.AdminError as error:
            form.form_errors.append(str(error))
        else:
            flash(done.format(email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/confirm.html",
        form=form,
        title=title.format(name=user.full_name),
        explanation=explanation.format(email=user.email),
        button=button,
    ), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/tokens", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def api_tokens(user_id: int):
    """API tokens for a system account. A new token is shown once, on this response only."""
    user = _managed_user(user_id)
    form = ApiTokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            with savepoint():
                _, new_token = services.issue_api_token(current_user, user, form.name.data)
        except services.AdminError as error:
            _show_error(form, error)
        else:
            form = ApiTokenForm(formdata=None)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    ).all()
    return render_template(
        "admin/tokens.html", user=user, tokens=tokens, form=form, new_token=new_token
    ), 400 if form.errors else 200


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def revoke_token(user_id: int, token_id: int):
    user = _managed_user(user_id)
    row = db.session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is None:
        abort(404)
    services.revoke_api_token(current_user, row)
    flash(f"Token ‘{row.name}’ revoked. Systems using it can no longer connect.", "success")
    return redirect(url_for("admin.api_tokens", user_id=user_id))
