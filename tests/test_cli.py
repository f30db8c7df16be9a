from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, RoleName, User
from app.sample_data.demo import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import sign_in


def run(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_from_the_command_line(app, make_agency):
    agency = make_agency(name="Eastshire Police")
    result = run(
        app,
        "users",
        "create",
        "--email",
        "cli@eastshire.test",
        "--name",
        "Cli User",
        "--agency",
        "Eastshire Police",
        "--role",
        "police",
        "--role",
        "mash_manager",
        "--password",
        "eastern-temporary-123",
    )
    assert result.exit_code == 0, result.output
    user = User.by_email("cli@eastshire.test")
    assert user.agency == agency
    assert user.role_names == {RoleName.POLICE, RoleName.MASH_MANAGER}
    assert user.must_change_password


def test_users_create_with_unknown_agency_says_so(app):
    result = run(
        app,
        "users",
        "create",
        "--email",
        "x@y.test",
        "--name",
        "X",
        "--agency",
        "Nowhere",
        "--role",
        "police",
        "--password",
        "cli-temporary-123",
    )
    assert result.exit_code != 0
    assert "No agency is called 'Nowhere'" in result.output
    assert User.by_email("x@y.test") is None


def test_users_create_with_bad_role_or_weak_password(app, make_agency):
    make_agency(name="Southshire Police")
    bad_role = run(
        app,
        "users",
        "create",
        "--email",
        "a@b.test",
        "--name",
        "A",
        "--agency",
        "Southshire Police",
        "--role",
        "wizard",
        "--password",
        "cli-temporary-123",
    )
    assert bad_role.exit_code != 0 and "wizard" in bad_role.output
    weak = run(
        app,
        "users",
        "create",
        "--email",
        "a@b.test",
        "--name",
        "A",
        "--agency",
        "Southshire Police",
        "--role",
        "police",
        "--password",
        "short",
    )
    assert weak.exit_code != 0 and "12 characters" in weak.output
    assert User.by_email("a@b.test") is None


def test_demo_load_is_idempotent_and_users_can_sign_in(app, client):
    first = run(app, "demo", "load")
    assert first.exit_code == 0, first.output
    second = run(app, "demo", "load")
    assert "0 agencies created, 0 users created, 0 referrals created" in second.output
    assert db.session.scalar(select(func.count(Agency.id)).where(Agency.name == "Northshire Police")) == 1
    for email, *_ in DEMO_USERS:
        assert sign_in(client, email, DEMO_PASSWORD).status_code == 302, email
        client.post("/sign-out")


def test_demo_load_refused_in_production(app):
    app.config["DEMO_DATA_ALLOWED"] = False
    try:
        result = run(app, "demo", "load")
    finally:
        app.config["DEMO_DATA_ALLOWED"] = True
    assert result.exit_code != 0
    assert "refused in the production configuration" in result.output
    assert User.by_email(DEMO_USERS[0][0]) is None


def test_demo_load_adds_the_fictional_cases_once(app):
    from app.models import Referral

    run(app, "demo", "load")
    references = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    assert len(references) == 6
    # Two contacts come from a school: the disclosure (loaded first) and an overdue backlog entry.
    # Without the order, PostgreSQL may hand back either first.
    school = next(r for r in references if r.referral_source == "2A")
    assert len(school.children) == 4
    assert {t.step for t in school.ready_tasks} == {"triage"}
    run(app, "demo", "load")
    assert db.session.scalar(select(func.count(Referral.id))) == 6
