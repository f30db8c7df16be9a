"""The second factor: time-based one-time codes (RFC 6238, with pyotp) and one-time recovery codes.

A code is accepted for the 30-second step before, at or after now (phone clocks
drift), and each step only once: the user's last accepted step is stored, so a
code seen over someone's shoulder cannot be used again. Recovery codes are
random, shown once, and stored only as argon2 hashes; each works once.
"""

from __future__ import annotations

import hmac
import re
import secrets

import pyotp
import segno
from sqlalchemy import select, update

from app.domain.clock import utcnow
from app.extensions import db
from app.models import RecoveryCode, User
from app.passwords import hash_password, verify_password

ISSUER = "Front Door"
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper. 10 characters from 31 is about 50 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
_TOTP_CODE = re.compile(r"^\d{6}$")


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def pending_secret(user: User) -> str:
    """The secret being set up: made once and kept, so reloading the page shows the same QR code."""
    if user.totp_secret is None:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// link as an SVG QR code in a data: URI, drawn here: no script, no request elsewhere."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is a valid code not used before; else None."""
    code = _normalise(code)
    if not _TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp_code(user: User, code: str, secret: str | None = None) -> bool:
    """Accept a code from the user's app once. The step is claimed with a conditional update,
    so two requests with the same code (in two workers) cannot both succeed."""
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = matching_step(secret, code, user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step),
        execution_options={"synchronize_session": False},
    )
    if claimed.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def looks_like_recovery_code(code: str) -> bool:
    code = _normalise(code)
    return len(code) == RECOVERY_CODE_LENGTH and all(c in RECOVERY_ALPHABET for c in code)


def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them, to be shown once."""
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(code)))
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def unused_recovery_codes(user: User) -> int:
    return len(_unused(user))


def _unused(user: User) -> list[RecoveryCode]:
    return list(
        db.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        )
    )


def use_recovery_code(user: User, code: str) -> bool:
    """Accept one of the user's unused recovery codes, and mark it used."""
    if not looks_like_recovery_code(code):
        return False
    code = _normalise(code)
    for row in _unused(user):
        matches, _ = verify_password(row.code_hash, code)
        if not matches:
            continue
        used = db.session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        return used.rowcount == 1
    return False


def forget(user: User) -> None:
    """Remove the user's second factor: secret, last step and recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    db.session.flush()
