"""argon2id password hashing, with rehash when the parameters change."""

from __future__ import annotations

import contextlib

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 12


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=1,
        type=Type.ID,
    )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, bool]:
    """Return (matches, needs_rehash).

    With no stored hash a dummy hash is still checked, so an unknown account
    takes as long to refuse as a wrong password.
    """
    hasher = _hasher()
    if not password_hash:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(hasher), password)
        return False, False
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, hasher.check_needs_rehash(password_hash)


_DUMMY: dict[tuple[int, int], str] = {}


def _dummy_hash(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash("not-a-real-password-for-timing")
    return _DUMMY[key]


def password_problem(password: str, *, email: str = "") -> str | None:
    """A specific message if the password is too weak to accept, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if email and email.split("@")[0].lower() in password.lower():
        return "Password must not contain your email address"
    if len(set(password)) < 5:
        return "Password must not repeat the same few characters"
    return None
