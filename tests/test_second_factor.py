"""The second factor: required for MASH managers, auditors and administrators, optional for
others; set up with a QR code drawn on the server; recovery codes that work once each."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RecoveryCode, RoleName, User
from tests.conftest import TEST_PASSWORD, sign_in, totp_code

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
REQUIRED = [RoleName.MASH_MANAGER, RoleName.AUDITOR, RoleName.ADMINISTRATOR]


def page(response) -> str:
    return response.get_data(as_text=True)


def password_step(client, user: User):
    return client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})


def set_up_with_the_app(client, user: User) -> list[str]:
    """Set up the second factor as a person would: read the key from the page, answer with a code."""
    html = page(client.get("/account/two-step-verification"))
    key = re.search(r'<code class="app-secret" id="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    code = pyotp.TOTP(key.replace(" ", "")).now()
    response = client.post("/account/two-step-verification", data={"code": code})
    assert response.status_code == 200, page(response)
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page(response))


def every_page_a_signed_in_user_might_try(app) -> list[str]:
    """A GET URL for every page of the app (the API aside), with made-up ids and names in it."""
    from werkzeug.routing.converters import AnyConverter, IntegerConverter

    urls = []
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        values = {}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                values[name] = sorted(converter.items)[0]
            elif isinstance(converter, IntegerConverter):
                values[name] = 1
            else:
                values[name] = "x"
        urls.append(adapter.build(rule.endpoint, values, method="GET"))
    return sorted(set(urls))


ALLOWED_BEFORE_SET_UP = {"/account/two-step-verification", "/account/session"}


@pytest.mark.parametrize("role", REQUIRED)
def test_first_sign_in_leads_to_set_up_and_nothing_else_is_open_until_then(app, client, make_user, role):
    user = make_user(role, second_factor=False)
    response = password_step(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-step-verification"

    for url in every_page_a_signed_in_user_might_try(app):
        response = client.get(url)
        if url in ALLOWED_BEFORE_SET_UP:
            continue
        assert response.status_code == 302, url
        location = response.headers["Location"]
        assert location == "/account/two-step-verification" or location.startswith("/sign-in"), url
    for url in ("/referrals", "/audit/", "/admin/users", "/tasks", "/account"):
        assert client.get(url).headers.get("Location") == "/account/two-step-verification"
    # Signing out is still open.
    assert client.post("/sign-out").status_code == 302


def test_the_gate_covers_forms_posted_as_well(client, make_user):
    user = make_user(RoleName.ADMINISTRATOR, second_factor=False)
    password_step(client, user)
    response = client.post("/admin/agencies/new", data={"name": "Sneaky", "kind": "police"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-step-verification"


def test_setting_up_shows_a_qr_code_drawn_on_the_server_and_then_requires_the_code(client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.MASH_MANAGER, second_factor=False)
    password_step(client, user)
    html = page(client.get("/account/two-step-verification"))
    assert 'src="data:image/svg+xml' in html  # no script and nothing fetched from elsewhere
    assert "Your role needs two-step verification" in html

    wrong = client.post("/account/two-step-verification", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "Enter the 6-digit code your authenticator app shows now" in page(wrong)
    db.session.refresh(user)
    assert user.totp_enabled_at is None

    codes = set_up_with_the_app(client, user)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.has_second_factor
    assert client.get("/referrals").status_code == 200
    # Only hashes are kept.
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
    assert not any(code.replace("-", "") in h for h in stored for code in codes)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "second_factor_set_up"))

    # The next sign-in asks for the code.
    client.post("/sign-out")
    clock.advance(seconds=31)
    assert password_step(client, user).headers["Location"] == "/sign-in/code"
    assert client.get("/referrals").status_code == 302  # a password alone signs no one in
    response = client.post("/sign-in/code", data={"code": totp_code(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/referrals").status_code == 200


@pytest.mark.parametrize("role", REQUIRED)
def test_a_wrong_code_does_not_sign_in(client, make_user, role):
    user = make_user(role)
    password_step(client, user)
    response = client.post("/sign-in/code", data={"code": "123456"})
    assert response.status_code == 400
    assert "Enter the 6-digit code your authenticator app shows now" in page(response)
    assert client.get("/referrals").status_code == 302


def test_a_code_works_once(app, client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.AUDITOR)
    code = pyotp.TOTP(user.totp_secret).now()
    password_step(client, user)
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    other = app.test_client()  # someone who saw the code over their shoulder
    password_step(other, user)
    assert other.post("/sign-in/code", data={"code": code}).status_code == 400


def test_recovery_codes_work_once_each(app, client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.MASH_MANAGER, second_factor=False)
    password_step(client, user)
    codes = set_up_with_the_app(client, user)
    client.post("/sign-out")

    first, second = codes[0], codes[1]
    password_step(client, user)
    used = client.post("/sign-in/code", data={"code": first.upper()})  # as typed from paper
    assert used.status_code == 302
    home = page(client.get("/"))
    assert "You signed in with a recovery code" in home and "You have 9 left" in home
    client.post("/sign-out")

    password_step(client, user)
    again = client.post("/sign-in/code", data={"code": first})
    assert again.status_code == 400
    assert client.get("/referrals").status_code == 302
    assert client.post("/sign-in/code", data={"code": second.replace("-", " ")}).status_code == 302
    assert client.get("/referrals").status_code == 200
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    assert len(unused) == 8


def test_new_recovery_codes_replace_the_old_ones(client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.MASH_MANAGER, second_factor=False)
    password_step(client, user)
    old = set_up_with_the_app(client, user)
    clock.advance(seconds=31)
    wrong = client.post("/account/recovery-codes", data={"code": "999999"})
    assert wrong.status_code == 400
    fresh = client.post("/account/recovery-codes", data={"code": totp_code(user)})
    new = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", page(fresh))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/sign-out")
    password_step(client, user)
    assert client.post("/sign-in/code", data={"code": old[0]}).status_code == 400
    assert client.post("/sign-in/code", data={"code": new[0]}).status_code == 302


def test_the_second_factor_is_optional_for_front_line_roles(client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.POLICE)
    assert not user.has_second_factor
    sign_in(client, user.email)
    assert client.get("/referrals").status_code == 200  # no set-up demanded
    assert "Set up two-step verification" in page(client.get("/account"))
    set_up_with_the_app(client, user)
    client.post("/sign-out")
    assert password_step(client, user).headers["Location"] == "/sign-in/code"
    clock.advance(seconds=31)
    assert client.post("/sign-in/code", data={"code": totp_code(user)}).status_code == 302

    # They may turn it off again, with a code; a manager may not.
    clock.advance(seconds=31)
    off = client.post("/account/two-step-verification/turn-off", data={"code": totp_code(user)})
    assert off.status_code == 302
    db.session.refresh(user)
    assert not user.has_second_factor


def test_a_role_that_needs_it_cannot_turn_it_off(client, make_user):
    user = make_user(RoleName.MASH_MANAGER)
    sign_in(client, user.email)
    response = client.post("/account/two-step-verification/turn-off", data={"code": totp_code(user)})
    assert response.status_code == 400
    assert "Your role needs two-step verification" in page(response)
    db.session.refresh(user)
    assert user.has_second_factor


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client):
    response = client.get("/sign-in/code")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert client.post("/sign-in/code", data={"code": "123456"}).status_code == 302


def test_the_code_step_expires(client, clock, make_user):
    clock.set(START)
    user = make_user(RoleName.ADMINISTRATOR)
    password_step(client, user)
    clock.advance(minutes=6)
    response = client.post("/sign-in/code", data={"code": totp_code(user)})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert client.get("/admin/users").status_code == 302


def test_an_administrator_resets_a_lost_second_factor_and_it_is_logged(
    app, client, clock, make_user, login_as
):
    clock.set(START)
    manager = make_user(RoleName.MASH_MANAGER)
    theirs = app.test_client()
    sign_in(theirs, manager.email)
    assert theirs.get("/referrals").status_code == 200

    admin = login_as(RoleName.ADMINISTRATOR)
    assert "Reset two-step verification" in page(client.get("/admin/users"))
    assert client.get(f"/admin/users/{manager.id}/reset-two-step").status_code == 200
    assert client.post(f"/admin/users/{manager.id}/reset-two-step").status_code == 302
    db.session.refresh(manager)
    assert manager.totp_secret is None and not manager.has_second_factor
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "second_factor_reset"))
    assert event.actor_id == admin.id and event.subject == f"user:{manager.id}"
    assert theirs.get("/referrals").status_code == 302  # signed out everywhere

    # At their next sign-in they set up a new one before anything else.
    assert password_step(theirs, manager).headers["Location"] == "/account/two-step-verification"
    own = client.post(f"/admin/users/{admin.id}/reset-two-step")
    assert own.status_code == 400
    assert "You cannot reset your own two-step verification" in page(own)
