from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, AgencyKind, AuditEvent, RoleName, User
from tests.conftest import sign_in


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role", [RoleName.POLICE, RoleName.SOCIAL_CARE, RoleName.HEALTH, RoleName.MASH_MANAGER]
)
@pytest.mark.parametrize(
    "url", ["/admin/users", "/admin/users/new", "/admin/agencies", "/admin/agencies/new"]
)
def test_only_administrators_reach_administration(client, login_as, role, url):
    login_as(role)
    assert client.get(url).status_code == 403
    if url.endswith("/new"):
        assert client.post(url, data={"name": "x", "kind": "police"}).status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_administrator_creates_agency_and_duplicate_name_is_refused(client, login_as):
    admin = login_as(RoleName.ADMINISTRATOR)
    response = client.post(
        "/admin/agencies/new",
        data={"name": "Westshire Police", "kind": "police", "local_authority_area": "Westshire"},
    )
    assert response.status_code == 302
    agency = db.session.scalar(select(Agency).where(Agency.name == "Westshire Police"))
    assert agency.kind is AgencyKind.POLICE
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "agency_saved", AuditEvent.actor_id == admin.id)
    )

    again = client.post("/admin/agencies/new", data={"name": "westshire police", "kind": "police"})
    assert again.status_code == 400
    assert "An agency with this name already exists" in page(again)
    assert (
        db.session.scalar(select(func.count(Agency.id)).where(func.lower(Agency.name) == "westshire police"))
        == 1
    )


def test_agency_form_errors_are_specific(client, login_as):
    login_as(RoleName.ADMINISTRATOR)
    response = client.post("/admin/agencies/new", data={"name": "", "kind": ""})
    assert response.status_code == 400
    html = page(response)
    assert "Enter the agency&#39;s name" in html or "Enter the agency's name" in html
    assert "Select the kind of agency" in html
    assert 'href="#name"' in html


def test_administrator_creates_user_who_must_change_password(client, login_as, make_agency):
    login_as(RoleName.ADMINISTRATOR)
    agency = make_agency(kind=AgencyKind.HEALTH)
    response = client.post(
        "/admin/users/new",
        data={
            "full_name": "Jo Example",
            "email": "Jo.Example@health.test",
            "agency_id": str(agency.id),
            "roles": ["health", "mash_manager"],
            "password": "temporary-pass-123",
        },
    )
    assert response.status_code == 302, page(response)
    user = User.by_email("jo.example@health.test")
    assert user.agency == agency
    assert user.role_names == {RoleName.HEALTH, RoleName.MASH_MANAGER}
    assert user.must_change_password

    client.post("/sign-out")
    sign_in(client, "jo.example@health.test", "temporary-pass-123")
    assert client.get("/").headers["Location"] == "/account/password"


def test_new_user_needs_roles_and_a_valid_email(client, login_as, make_agency):
    login_as(RoleName.ADMINISTRATOR)
    agency = make_agency()
    response = client.post(
        "/admin/users/new",
        data={
            "full_name": "No Roles",
            "email": "not-an-email",
            "agency_id": str(agency.id),
            "password": "temporary-pass-123",
        },
    )
    assert response.status_code == 400
    assert "Select at least one role" in page(response)
    assert "Enter an email address in the correct format" in page(response)
    assert User.by_email("not-an-email") is None


def test_duplicate_email_is_refused(client, login_as, make_user, make_agency):
    login_as(RoleName.ADMINISTRATOR)
    existing = make_user(RoleName.POLICE)
    response = client.post(
        "/admin/users/new",
        data={
            "full_name": "Copy",
            "email": existing.email.upper(),
            "agency_id": str(make_agency().id),
            "roles": ["police"],
            "password": "temporary-pass-123",
        },
    )
    assert response.status_code == 400
    assert "A user with this email address already exists" in page(response)


def test_edit_roles_and_agency(client, login_as, make_user, make_agency):
    login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE)
    new_agency = make_agency(kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "full_name": user.full_name,
            "email": user.email,
            "agency_id": str(new_agency.id),
            "roles": ["social_care"],
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role_names == {RoleName.SOCIAL_CARE}
    assert user.agency == new_agency


def test_a_field_left_out_of_an_edit_is_an_error_not_the_old_value_saved_again(client, login_as, make_user):
    """A field missing from the POST used to keep the record's value, and the page said "saved"."""
    admin = login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE, agency=admin.agency)
    agency = admin.agency
    left_out_kind = client.post(f"/admin/agencies/{agency.id}/edit", data={"name": "Renamed"})
    assert left_out_kind.status_code == 400 and "Select the kind of agency" in page(left_out_kind)
    left_out_name = client.post(
        f"/admin/users/{user.id}/edit",
        data={"email": "renamed@test.example", "agency_id": str(agency.id), "roles": ["police"]},
    )
    assert left_out_name.status_code == 400 and "Enter the person&#39;s full name" in page(left_out_name)
    nothing = client.post(f"/admin/agencies/{agency.id}/edit", data={})
    assert nothing.status_code == 400 and "Enter the agency&#39;s name" in page(nothing)
    db.session.expire_all()
    assert agency.name != "Renamed" and user.email != "renamed@test.example"


def test_deactivate_and_reactivate(client, login_as, make_user):
    admin = login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    db.session.refresh(user)
    assert not user.active
    assert client.post(f"/admin/users/{user.id}/reactivate").status_code == 302
    db.session.refresh(user)
    assert user.active
    own = client.post(f"/admin/users/{admin.id}/deactivate")
    assert own.status_code == 400
    assert "You cannot deactivate your own account" in page(own)


def test_set_temporary_password(client, login_as, make_user):
    login_as(RoleName.ADMINISTRATOR)
    user = make_user(RoleName.POLICE)
    weak = client.post(f"/admin/users/{user.id}/password", data={"password": "short"})
    assert weak.status_code == 400
    assert "Password must be 12 characters or more" in page(weak)
    assert (
        client.post(f"/admin/users/{user.id}/password", data={"password": "fresh-temporary-99"}).status_code
        == 302
    )
    db.session.refresh(user)
    assert user.must_change_password


def test_unknown_user_is_404(client, login_as):
    login_as(RoleName.ADMINISTRATOR)
    response = client.get("/admin/users/999999/edit")
    assert response.status_code == 404
    assert "Page not found" in page(response)
