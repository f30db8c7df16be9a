"""Every endpoint declares who may use it, and the declarations are enforced."""

from __future__ import annotations

from app.models import RoleName
from app.permissions import LANE_ROLES, ROLE_PERMISSIONS, Permission, permissions_for


def test_every_endpoint_declares_its_permission(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access_declaration")
    ]
    assert undeclared == [], f"endpoints without @public, @signed_in or @requires: {undeclared}"


def test_the_walk_would_catch_a_missing_declaration(app):
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/x", "x", lambda: "x")
    assert not hasattr(bare.view_functions["x"], "access_declaration")


def test_public_endpoints_are_only_the_expected_ones(app):
    public = sorted(
        e for e, v in app.view_functions.items() if getattr(v, "access_declaration", "") == "public"
    )
    assert public == [
        "api.openapi",
        "auth.sign_in",
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
