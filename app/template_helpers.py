"""Template globals and filters: navigation by role, dates in UK format, contract labels."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.domain.clock import london_today
from app.permissions import Permission, user_can
from app.referrals.answers import code_label, govuk_date, govuk_datetime, referral_source_words, rule_words
from app.referrals.presenters import outcome_label, strategy_decision_label

# (endpoint, label, permission or None for any signed-in user). Endpoints that
# are not registered yet are skipped, so features can land one at a time.
NAVIGATION: list[tuple[str, str, Permission | None]] = [
    ("tasks.inbox", "Tasks", Permission.WORK_TASKS),
    ("referrals.index", "Referrals", Permission.VIEW_REFERRALS),
    ("people.search", "Find a person", Permission.VIEW_REFERRALS),
    ("notifications.new", "New police notification", Permission.SUBMIT_NOTIFICATION),
    ("notifications.new_contact", "Record a contact", Permission.RECORD_CONTACT),
    ("audit.dashboard", "Audit", Permission.AUDIT),
    ("admin.users", "Users", Permission.MANAGE_USERS),
    ("admin.agencies", "Agencies", Permission.MANAGE_USERS),
    ("timers.response_times", "Response times", Permission.SET_RESPONSE_TIMES),
    ("alerts.index", "Alerts", None),
]


# The audit area's own sub-navigation: (endpoint, label, permission).
AUDIT_NAVIGATION: list[tuple[str, str, Permission]] = [
    ("audit.dashboard", "Dashboard", Permission.AUDIT),
    ("audit.samples", "Samples", Permission.AUDIT),
    ("audit.case_audits", "Case audits", Permission.AUDIT),
    ("audit.results", "Audit results", Permission.AUDIT),
    ("audit.ilacs", "Ofsted ILACS lists", Permission.AUDIT),
]


def _nav(entries) -> list[dict]:
    from flask import current_app

    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    items = []
    for endpoint, label, permission in entries:
        if endpoint not in endpoints:
            continue
        if permission is not None and not user_can(current_user, permission):
            continue
        href = url_for(endpoint)
        items.append({"href": href, "text": label, "active": request.path == href})
    return items


def account_unfinished() -> bool:
    """A temporary password to change, or a required second factor to set up: nothing else is open yet."""
    return current_user.must_change_password or (
        current_user.second_factor_required and not current_user.has_second_factor
    )


def audit_navigation() -> list[dict]:
    return _nav(AUDIT_NAVIGATION) if current_user.is_authenticated else []


def navigation_items() -> list[dict]:
    if not current_user.is_authenticated or account_unfinished():
        return []
    from flask import current_app

    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    items = []
    for endpoint, label, permission in NAVIGATION:
        if endpoint not in endpoints:
            continue
        if permission is not None and not user_can(current_user, permission):
            continue
        href = url_for(endpoint)
        if endpoint == "alerts.index":
            label = _alerts_label()
        items.append({"href": href, "text": label, "active": request.path.startswith(href) and href != "/"})
    return items


def session_timeout() -> dict | None:
    """What the timeout warning needs: seconds until this session ends, and how early to warn."""
    from flask import current_app

    from app.auth import sessions

    row = sessions.current() if current_user.is_authenticated else None
    if row is None:
        return None
    return {
        "seconds_left": sessions.seconds_left(row),
        "warning_seconds": current_app.config["SESSION_WARNING_SECONDS"],
    }


def _alerts_label() -> str:
    """ "Alerts (3)": the unread count in the header, read once per request."""
    # Kept on the request (not g, which a test's app context shares across requests).
    if "front_door.unread_alerts" not in request.environ:
        from app.alerts.services import unread_count

        request.environ["front_door.unread_alerts"] = unread_count(current_user)
    count = request.environ["front_door.unread_alerts"]
    return f"Alerts ({count} unread)" if count else "Alerts"


def uk_datetime(value: datetime | None) -> str:
    """GOV.UK style in London time: "1 December 2026 at 10:40pm"."""
    return govuk_datetime(value)


def uk_date(value: date | datetime | None) -> str:
    """GOV.UK style: "1 December 2026"."""
    return govuk_date(value)


def current_lanes() -> set[str]:
    from app.permissions import lanes_for

    return lanes_for(current_user) if current_user.is_authenticated else set()


def referral_source_label(code: str) -> str:
    return referral_source_words(code)


def nhs_number_words(nhs_number: str | None) -> str:
    from app.domain.nhs_number import format_nhs_number

    return format_nhs_number(nhs_number) if nhs_number else "Not known"


def any_answered(fields) -> bool:
    """Does any of these form fields hold an answer or an error? A disclosure of them opens if so."""
    return any(field.data or field.errors for field in fields)


def tag(text: str, classes: str = "") -> Markup:
    """GOV.UK Frontend's tag, written as its macro writes it, for a list with one on every row:
    the macro (it imports its attribute helper on each call) costs about 30 µs a tag, this 1 µs."""
    return Markup('<strong class="{}">{}</strong>').format(f"govuk-tag {classes}".strip(), text)


def init_app(app: Flask) -> None:
    app.add_template_global(tag)
    app.add_template_global(any_answered)
    app.add_template_global(current_lanes)
    app.add_template_global(referral_source_label)
    app.add_template_global(navigation_items)
    app.add_template_global(audit_navigation)
    app.add_template_global(session_timeout)
    app.add_template_global(account_unfinished)
    app.add_template_global(lambda: getattr(g, "csp_nonce", ""), "csp_nonce")
    app.add_template_filter(uk_datetime)
    app.add_template_filter(uk_date)
    app.add_template_filter(outcome_label)
    app.add_template_filter(rule_words)
    # {{ value | coded("dash_level") }}: a coded value by the label beside it (app.referrals.answers).
    app.add_template_filter(lambda value, key, step=None: code_label(key, value, step), "coded")
    app.add_template_global(london_today)
    app.add_template_global(nhs_number_words)
    app.add_template_filter(strategy_decision_label)
    app.jinja_env.globals["Permission"] = Permission
    app.jinja_env.globals["user_can"] = user_can
