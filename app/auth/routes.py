from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from app import access_log
from app.auth.forms import ChangePasswordForm, SignInForm, SignOutForm
from app.auth.services import SIGN_IN_FAILED, PasswordRejected, authenticate, change_password
from app.extensions import limiter
from app.permissions import public, signed_in
from app.transaction import savepoint

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Follow `next` only to a path on this site: no scheme, host or `//`."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _sign_in_key() -> str:
    # Keyed on the account and the address together, so one attacker cannot
    # lock out a colleague from another desk, and one address cannot spray.
    email = (request.form.get("email") or "").strip().lower()
    return f"sign-in:{email}:{get_remote_address()}"


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_sign_in_key, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)  # a failure is counted, and committed
        if user is None:
            access_log.sign_in_refused(form.email.data)
            form.password.errors.append(SIGN_IN_FAILED)
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("main.index"))
    return render_template("auth/sign_in.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-out", methods=["GET", "POST"], endpoint="sign_out")
@signed_in
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        access_log.signed_out(current_user)
        logout_user()
        flash("You have signed out.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/sign_out.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
@signed_in
def change_password_page():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                change_password(current_user, form.current_password.data, form.new_password.data)
        except PasswordRejected as problem:
            getattr(form, problem.field).errors.append(str(problem))
        else:
            login_user(current_user._get_current_object())  # the session id includes the new session version
            flash("Your password has been changed.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 400
