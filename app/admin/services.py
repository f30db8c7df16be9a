"""Administration of agencies and user accounts. Functions flush; routes commit."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth import sessions, two_factor
from app.domain.clock import utcnow
from app.extensions import db
from app.models import (
    AccountKind,
    Agency,
    AgencyKind,
    ApiToken,
    Role,
    RoleName,
    SessionEnd,
    User,
    record_audit_event,
)
from app.passwords import hash_password, password_problem


class AdminError(ValueError):
    """A rule was broken; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _check_agency_name(name: str, exclude_id: int | None = None) -> None:
    query = select(Agency.id).where(func.lower(Agency.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Agency.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise AdminError("An agency with this name already exists", "name")


def _check_area(actor: User | None, area: str | None, field: str | None = None) -> None:
    """An administrator works in their own local authority area; the command line (no actor) anywhere."""
    if actor is not None and not actor.can_administer_area(area):
        raise AdminError(
            f"You can only manage agencies and users in {actor.local_authority_area or 'your own area'}",
            field,
        )


def save_agency(
    actor: User | None, agency: Agency | None, *, name: str, kind: str, local_authority_area: str | None
) -> Agency:
    local_authority_area = local_authority_area or None
    if agency is not None:
        _check_area(actor, agency.local_authority_area)
    _check_area(actor, local_authority_area, "local_authority_area")
    _check_agency_name(name, agency.id if agency else None)
    if agency is None:
        agency = Agency()
        db.session.add(agency)
    agency.name = name
    agency.kind = AgencyKind(kind)
    agency.local_authority_area = local_authority_area
    db.session.flush()
    record_audit_event(actor, "agency_saved", f"agency:{agency.id}", name=name, kind=kind)
    return agency


def _check_email(email: str, exclude_id: int | None = None) -> None:
    query = select(User.id).where(func.lower(User.email) == email.lower())
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise AdminError("A user with this email address already exists", "email")


def save_user(
    actor: User | None,
    user: User | None,
    *,
    full_name: str,
    email: str,
    agency: Agency | None,
    roles: list[str],
    job_title: str | None = None,
    temporary_password: str | None = None,
    kind: str = AccountKind.PERSON.value,
) -> User:
    """Create or update an account. A new person needs a temporary password; a system account
    has none (it uses API tokens). Changing someone's roles or agency ends their sessions."""
    email = email.strip().lower()
    if agency is None:
        raise AdminError("Select an agency", "agency_id")
    if user is not None:
        _check_area(actor, user.local_authority_area)
    _check_area(actor, agency.local_authority_area, "agency_id")
    _check_email(email, user.id if user else None)
    role_names = sorted({RoleName(r) for r in roles})
    if not role_names:
        raise AdminError("Select at least one role", "roles")
    account_kind = user.kind if user is not None else AccountKind(kind)
    if account_kind is AccountKind.SYSTEM and RoleName.ADMINISTRATOR in role_names:
        raise AdminError("A system account cannot be an administrator", "roles")
    changed_access = user is not None and (user.agency_id != agency.id or user.role_names != set(role_names))
    if user is None:
        if account_kind is AccountKind.PERSON and not temporary_password:
            raise AdminError("Enter a temporary password", "password")
        user = User(kind=account_kind)
        db.session.add(user)
    if actor is not None and user is actor and RoleName.ADMINISTRATOR not in role_names:
        raise AdminError("You cannot remove the administrator role from your own account", "roles")
    user.full_name = full_name
    user.email = email
    user.job_title = job_title or None
    user.agency = agency
    user.roles = [Role.get_or_create(name) for name in role_names]
    if temporary_password and account_kind is AccountKind.PERSON:
        set_temporary_password(actor, user, temporary_password, audit=False)
    db.session.flush()
    ended = sessions.end_sessions(user, SessionEnd.ACCOUNT_CHANGED) if changed_access else 0
    record_audit_event(
        actor,
        "user_saved",
        f"user:{user.id}",
        email=email,
        kind=account_kind.value,
        agency_id=agency.id,
        roles=[r.value for r in role_names],
        sessions_ended=ended,
    )
    return user


def set_temporary_password(actor: User | None, user: User, password: str, *, audit: bool = True) -> None:
    if user.is_system:
        raise AdminError("A system account has no password: it connects with API tokens", "password")
    problem = password_problem(password, email=user.email or "")
    if problem:
        raise AdminError(problem, "password")
    user.password_hash = hash_password(password)
    user.must_change_password = True
    db.session.flush()
    sessions.end_sessions(user, SessionEnd.PASSWORD_CHANGED)
    if audit:
        record_audit_event(actor, "temporary_password_set", f"user:{user.id}")


def set_active(actor: User | None, user: User, active: bool) -> None:
    if actor is not None and user.id == actor.id and not active:
        raise AdminError("You cannot deactivate your own account")
    user.active = active
    db.session.flush()
    if not active:
        sessions.end_sessions(user, SessionEnd.DEACTIVATED, keep_current=False)
    record_audit_event(actor, "user_activated" if active else "user_deactivated", f"user:{user.id}")


def unlock_account(actor: User | None, user: User) -> None:
    """Let a locked account sign in again: the failure count starts from nothing."""
    if not user.is_locked:
        raise AdminError(f"{user.email} is not locked")
    failures = user.failed_sign_ins
    user.locked_at = None
    user.failed_sign_ins = 0
    db.session.flush()
    record_audit_event(actor, "account_unlocked", f"user:{user.id}", failures_in_a_row=failures)


def reset_second_factor(actor: User | None, user: User) -> None:
    """For a lost phone: remove the user's authenticator app and recovery codes and end their
    sessions. If their role needs a second factor, they set up a new one when they next sign in."""
    if actor is not None and user.id == actor.id:
        raise AdminError("You cannot reset your own two-step verification: ask another administrator")
    if not user.has_second_factor and user.totp_secret is None:
        raise AdminError(f"{user.email} has no two-step verification to reset")
    two_factor.forget(user)
    ended = sessions.end_sessions(user, SessionEnd.SECOND_FACTOR_CHANGED, keep_current=False)
    record_audit_event(actor, "second_factor_reset", f"user:{user.id}", sessions_ended=ended)


def issue_api_token(actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Tokens are for system accounts only, and only in the administrator's own area."""
    _check_area(actor, user.local_authority_area)
    if not user.is_system:
        raise AdminError(
            "API tokens are only for system accounts. Add a user of type ‘Another system’ for the system that will connect.",
            "name",
        )
    if not user.active:
        raise AdminError("This system account is deactivated: reactivate it before issuing a token", "name")
    if not name:
        raise AdminError("Enter a name for the token, such as the system that will use it", "name")
    row, token = ApiToken.issue(user, name, actor)
    db.session.flush()
    record_audit_event(actor, "api_token_issued", f"user:{user.id}", token_id=row.id, name=name)
    return row, token


def revoke_api_token(actor: User | None, row: ApiToken) -> None:
    _check_area(actor, row.user.local_authority_area)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
        record_audit_event(actor, "api_token_revoked", f"user:{row.user_id}", token_id=row.id)
