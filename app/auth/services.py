"""Sign-in, the second factor, lockout and password changes. These flush; the calling route commits."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from app.auth import sessions, two_factor
from app.domain.clock import utcnow
from app.extensions import db
from app.models import SessionEnd, User, UserSession, record_audit_event
from app.passwords import hash_password, password_problem, verify_password

SIGN_IN_FAILED = (
    "Enter a correct email address and password. If your account is locked or deactivated, "
    "contact your administrator."
)
CODE_FAILED = (
    "Enter the 6-digit code your authenticator app shows now, or one of your recovery codes. "
    "Each code works once."
)


class PasswordRejected(ValueError):
    """The password change was refused; the message says why, `field` says where."""

    def __init__(self, message: str, field: str = "new_password") -> None:
        super().__init__(message)
        self.field = field


class CodeRejected(ValueError):
    """A second-factor code was refused; the message says what to enter instead."""


def authenticate(email: str, password: str) -> User | None:
    """Return the user these credentials belong to, if they may sign in to the web pages; else None.

    Unknown email, wrong password, a locked or deactivated account and a system
    account all return None, so the caller shows one message and an attacker
    learns nothing. A wrong password counts towards the account's lockout.
    """
    user = User.by_email(email)
    matches, needs_rehash = verify_password(user.password_hash if user else None, password)
    if user is None:
        return None
    if not matches:
        record_failed_sign_in(user, "password")
        return None
    refused = (
        "deactivated"
        if not user.active
        else "system_account"
        if user.is_system
        else "locked"
        if user.is_locked
        else None
    )
    if refused:
        record_audit_event(None, "sign_in_failed", f"user:{user.id}", reason=refused)
        return None
    if needs_rehash:
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def record_failed_sign_in(user: User, reason: str) -> None:
    """Count a wrong password or code, and lock the account when there have been too many in a row.

    The count is added to in the database, not in Python, so failures in several
    workers at once are all counted.
    """
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_sign_ins=User.failed_sign_ins + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(user, ["failed_sign_ins", "locked_at"])
    record_audit_event(
        None, "sign_in_failed", f"user:{user.id}", reason=reason, failures_in_a_row=user.failed_sign_ins
    )
    if user.failed_sign_ins >= current_app.config["SIGN_IN_LOCKOUT_FAILURES"] and user.locked_at is None:
        locked = db.session.execute(
            update(User).where(User.id == user.id, User.locked_at.is_(None)).values(locked_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        db.session.refresh(user, ["locked_at"])
        if locked.rowcount == 1:
            record_audit_event(
                None, "account_locked", f"user:{user.id}", failures_in_a_row=user.failed_sign_ins
            )
    db.session.flush()


def check_second_factor(user: User, code: str) -> str | None:
    """At sign-in: 'app' or 'recovery_code' if the code is accepted, else None (and counted)."""
    if user.is_locked or not user.active:
        reason = "locked" if user.is_locked else "deactivated"
        record_audit_event(None, "sign_in_failed", f"user:{user.id}", reason=reason)
        return None
    if two_factor.use_totp_code(user, code):
        return "app"
    if two_factor.use_recovery_code(user, code):
        return "recovery_code"
    record_failed_sign_in(user, "code")
    return None


def complete_sign_in(user: User, second_factor: str | None = None) -> UserSession:
    """The user has proved who they are: clear the failure count and open a session."""
    user.failed_sign_ins = 0
    user.last_signed_in_at = utcnow()
    record_audit_event(user, "signed_in", f"user:{user.id}", second_factor=second_factor)
    db.session.flush()
    return sessions.start(user)


def sign_out() -> None:
    row = sessions.current()
    if row is not None:
        record_audit_event(row.user, "signed_out", f"user:{row.user_id}")
    sessions.end_current(SessionEnd.SIGNED_OUT)


def change_password(user: User, current: str, new: str) -> None:
    """Change the user's own password. Their other sessions end; this one goes on."""
    matches, _ = verify_password(user.password_hash, current)
    if not matches:
        raise PasswordRejected("Your current password is not correct", "current_password")
    if current == new:
        raise PasswordRejected("Your new password must be different from your current password")
    problem = password_problem(new, email=user.email)
    if problem:
        raise PasswordRejected(problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    ended = sessions.end_sessions(user, SessionEnd.PASSWORD_CHANGED)
    record_audit_event(user, "password_changed", f"user:{user.id}", other_sessions_ended=ended)
    db.session.flush()


def set_up_second_factor(user: User, code: str) -> list[str]:
    """Turn on the second factor once the user's app shows a right code; return new recovery codes."""
    if user.has_second_factor:
        raise CodeRejected("Two-step verification is already set up on your account")
    if not user.totp_secret or not two_factor.use_totp_code(user, code):
        raise CodeRejected(
            "Enter the 6-digit code your authenticator app shows now for Front Door. "
            "If it is not accepted, check the time on your phone is set automatically."
        )
    user.totp_enabled_at = utcnow()
    codes = two_factor.issue_recovery_codes(user)
    ended = sessions.end_sessions(user, SessionEnd.SECOND_FACTOR_CHANGED)
    record_audit_event(user, "second_factor_set_up", f"user:{user.id}", other_sessions_ended=ended)
    db.session.flush()
    return codes


def _prove_second_factor(user: User, code: str) -> None:
    if two_factor.use_totp_code(user, code) or two_factor.use_recovery_code(user, code):
        return
    record_failed_sign_in(user, "code")
    raise CodeRejected(CODE_FAILED)


def new_recovery_codes(user: User, code: str) -> list[str]:
    """Replace the user's recovery codes, once they give a current code."""
    if not user.has_second_factor:
        raise CodeRejected("Set up two-step verification first")
    _prove_second_factor(user, code)
    codes = two_factor.issue_recovery_codes(user)
    record_audit_event(user, "recovery_codes_replaced", f"user:{user.id}")
    return codes


def turn_off_second_factor(user: User, code: str) -> None:
    """For users whose roles do not need it. Their other sessions end."""
    if user.second_factor_required:
        raise CodeRejected(
            "Your role needs two-step verification, so it cannot be turned off. "
            "If you have lost your phone, ask your administrator to reset it."
        )
    if not user.has_second_factor:
        raise CodeRejected("Two-step verification is not set up on your account")
    _prove_second_factor(user, code)
    two_factor.forget(user)
    sessions.end_sessions(user, SessionEnd.SECOND_FACTOR_CHANGED)
    record_audit_event(user, "second_factor_turned_off", f"user:{user.id}")
