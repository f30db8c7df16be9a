"""An administrator manages the users, agencies and API tokens of their own local authority area
only; API tokens belong to system accounts, which cannot sign in to the web pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.services import SIGN_IN_FAILED
from app.extensions import db
from app.models import AccountKind, Agency, AgencyKind, ApiToken, RoleName, User
from app.referrals.services import create_referral
from tests.conftest import TEST_PASSWORD, sign_in
from tests.referrals import steps


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def two_areas(make_agency, make_user):
    """Testshire, whose administrator signs in, and Otherland, with a person, a system account
    holding a token, and a referral."""
    ours = make_agency(name="Testshire Children's Services", area="Testshire")
    theirs = make_agency(name="Otherland Police", kind=AgencyKind.POLICE, area="Otherland")
    their_officer = make_user(RoleName.POLICE, agency=theirs)
    their_system = make_user(RoleName.POLICE, agency=theirs, account_kind=AccountKind.SYSTEM)
    token_row, _ = ApiToken.issue(their_system, "Otherland records system", None)
    referral = create_referral(their_officer, steps.notification())
    db.session.commit()
    return {
        "ours": ours,
        "theirs": theirs,
        "their_officer": their_officer,
        "their_system": their_system,
        "their_token": token_row,
        "their_referral": referral,
    }


@pytest.fixture
def our_admin(client, make_user, two_areas):
    admin = make_user(RoleName.ADMINISTRATOR, agency=two_areas["ours"])
    assert sign_in(client, admin.email).status_code == 302
    return admin


def test_lists_show_only_the_administrators_own_area(client, our_admin, two_areas, make_user):
    ours = make_user(RoleName.HEALTH, agency=two_areas["ours"])
    users = page(client.get("/admin/users"))
    assert ours.email in users and our_admin.email in users
    assert two_areas["their_officer"].email not in users and two_areas["their_system"].email not in users
    agencies = page(client.get("/admin/agencies"))
    assert "Testshire Children&#39;s Services" in agencies or "Testshire Children's Services" in agencies
    assert "Otherland Police" not in agencies


@pytest.mark.parametrize(
    "url",
    [
        "/admin/users/{officer}/edit",
        "/admin/users/{officer}/password",
        "/admin/users/{officer}/deactivate",
        "/admin/users/{officer}/unlock",
        "/admin/users/{officer}/reset-two-step",
        "/admin/users/{system}/tokens",
        "/admin/agencies/{agency}/edit",
    ],
)
def test_another_areas_users_agencies_and_tokens_are_403(client, our_admin, two_areas, url):
    url = url.format(
        officer=two_areas["their_officer"].id,
        system=two_areas["their_system"].id,
        agency=two_areas["theirs"].id,
    )
    assert client.get(url).status_code == 403
    assert (
        client.post(url, data={"name": "x", "kind": "police", "password": "fresh-temporary-99"}).status_code
        == 403
    )


def test_another_areas_token_cannot_be_revoked_and_no_token_can_be_issued_there(client, our_admin, two_areas):
    system, token = two_areas["their_system"], two_areas["their_token"]
    assert client.post(f"/admin/users/{system.id}/tokens/{token.id}/revoke").status_code == 403
    db.session.refresh(token)
    assert token.revoked_at is None
    before = db.session.scalar(select(func.count(ApiToken.id)))
    issued = client.post(f"/admin/users/{system.id}/tokens", data={"name": "Borrowed"})
    assert issued.status_code == 403
    assert "fd_" not in page(issued)
    assert db.session.scalar(select(func.count(ApiToken.id))) == before


def test_an_administrator_cannot_reach_another_areas_referrals_through_a_token(client, our_admin, two_areas):
    """The route the issue describes: issue a token for another area's account, then read its referrals."""
    their_officer = two_areas["their_officer"]
    assert client.post(f"/admin/users/{their_officer.id}/tokens", data={"name": "x"}).status_code == 403
    # A person's account in the administrator's own area gets no token either.
    own = page(client.post(f"/admin/users/{our_admin.id}/tokens", data={"name": "Mine"}))
    assert "API tokens are only for system accounts" in own and "fd_" not in own
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.user_id == our_admin.id)) == 0


def test_a_user_cannot_be_put_in_another_areas_agency(client, our_admin, two_areas, make_user):
    data = {
        "full_name": "Sideways Move",
        "email": "sideways@test.example",
        "agency_id": str(two_areas["theirs"].id),
        "roles": ["police"],
        "password": "temporary-pass-123",
        "kind": "person",
    }
    created = client.post("/admin/users/new", data=data)
    assert created.status_code == 400
    assert "You can only manage agencies and users in Testshire" in page(created)
    assert User.by_email("sideways@test.example") is None
    ours = make_user(RoleName.POLICE, agency=two_areas["ours"])
    moved = client.post(f"/admin/users/{ours.id}/edit", data=data | {"email": ours.email})
    assert moved.status_code == 400
    db.session.refresh(ours)
    assert ours.agency_id == two_areas["ours"].id
    # Only the administrator's own agencies are offered.
    form = page(client.get("/admin/users/new"))
    assert "Otherland Police" not in form and "Testshire Children" in form


def test_a_new_agency_is_in_the_administrators_own_area(client, our_admin):
    response = client.post(
        "/admin/agencies/new",
        data={"name": "Testshire Schools", "kind": "education", "local_authority_area": "Otherland"},
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.name == "Testshire Schools"))
    assert agency.local_authority_area == "Testshire"


def test_an_administrator_adds_a_system_account_and_issues_it_a_token_that_works(
    client, our_admin, two_areas
):
    response = client.post(
        "/admin/users/new",
        data={
            "kind": "system",
            "full_name": "Testshire social care records system",
            "email": "records@testshire.example",
            "agency_id": str(two_areas["ours"].id),
            "roles": ["social_care"],
        },
    )
    assert response.status_code == 302, page(response)
    system = User.by_email("records@testshire.example")
    assert system.is_system and system.password_hash is None
    assert "System account" in page(client.get("/admin/users"))
    issued = page(client.post(f"/admin/users/{system.id}/tokens", data={"name": "Records system"}))
    token = issued.split('<code id="new-token">')[1].split("</code>")[0]
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_system_account_cannot_be_an_administrator_or_have_a_password(client, our_admin, two_areas):
    response = client.post(
        "/admin/users/new",
        data={
            "kind": "system",
            "full_name": "Overreaching system",
            "email": "over@testshire.example",
            "agency_id": str(two_areas["ours"].id),
            "roles": ["administrator"],
        },
    )
    assert response.status_code == 400
    assert "A system account cannot be an administrator" in page(response)


def test_a_system_account_cannot_sign_in_to_the_web_pages(client, make_user, make_agency):
    # Even one that somehow has a password.
    system = make_user(RoleName.POLICE, account_kind=AccountKind.SYSTEM, password=TEST_PASSWORD)
    response = sign_in(client, system.email)
    assert response.status_code == 400
    assert SIGN_IN_FAILED in page(response)
    assert client.get("/referrals").status_code == 302


def test_a_temporary_password_cannot_be_set_for_a_system_account(client, our_admin, make_user, two_areas):
    system = make_user(
        RoleName.POLICE, agency=two_areas["ours"], account_kind=AccountKind.SYSTEM, password="x" * 12
    )
    response = client.post(f"/admin/users/{system.id}/password", data={"password": "fresh-temporary-99"})
    assert response.status_code == 400
    assert "A system account has no password" in page(response)


def test_a_token_on_a_persons_account_does_not_work(client, make_user):
    person = make_user(RoleName.POLICE)
    _, token = ApiToken.issue(person, "issued before system accounts", None)
    db.session.commit()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
