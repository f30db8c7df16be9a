"""Every endpoint declares who may use it, and the declarations are enforced."""

from __future__ import annotations

from app.models import RoleName
from app.permissions import LANE_ROLES, ROLE_PERMISSIONS, Permission, permissions_for, requires


def undeclared_endpoints(app) -> list[str]:
    """Endpoints whose view has no @public, @signed_in or @requires."""
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access_declaration")
    )


def test_every_endpoint_declares_its_permission(app):
    assert undeclared_endpoints(app) == [], "endpoints without @public, @signed_in or @requires"


def test_the_walk_finds_a_real_route_without_a_declaration(app):
    """The real app, with one more route that forgot its decorator: the walk must name it."""
    from flask import Blueprint

    from app import create_app

    forgetful = Blueprint("forgetful", __name__)

    @forgetful.route("/referrals/<int:referral_id>/forgotten")
    def forgotten(referral_id: int):
        return "no permission declared"

    @forgetful.route("/declared")
    @requires(Permission.VIEW_REFERRALS)
    def declared():
        return "declared"

    real = create_app("test")
    real.register_blueprint(forgetful)
    assert undeclared_endpoints(real) == ["forgetful.forgotten"]
    assert "referrals.show" in real.view_functions


def test_public_endpoints_are_only_the_expected_ones(app):
    public = sorted(
        e for e, v in app.view_functions.items() if getattr(v, "access_declaration", "") == "public"
    )
    assert public == [
        "api.openapi",
        "auth.session_status",  # how long this browser's session has left, for the timeout warning
        "auth.sign_in",
        "auth.sign_in_code",  # the second step of signing in
        "main.accessibility",
        "main.healthz",
        "main.index",
        "main.privacy",
    ]


def test_every_role_has_permissions_and_every_lane_a_role():
    assert set(ROLE_PERMISSIONS) == set(RoleName)
    assert set(LANE_ROLES) == {"Police", "Social care", "Health", "Manager"}
    assert Permission.MANAGE_USERS not in permissions_for({RoleName.POLICE, RoleName.MASH_MANAGER})
    assert Permission.AUDIT in permissions_for({RoleName.MASH_MANAGER})


def test_navigation_follows_roles(client, login_as):
    login_as(RoleName.ADMINISTRATOR)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in html
    client.post("/sign-out")
    login_as(RoleName.POLICE)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' not in html
