"""An account locks after SIGN_IN_LOCKOUT_FAILURES wrong passwords or codes in a row, from any
mix of addresses; an administrator unlocks it. The per-address rate limit stays as well."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.services import SIGN_IN_FAILED
from app.extensions import db
from app.models import AuditEvent, RoleName
from tests.conftest import TEST_PASSWORD, sign_in

ADDRESSES = ["198.51.100.7", "203.0.113.20", "192.0.2.44", "198.51.100.99"]


def page(response) -> str:
    return response.get_data(as_text=True)


def attempt(client, email: str, password: str, address: str):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_ten_failures_from_four_addresses_lock_the_account_and_an_administrator_unlocks_it(
    app, client, make_user, login_as
):
    assert app.config["SIGN_IN_LOCKOUT_FAILURES"] == 10
    user = make_user(RoleName.SOCIAL_CARE)
    for n in range(9):
        response = attempt(client, user.email, f"guess-number-{n}", ADDRESSES[n % 4])
        assert response.status_code == 400
    db.session.refresh(user)
    assert user.failed_sign_ins == 9 and not user.is_locked

    tenth = attempt(client, user.email, "guess-number-9", ADDRESSES[1])
    assert tenth.status_code == 400
    db.session.refresh(user)
    assert user.is_locked
    locked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_locked"))
    assert locked.subject == f"user:{user.id}"

    # Now even the right password, from a fresh address, is refused, with the same message as before.
    refused = attempt(client, user.email, TEST_PASSWORD, "192.0.2.200")
    assert refused.status_code == 400
    assert SIGN_IN_FAILED in page(refused)
    assert client.get("/referrals").status_code == 302

    admin = login_as(RoleName.ADMINISTRATOR)
    users_page = page(client.get("/admin/users"))
    assert "Locked" in users_page and f"/admin/users/{user.id}/unlock" in users_page
    assert client.get(f"/admin/users/{user.id}/unlock").status_code == 200
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 302
    db.session.refresh(user)
    assert not user.is_locked and user.failed_sign_ins == 0
    unlocked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_unlocked"))
    assert unlocked.actor_id == admin.id and unlocked.subject == f"user:{user.id}"
    assert unlocked.details["failures_in_a_row"] == 10

    client.post("/sign-out")
    assert sign_in(client, user.email).status_code == 302
    assert client.get("/referrals").status_code == 200


def test_the_number_of_failures_is_a_setting(app, client, make_user):
    app.config["SIGN_IN_LOCKOUT_FAILURES"] = 3
    try:
        user = make_user(RoleName.POLICE)
        for n in range(3):
            attempt(client, user.email, f"wrong-{n}-password", ADDRESSES[n])
        db.session.refresh(user)
        assert user.is_locked
    finally:
        app.config["SIGN_IN_LOCKOUT_FAILURES"] = 10


def test_a_successful_sign_in_starts_the_count_again(client, make_user):
    user = make_user(RoleName.HEALTH)
    for n in range(9):
        attempt(client, user.email, f"wrong-{n}-password", ADDRESSES[n % 4])
    assert sign_in(client, user.email).status_code == 302
    client.post("/sign-out")
    db.session.refresh(user)
    assert user.failed_sign_ins == 0
    attempt(client, user.email, "one-more-wrong-one", ADDRESSES[0])
    db.session.refresh(user)
    assert not user.is_locked


def test_wrong_codes_count_too_and_lock_the_account(client, make_user):
    user = make_user(RoleName.MASH_MANAGER)
    client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    for _ in range(9):
        assert client.post("/sign-in/code", data={"code": "000000"}).status_code == 400
    last = client.post("/sign-in/code", data={"code": "000000"})
    assert last.status_code == 302 and last.headers["Location"] == "/sign-in"
    assert "Your account is locked" in page(client.get("/sign-in"))
    db.session.refresh(user)
    assert user.is_locked


def test_an_unknown_email_locks_nothing_and_gets_the_same_message(client):
    for address in ADDRESSES:
        response = attempt(client, "nobody@test.example", "whatever-it-is", address)
        assert response.status_code == 400 and SIGN_IN_FAILED in page(response)


def test_unlocking_an_account_that_is_not_locked_says_so(client, login_as, make_user):
    login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE)
    response = client.post(f"/admin/users/{user.id}/unlock")
    assert response.status_code == 400
    assert "is not locked" in page(response)


def test_the_command_line_unlocks_when_no_administrator_can(app, make_user):
    from app.domain.clock import utcnow

    user = make_user(RoleName.ADMINISTRATOR)
    user.locked_at = utcnow()
    user.failed_sign_ins = 10
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "unlock", user.email])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert not user.is_locked


def test_the_per_address_limit_still_applies(app, client, make_user):
    from app.extensions import limiter

    user = make_user()
    app.config["LOGIN_RATE_LIMIT"] = "3 per 5 minutes"
    app.config["SIGN_IN_LOCKOUT_FAILURES"] = 100
    limiter.reset()
    try:
        statuses = [
            attempt(client, user.email, "wrong-password-xx", ADDRESSES[0]).status_code for _ in range(4)
        ]
        assert statuses == [400, 400, 400, 429]
        assert attempt(client, user.email, "wrong-password-xx", ADDRESSES[1]).status_code == 400
    finally:
        limiter.reset()
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
        app.config["SIGN_IN_LOCKOUT_FAILURES"] = 10
