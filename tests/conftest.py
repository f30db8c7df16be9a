"""Shared fixtures.

The schema is built once per run by the real migrations. Each test then runs
inside a transaction on one connection, with the session using SAVEPOINTs, and
everything is rolled back afterwards: tests never see each other's data.

DATABASE_URL selects the database (PostgreSQL in CI's second pass); without it
a temporary SQLite file is used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.extensions import db
from app.models import Agency, AgencyKind, Role, RoleName, User
from app.passwords import hash_password

TEST_PASSWORD = "correct-horse-battery"


def reset_schema(app: Flask) -> None:
    """Drop everything, then build the schema with the real migrations."""
    from flask_migrate import upgrade
    from sqlalchemy import MetaData, text

    with app.app_context():
        with db.engine.begin() as connection:
            existing = MetaData()
            existing.reflect(bind=connection)
            existing.drop_all(bind=connection)
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        application = create_app("test")
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL")
    reset_schema(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(app: Flask, request) -> Iterator:
    """Every test in its own transaction, rolled back at the end."""
    if request.node.get_closest_marker("committing"):
        # Tests that need real commits (browser, concurrency) clean up themselves.
        with app.app_context():
            yield db.session
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy Session: Flask-SQLAlchemy's own one would route
        # queries to the engine and ignore the connection we bind here.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", class_=Session)
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def delete_everything() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def committed_db(app: Flask):
    """Real commits, seen by other threads and connections; emptied before and after.
    Use with @pytest.mark.committing."""
    with app.app_context():
        delete_everything()
        yield db.session
        db.session.rollback()
        delete_everything()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_agency() -> Callable[..., Agency]:
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None, kind: AgencyKind = AgencyKind.CHILDRENS_SOCIAL_CARE, area: str = "Testshire"
    ) -> Agency:
        agency = Agency(name=name or f"Test agency {next(counter)}", kind=kind, local_authority_area=area)
        db.session.add(agency)
        # Inside the test's transaction this only releases a SAVEPOINT, so a
        # rollback in the code under test cannot undo the test's own set-up.
        db.session.commit()
        return agency

    return make


ROLE_AGENCY_KIND = {
    RoleName.POLICE: AgencyKind.POLICE,
    RoleName.SOCIAL_CARE: AgencyKind.CHILDRENS_SOCIAL_CARE,
    RoleName.HEALTH: AgencyKind.HEALTH,
    RoleName.MASH_MANAGER: AgencyKind.CHILDRENS_SOCIAL_CARE,
    RoleName.AUDITOR: AgencyKind.CHILDRENS_SOCIAL_CARE,
    RoleName.ADMINISTRATOR: AgencyKind.CHILDRENS_SOCIAL_CARE,
}

_PASSWORD_HASHES: dict[str, str] = {}


@pytest.fixture
def make_user(app: Flask, make_agency) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        *roles: RoleName | str,
        agency: Agency | None = None,
        email: str | None = None,
        password: str = TEST_PASSWORD,
        active: bool = True,
        must_change_password: bool = False,
    ) -> User:
        names = [RoleName(r) for r in roles] or [RoleName.SOCIAL_CARE]
        if agency is None:
            kind = ROLE_AGENCY_KIND[names[0]]
            agency = db.session.scalar(select(Agency).where(Agency.kind == kind).limit(1)) or make_agency(
                kind=kind
            )
        if password not in _PASSWORD_HASHES:
            _PASSWORD_HASHES[password] = hash_password(password)
        user = User(
            email=email or f"user{next(counter)}.{names[0].value}@test.example",
            full_name=f"Test {names[0].label} {next(counter)}",
            agency=agency,
            roles=[Role.get_or_create(n) for n in names],
            password_hash=_PASSWORD_HASHES[password],
            active=active,
            must_change_password=must_change_password,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD, next_url: str | None = None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


@pytest.fixture
def login_as(client: FlaskClient, make_user) -> Callable[..., User]:
    """Sign the test client in as a new user with the given roles."""

    def login(*roles: RoleName | str, **kwargs) -> User:
        user = make_user(*roles, **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
