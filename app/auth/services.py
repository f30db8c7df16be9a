"""Sign-in and password changes. These flush; the calling route commits."""

from __future__ import annotations

from app.domain.clock import utcnow
from app.extensions import db
from app.models import User, record_audit_event
from app.passwords import hash_password, password_problem, verify_password

SIGN_IN_FAILED = "Enter a correct email address and password. Your account may also be deactivated: if so, contact your administrator."


class PasswordRejected(ValueError):
    """The password change was refused; the message says why, `field` says where."""

    def __init__(self, message: str, field: str = "new_password") -> None:
        super().__init__(message)
        self.field = field


def authenticate(email: str, password: str) -> User | None:
    """Return the active user these credentials belong to, or None.

    Unknown email, wrong password and deactivated account all return None so
    the caller shows one message and an attacker learns nothing.
    """
    user = User.by_email(email)
    matches, needs_rehash = verify_password(user.password_hash if user else None, password)
    if user is None or not matches or not user.active:
        if user is not None:
            record_audit_event(None, "sign_in_failed", f"user:{user.id}")
        return None
    if needs_rehash:
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    record_audit_event(user, "signed_in", f"user:{user.id}")
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> None:
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
    user.session_version += 1
    record_audit_event(user, "password_changed", f"user:{user.id}")
    db.session.flush()
