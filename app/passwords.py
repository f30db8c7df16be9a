"""argon2id password hashing, with rehash when the parameters change, and the rules a new password must meet."""

from __future__ import annotations

import contextlib
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_PASSWORD_LENGTH = 12

# 19,640 passwords, lowercased, one a line: the 20,000 most common passwords in the Have I Been
# Pwned breach corpus, as compiled by Royce Williams and shipped by Django
# (django/contrib/auth/common-passwords.txt.gz, BSD-3-Clause). Refused whatever their case.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


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


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, read once per process (it is the same file in every worker)."""
    return frozenset(COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").split("\n")) - {""}


def is_common_password(password: str) -> bool:
    return password.lower() in common_passwords()


def password_problem(password: str, *, email: str = "") -> str | None:
    """A specific message if the password is too weak to accept, else None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if email and email.split("@")[0].lower() in password.lower():
        return "Password must not contain your email address"
    if len(set(password)) < 5:
        return "Password must not repeat the same few characters"
    if is_common_password(password):
        return "Choose a password that is harder to guess: this one is on a list of common passwords found in data breaches"
    return None
