"""Sessions end on the server: signing out, the idle timeout, the absolute lifetime,
a password or role change. A copy of the cookie taken before then opens nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AgencyKind, RoleName, SessionEnd, UserSession
from app.referrals.services import create_referral
from tests.conftest import TEST_PASSWORD, sign_in
from tests.referrals import steps

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def referral_and_reader(make_agency, make_user):
    """A referral, and a social worker in the same area who may open it."""
    police = make_agency(kind=AgencyKind.POLICE)
    social = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    officer = make_user(RoleName.POLICE, agency=police)
    reader = make_user(RoleName.SOCIAL_CARE, agency=social)
    referral = create_referral(officer, steps.notification())
    db.session.commit()
    return referral, reader


def copy_of(client: FlaskClient, app) -> FlaskClient:
    """Another browser holding a copy of this browser's session cookie, as an attacker would."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def is_sign_in_page(response, client: FlaskClient) -> bool:
    if response.status_code != 302 or not response.headers["Location"].startswith("/sign-in"):
        return False
    return "Sign in to Front Door" in page(client.get(response.headers["Location"]))


def test_a_cookie_copied_before_sign_out_gets_the_sign_in_page_afterwards(app, client, referral_and_reader):
    referral, reader = referral_and_reader
    sign_in(client, reader.email)
    url = f"/referrals/{referral.id}"
    assert client.get(url).status_code == 200
    stolen = copy_of(client, app)
    assert stolen.get(url).status_code == 200  # the copy works while the session is open

    signed_out = client.post("/sign-out")
    assert signed_out.status_code == 302 and signed_out.headers["Location"] == "/sign-in"

    replayed = stolen.get(url)
    assert is_sign_in_page(replayed, stolen)
    assert referral.notification.location not in page(replayed)
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == reader.id))
    assert row.end_reason is SessionEnd.SIGNED_OUT


def test_sign_out_is_a_post_button_in_the_header_with_no_confirmation_page(client, login_as):
    login_as(RoleName.SOCIAL_CARE)
    home = page(client.get("/"))
    assert 'action="/sign-out"' in home and 'method="post"' in home
    assert client.get("/sign-out").status_code == 405  # a link or an image cannot sign anyone out
    assert client.post("/sign-out").status_code == 302
    assert client.get("/referrals").status_code == 302


def test_a_session_idle_for_longer_than_the_timeout_gets_the_sign_in_page(
    app, client, clock, referral_and_reader
):
    referral, reader = referral_and_reader
    clock.set(START)
    sign_in(client, reader.email)
    url = f"/referrals/{referral.id}"
    assert client.get(url).status_code == 200
    stolen = copy_of(client, app)

    clock.advance(minutes=29)
    assert client.get(url).status_code == 200  # within the timeout, and the timeout starts again

    clock.advance(minutes=30, seconds=1)
    replayed = stolen.get(url)
    assert is_sign_in_page(replayed, stolen)
    response = client.get(url)
    assert response.status_code == 302
    sign_in_page = page(client.get(response.headers["Location"]))
    assert "You were signed out because Front Door was not used for 30 minutes" in sign_in_page
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == reader.id))
    assert row.end_reason is SessionEnd.IDLE


def test_the_idle_timeout_is_a_setting(app, client, clock, login_as):
    clock.set(START)
    app.config["SESSION_IDLE_MINUTES"] = 10
    try:
        login_as(RoleName.SOCIAL_CARE)
        clock.advance(minutes=9)
        assert client.get("/referrals").status_code == 200
        clock.advance(minutes=10, seconds=1)
        assert client.get("/referrals").status_code == 302
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


def test_an_active_session_still_ends_at_the_absolute_lifetime(app, client, clock, login_as):
    clock.set(START)
    login_as(RoleName.SOCIAL_CARE)
    for _ in range(23):  # a request every 20 minutes for 7 hours 40 minutes
        clock.advance(minutes=20)
        assert client.get("/referrals").status_code == 200
    clock.advance(minutes=20, seconds=1)  # 8 hours since signing in
    response = client.get("/referrals")
    assert response.status_code == 302
    assert "signed in for 8 hours" in page(client.get(response.headers["Location"]))


def test_the_timeout_warning_knows_how_long_is_left_and_staying_signed_in_resets_it(client, clock, login_as):
    clock.set(START)
    login_as(RoleName.SOCIAL_CARE)
    html = page(client.get("/referrals"))
    assert 'data-module="app-timeout-warning"' in html
    assert 'data-seconds-left="1800"' in html and 'data-warning-seconds="120"' in html

    clock.advance(minutes=28)
    status = client.get("/account/session", headers={"Accept": "application/json"}).get_json()
    assert status == {"signed_in": True, "seconds_left": 120}
    clock.advance(minutes=1)
    # Asking how long is left is not activity: it does not keep the session open.
    assert client.get("/account/session").get_json()["seconds_left"] == 60
    kept = client.post("/account/session", headers={"Accept": "application/json"})
    assert kept.get_json() == {"signed_in": True, "seconds_left": 1800}

    clock.advance(minutes=30, seconds=1)
    assert client.get("/account/session").get_json() == {"signed_in": False, "seconds_left": 0}
    assert client.post("/account/session", headers={"Accept": "application/json"}).status_code == 401


def test_the_timeout_warning_script_runs_under_the_csp_nonce(client, login_as):
    login_as(RoleName.SOCIAL_CARE)
    response = client.get("/referrals")
    html = page(response)
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'src="/static/app.js" nonce="{nonce}"' in html
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP to refuse


def test_changing_the_password_ends_the_other_sessions_but_not_this_one(app, client, login_as):
    user = login_as(RoleName.SOCIAL_CARE)
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email)
    assert elsewhere.get("/referrals").status_code == 200
    changed = client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a-much-better-one-42",
            "confirm_password": "a-much-better-one-42",
        },
    )
    assert changed.status_code == 302
    assert client.get("/referrals").status_code == 200
    assert elsewhere.get("/referrals").status_code == 302


def test_changing_roles_ends_the_users_sessions(app, client, login_as, make_user):
    worker = make_user(RoleName.SOCIAL_CARE)
    theirs = app.test_client()
    sign_in(theirs, worker.email)
    assert theirs.get("/referrals").status_code == 200
    login_as(RoleName.ADMINISTRATOR)
    response = client.post(
        f"/admin/users/{worker.id}/edit",
        data={
            "full_name": worker.full_name,
            "email": worker.email,
            "agency_id": str(worker.agency_id),
            "roles": ["health"],
        },
    )
    assert response.status_code == 302
    assert theirs.get("/referrals").status_code == 302


def test_saving_a_user_without_changing_roles_or_agency_leaves_their_session_alone(
    app, client, login_as, make_user
):
    worker = make_user(RoleName.SOCIAL_CARE)
    theirs = app.test_client()
    sign_in(theirs, worker.email)
    login_as(RoleName.ADMINISTRATOR)
    client.post(
        f"/admin/users/{worker.id}/edit",
        data={
            "full_name": "A New Name",
            "email": worker.email,
            "agency_id": str(worker.agency_id),
            "roles": ["social_care"],
        },
    )
    assert theirs.get("/referrals").status_code == 200


def test_sign_out_everywhere_else(app, client, login_as):
    user = login_as(RoleName.SOCIAL_CARE)
    elsewhere = app.test_client()
    sign_in(elsewhere, user.email)
    response = client.post("/account/sessions/end-others")
    assert response.status_code == 302
    assert "Signed out of 1 other session." in page(client.get("/account"))
    assert elsewhere.get("/referrals").status_code == 302


def test_signing_in_again_starts_a_new_session_rather_than_reusing_the_old_cookie(app, client, make_user):
    user = make_user(RoleName.SOCIAL_CARE)
    client.get("/sign-in")
    before = client.get_cookie("session")
    sign_in(client, user.email)
    after = client.get_cookie("session")
    assert before is None or before.value != after.value
    assert len(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()) == 1


def test_a_signed_in_request_reads_its_session_user_agency_and_roles_in_one_statement(
    client, referral_and_reader
):
    from tests.statements import recorded_statements

    referral, reader = referral_and_reader
    sign_in(client, reader.email)
    db.session.expire_all()  # as in a new request
    with recorded_statements() as sent:
        assert client.get("/tasks").status_code == 200  # a page that shows no other user
    reads = [s for s in sent if "FROM user_sessions" in s or "FROM user_roles" in s or "FROM users" in s]
    assert len(reads) == 1, "\n".join(reads)
    assert "user_roles" in reads[0] and "JOIN agencies" in reads[0]
