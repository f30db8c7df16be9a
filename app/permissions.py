"""Named permissions, the roles that hold them, and the decorators every view uses.

Every endpoint declares what it needs with exactly one of `@public`,
`@signed_in` or `@requires(...)`. tests/test_permissions.py walks the URL map
and fails when an endpoint declares nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from app.models.people import RoleName


class Permission(enum.StrEnum):
    MANAGE_USERS = "manage_users"
    SUBMIT_NOTIFICATION = "submit_notification"
    RECORD_CONTACT = "record_contact"
    VIEW_REFERRALS = "view_referrals"
    WORK_TASKS = "work_tasks"
    AUDIT = "audit"  # see the audit area: dashboard, gap lists, case audits, exports
    RECORD_CASE_AUDIT = "record_case_audit"
    DRAW_AUDIT_SAMPLE = "draw_audit_sample"
    LINK_PEOPLE = "link_people"  # confirm or reject possible matches, undo a merge, correct relationships
    RECORD_FLAGS = "record_flags"  # social care's flags on a person: plans, looked after, sex offender
    SET_RESPONSE_TIMES = "set_response_times"  # the partnership's response times (RAG and other clocks)
    UPDATE_PLAN_ACTIONS = "update_plan_actions"  # say how a plan action is going (Referral/PlanAction rules)
    INVITE_AGENCIES = "invite_agencies"  # bring an agency outside the MASH (a school) into a referral
    REVIEW_DISAGREEMENTS = (
        "review_disagreements"  # decide a professional disagreement raised after a decision
    )


ROLE_PERMISSIONS: dict[RoleName, frozenset[Permission]] = {
    RoleName.POLICE: frozenset(
        {
            Permission.SUBMIT_NOTIFICATION,
            Permission.VIEW_REFERRALS,
            Permission.WORK_TASKS,
            Permission.UPDATE_PLAN_ACTIONS,
        }
    ),
    RoleName.SOCIAL_CARE: frozenset(
        {
            Permission.RECORD_CONTACT,
            Permission.VIEW_REFERRALS,
            Permission.WORK_TASKS,
            Permission.UPDATE_PLAN_ACTIONS,
            Permission.INVITE_AGENCIES,
            Permission.LINK_PEOPLE,
            Permission.RECORD_FLAGS,
        }
    ),
    RoleName.HEALTH: frozenset(
        {
            Permission.RECORD_CONTACT,
            Permission.VIEW_REFERRALS,
            Permission.WORK_TASKS,
            Permission.UPDATE_PLAN_ACTIONS,
        }
    ),
    RoleName.MASH_MANAGER: frozenset(
        {
            Permission.VIEW_REFERRALS,
            Permission.WORK_TASKS,
            Permission.UPDATE_PLAN_ACTIONS,
            Permission.INVITE_AGENCIES,
            Permission.AUDIT,
            Permission.RECORD_CASE_AUDIT,
            Permission.DRAW_AUDIT_SAMPLE,
            Permission.LINK_PEOPLE,
            Permission.RECORD_FLAGS,
            Permission.REVIEW_DISAGREEMENTS,
        }
    ),
    # Read-only: sees referrals and the audit area, grades cases, changes nothing on a case.
    RoleName.AUDITOR: frozenset({Permission.VIEW_REFERRALS, Permission.AUDIT, Permission.RECORD_CASE_AUDIT}),
    RoleName.ADMINISTRATOR: frozenset({Permission.MANAGE_USERS, Permission.SET_RESPONSE_TIMES}),
    # Staff of an agency outside the MASH (a school): they refer, and once invited into a
    # referral they read what it needs and update the plan actions their agency owns.
    RoleName.EDUCATION: frozenset(
        {Permission.RECORD_CONTACT, Permission.VIEW_REFERRALS, Permission.UPDATE_PLAN_ACTIONS}
    ),
}

# Roles that see across cases or decide who can: their accounts must sign in with a second factor.
SECOND_FACTOR_ROLES: frozenset[RoleName] = frozenset(
    {RoleName.MASH_MANAGER, RoleName.AUDITOR, RoleName.ADMINISTRATOR}
)

# BPMN lane name -> the role that works tasks in that lane. The one place
# where the process model meets the people model.
LANE_ROLES: dict[str, RoleName] = {
    "Police": RoleName.POLICE,
    "Social care": RoleName.SOCIAL_CARE,
    "Health": RoleName.HEALTH,
    "Manager": RoleName.MASH_MANAGER,
}


def permissions_for(roles: set[RoleName]) -> frozenset[Permission]:
    held: set[Permission] = set()
    for role in roles:
        held |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(held)


def user_can(user, permission: Permission) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return permission in permissions_for(user.role_names)


def lanes_for(user) -> set[str]:
    names = user.role_names
    return {lane for lane, role in LANE_ROLES.items() if role in names}


def _declare(view: Callable, declaration: str) -> None:
    view.access_declaration = declaration  # type: ignore[attr-defined]


def public(view: Callable) -> Callable:
    """Open to anyone, signed in or not (sign-in page, static policy pages)."""
    _declare(view, "public")
    return view


def signed_in(view: Callable) -> Callable:
    """Any active, signed-in user."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            from app.extensions import login_manager

            return login_manager.unauthorized()
        return view(*args, **kwargs)

    _declare(wrapper, "signed_in")
    return wrapper


def requires(*needed: Permission) -> Callable[[Callable], Callable]:
    """A signed-in user holding every permission in `needed`; otherwise 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from app.extensions import login_manager

                return login_manager.unauthorized()
            if not all(user_can(current_user, p) for p in needed):
                abort(403)
            return view(*args, **kwargs)

        _declare(wrapper, "requires:" + ",".join(sorted(needed)))
        wrapper.required_permissions = frozenset(needed)  # type: ignore[attr-defined]
        return wrapper

    return decorator
