from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth.routes import safe_next
from app.auth.services import SIGN_IN_FAILED
from app.extensions import db
from app.models import AuditEvent, RoleName, User
from app.passwords import common_passwords, hash_password, is_common_password, verify_password
from tests.conftest import TEST_PASSWORD, csrf_token, sign_in


def page(response) -> str:
    return response.get_data(as_text=True)


def test_sign_in_with_correct_details_goes_home(client, make_user):
    user = make_user(RoleName.SOCIAL_CARE)
    response = sign_in(client, user.email.upper())  # email is case-insensitive
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert user.full_name in page(home)


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong_password = sign_in(client, user.email, "not-the-password")
    unknown_email = sign_in(client, "nobody@test.example", TEST_PASSWORD)
    assert wrong_password.status_code == unknown_email.status_code == 400
    for response in (wrong_password, unknown_email):
        assert SIGN_IN_FAILED in page(response)
        assert "There is a problem" in page(response)

    # Nothing else on the page tells them apart.
    def without_nonce(html: str) -> str:
        html = re.sub(r'nonce="[^"]+"', "", html)
        return re.sub(r'value="[^"]*@test.example"', "", html)

    assert without_nonce(page(wrong_password)) == without_nonce(page(unknown_email))


def test_deactivated_user_cannot_sign_in(client, make_user):
    user = make_user(active=False)
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert SIGN_IN_FAILED in page(response)
    assert client.get("/admin/users").status_code == 302  # still signed out


def test_deactivating_ends_an_existing_session(client, login_as):
    from app.admin.services import set_active

    user = login_as(RoleName.SOCIAL_CARE)
    assert client.get("/").status_code == 200
    set_active(None, user, False)
    db.session.flush()
    response = client.get("/referrals")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/",
        "//elsewhere.example/",
        "http:/elsewhere.example",
        "/\\elsewhere.example",
        "javascript:alert(1)",
    ],
)
def test_next_to_another_site_is_not_followed(client, make_user, target):
    user = make_user()
    response = sign_in(client, user.email, next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_on_this_site_is_followed(client, make_user):
    user = make_user(RoleName.ADMINISTRATOR)
    response = sign_in(client, user.email, next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tasks", "/tasks"),
        ("", None),
        (None, None),
        ("https://x.example", None),
        ("//x.example", None),
        ("tasks", None),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target) == expected


def test_form_without_csrf_token_is_refused(app, client, make_user):
    user = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
        assert refused.status_code == 400
        assert "security check on the form failed" in page(refused)
        token = csrf_token(page(client.get("/sign-in")))
        accepted = client.post(
            "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert accepted.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_sign_out_needs_a_post_and_ends_the_session(client, login_as):
    login_as()
    assert client.get("/sign-out").status_code == 405  # no GET that signs out, and no confirmation page
    assert client.get("/").status_code == 200
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_is_rehashed_when_parameters_change(app, client, make_user):
    user = make_user()
    app.config["ARGON2_TIME_COST"] = 2
    try:
        user.password_hash = hash_password(TEST_PASSWORD)
        db.session.flush()
        old_hash = user.password_hash
        assert "t=2" in old_hash and "$argon2id$" in old_hash
        app.config["ARGON2_TIME_COST"] = 1
        assert sign_in(client, user.email).status_code == 302
        db.session.refresh(user)
        assert user.password_hash != old_hash
        assert "t=1" in user.password_hash
    finally:
        app.config["ARGON2_TIME_COST"] = 1


def test_temporary_password_must_be_changed_before_anything_else(client, make_user):
    user = make_user(RoleName.SOCIAL_CARE, must_change_password=True)
    sign_in(client, user.email)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/password"

    too_short = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    assert too_short.status_code == 400
    assert "Password must be 12 characters or more" in page(too_short)

    changed = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a-much-better-one-42",
            "confirm_password": "a-much-better-one-42",
        },
    )
    assert changed.status_code == 302
    db.session.refresh(user)
    assert user.must_change_password is False
    assert client.get("/").status_code == 200
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "password_changed", AuditEvent.actor_id == user.id)
    )


def test_failed_sign_in_is_audited_without_the_password(client, make_user):
    user = make_user()
    sign_in(client, user.email, "guess-number-one")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sign_in_failed"))
    assert event is not None and event.subject == f"user:{user.id}"
    assert "guess-number-one" not in str(event.details)


def test_sign_in_is_rate_limited_per_account_and_address(app, client, make_user):
    from app.extensions import limiter

    user = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "10 per 5 minutes"
    limiter.reset()
    try:
        statuses = [sign_in(client, user.email, "wrong-password-xx").status_code for _ in range(11)]
        assert statuses[:10] == [400] * 10
        assert statuses[10] == 429
        # Another account from the same address is not locked out by it.
        other = make_user()
        assert sign_in(client, other.email).status_code == 302
    finally:
        limiter.reset()
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_security_headers(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_users_table_holds_no_plain_passwords(make_user):
    user = make_user()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert TEST_PASSWORD not in stored


@pytest.mark.parametrize("password", ["password1234", "Password1234", "PASSWORD1234", "QwErTy123456"])
def test_a_common_or_breached_password_is_refused_whatever_its_case(client, login_as, password):
    user = login_as(RoleName.SOCIAL_CARE)
    response = client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "new_password": password, "confirm_password": password},
    )
    assert response.status_code == 400
    assert "this one is on a list of common passwords found in data breaches" in page(response)
    db.session.refresh(user)
    assert verify_password(user.password_hash, TEST_PASSWORD)[0]  # nothing saved


def test_an_administrator_cannot_set_a_common_temporary_password(client, login_as, make_user):
    login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE)
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "TempPassword"})
    assert response.status_code == 400
    assert "on a list of common passwords" in page(response)


def test_the_bundled_list_of_common_passwords():
    passwords = common_passwords()
    assert 10_000 <= len(passwords) <= 100_000
    assert {"123456", "password", "qwerty123456"} <= passwords
    assert all(p == p.lower() for p in passwords)  # so one lowercase lookup covers every case
    assert is_common_password("P@ssw0rd".upper()) == ("p@ssw0rd" in passwords)


def test_a_signed_in_user_finds_change_your_password_from_the_header(client, login_as):
    import lxml.html

    user = login_as(RoleName.SOCIAL_CARE)
    home = lxml.html.fromstring(client.get("/").data)
    (account,) = home.xpath("//header//a[normalize-space()='Your account']/@href")
    account_page = lxml.html.fromstring(client.get(account).data)
    (change,) = account_page.xpath(
        "//a[contains(normalize-space(), 'Change') and .//*[normalize-space()='password']]"
    )
    assert change.get("href") == "/account/password"
    form_page = client.get(change.get("href"))
    assert form_page.status_code == 200
    changed = client.post(
        change.get("href"),
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a-much-better-one-42",
            "confirm_password": "a-much-better-one-42",
        },
    )
    assert changed.status_code == 302
    db.session.refresh(user)
    assert verify_password(user.password_hash, "a-much-better-one-42")[0]


def test_sign_out_is_one_click_from_the_header_and_needs_the_pages_csrf_token(app, client, login_as):
    import lxml.html

    login_as(RoleName.SOCIAL_CARE)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        home = lxml.html.fromstring(client.get("/").data)
        (form,) = home.xpath("//header//form[.//button[normalize-space()='Sign out']]")
        assert (form.get("method"), form.get("action")) == ("post", "/sign-out")
        (token,) = form.xpath(".//input[@name='csrf_token']/@value")
        refused = client.post("/sign-out")  # from another site: no token
        assert refused.status_code == 400
        assert client.get("/").status_code == 200  # still signed in
        signed_out = client.post("/sign-out", data={"csrf_token": token})
        assert (signed_out.status_code, signed_out.headers["Location"]) == (302, "/sign-in")
        assert client.get("/").status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
