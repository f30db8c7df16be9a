from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app import access_log
from app.auth import sessions, two_factor
from app.auth.forms import AppCodeForm, ChangePasswordForm, CurrentCodeForm, SignInCodeForm, SignInForm
from app.auth.services import (
    CODE_FAILED,
    SIGN_IN_FAILED,
    CodeRejected,
    PasswordRejected,
    authenticate,
    change_password,
    check_second_factor,
    complete_sign_in,
    new_recovery_codes,
    set_up_second_factor,
    sign_out,
    turn_off_second_factor,
)
from app.domain.clock import utcnow
from app.extensions import db, limiter
from app.models import SessionEnd, User
from app.permissions import public, signed_in
from app.transaction import savepoint

bp = Blueprint("auth", __name__)

# Between a right password and a right code: who, since when, and where to go next.
PENDING_KEY = "_fd_pending_sign_in"
PENDING_FOR = timedelta(minutes=5)


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
    # The per-account lockout (SIGN_IN_LOCKOUT_FAILURES) covers many addresses.
    email = (request.form.get("email") or "").strip().lower()
    return f"sign-in:{email}:{get_remote_address()}"


def _code_key() -> str:
    pending = session.get(PENDING_KEY) or {}
    return f"sign-in-code:{pending.get('user_id')}:{get_remote_address()}"


def _pending_user() -> User | None:
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    if utcnow().timestamp() - pending.get("since", 0) > PENDING_FOR.total_seconds():
        session.pop(PENDING_KEY, None)
        return None
    return db.session.get(User, pending.get("user_id"))


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_sign_in_key, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)  # a failure is counted, and committed
        next_url = safe_next(request.args.get("next"))
        if user is None:
            access_log.sign_in_refused(form.email.data)
            form.password.errors.append(SIGN_IN_FAILED)
        elif user.has_second_factor:
            session.clear()
            session[PENDING_KEY] = {"user_id": user.id, "since": utcnow().timestamp(), "next": next_url}
            return redirect(url_for("auth.sign_in_code"))
        else:
            complete_sign_in(user)
            if user.second_factor_required:
                return redirect(url_for("auth.set_up_second_factor"))
            return redirect(next_url or url_for("main.index"))
    return render_template("auth/sign_in.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-in/code", methods=["GET", "POST"], endpoint="sign_in_code")
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_code_key, methods=["POST"])
def sign_in_code():
    """The second step of signing in, for accounts with a second factor."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user = _pending_user()
    if user is None:
        flash("Sign in again: it took more than 5 minutes to enter the code.", "info")
        return redirect(url_for("auth.sign_in"))
    form = SignInCodeForm()
    if form.validate_on_submit():
        method = check_second_factor(user, form.code.data)  # a failure is counted, and committed
        if method is None and user.is_locked:
            session.pop(PENDING_KEY, None)
            flash(
                "Your account is locked after too many wrong passwords or codes. "
                "Contact your administrator to unlock it.",
                "info",
            )
            return redirect(url_for("auth.sign_in"))
        if method is None:
            form.code.errors.append(CODE_FAILED)
        else:
            next_url = session.get(PENDING_KEY, {}).get("next")
            complete_sign_in(user, method)
            if method == "recovery_code":
                left = two_factor.unused_recovery_codes(user)
                flash(
                    f"You signed in with a recovery code. It will not work again. You have {left} left: "
                    "get new ones from Your account if you are running out.",
                    "info",
                )
            return redirect(safe_next(next_url) or url_for("main.index"))
    return render_template("auth/sign_in_code.html", form=form), 200 if not form.errors else 400


@bp.route("/sign-out", methods=["POST"], endpoint="sign_out")
@signed_in
def sign_out_now():
    """The header's sign-out button. The session ends on the server, so an old copy of the cookie is useless."""
    sign_out()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account", endpoint="account")
@signed_in
def account():
    return render_template(
        "auth/account.html",
        recovery_codes_left=two_factor.unused_recovery_codes(current_user),
        session_row=sessions.current(),
        idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
        lifetime_hours=int(sessions.lifetime().total_seconds() // 3600),
    )


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
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form), 200 if not form.errors else 400


@bp.route("/account/two-step-verification", methods=["GET", "POST"], endpoint="set_up_second_factor")
@signed_in
def set_up_second_factor_page():
    """Scan the QR code (or type the key), then enter a code to prove the app was set up."""
    if current_user.has_second_factor:
        return redirect(url_for("auth.account"))
    secret = two_factor.pending_secret(current_user)
    form = AppCodeForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                codes = set_up_second_factor(current_user, form.code.data)
        except CodeRejected as problem:
            form.code.errors.append(str(problem))
        else:
            return render_template("auth/recovery_codes.html", codes=codes, first_time=True)
    uri = two_factor.provisioning_uri(current_user, secret)
    return render_template(
        "auth/set_up_second_factor.html",
        form=form,
        qr_code=two_factor.qr_code_data_uri(uri),
        secret=two_factor.grouped(secret),
    ), 200 if not form.errors else 400


@bp.route("/account/recovery-codes", methods=["GET", "POST"], endpoint="new_recovery_codes")
@signed_in
def new_recovery_codes_page():
    if not current_user.has_second_factor:
        return redirect(url_for("auth.set_up_second_factor"))
    form = CurrentCodeForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                codes = new_recovery_codes(current_user, form.code.data)
        except CodeRejected as problem:
            form.code.errors.append(str(problem))
        else:
            return render_template("auth/recovery_codes.html", codes=codes, first_time=False)
    return render_template(
        "auth/confirm_code.html",
        form=form,
        title="Get new recovery codes",
        explanation="Your old recovery codes will stop working.",
    ), 200 if not form.errors else 400


@bp.route(
    "/account/two-step-verification/turn-off", methods=["GET", "POST"], endpoint="turn_off_second_factor"
)
@signed_in
def turn_off_second_factor_page():
    if not current_user.has_second_factor:
        return redirect(url_for("auth.account"))
    form = CurrentCodeForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                turn_off_second_factor(current_user, form.code.data)
        except CodeRejected as problem:
            form.code.errors.append(str(problem))
        else:
            flash("Two-step verification is off. You have been signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/confirm_code.html",
        form=form,
        title="Turn off two-step verification",
        explanation="You will sign in with your password only. Your recovery codes will stop working.",
    ), 200 if not form.errors else 400


@bp.route("/account/sessions/end-others", methods=["POST"], endpoint="end_other_sessions")
@signed_in
def end_other_sessions():
    ended = sessions.end_sessions(current_user, SessionEnd.SIGNED_OUT_ELSEWHERE)
    flash(f"Signed out of {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("auth.account"))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/account/session", endpoint="session_status")
@public
def session_status():
    """For the timeout warning: how long this browser's session has left. Not counted as activity."""
    row = sessions.current() if current_user.is_authenticated else None
    return jsonify(signed_in=row is not None, seconds_left=sessions.seconds_left(row) if row else 0)


@bp.post("/account/session", endpoint="keep_alive")
@signed_in
def keep_alive():
    """The timeout warning's "Stay signed in" button."""
    seconds_left = sessions.keep_alive()
    if _wants_json():
        return jsonify(signed_in=True, seconds_left=seconds_left)
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
