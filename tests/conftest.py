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
from datetime import datetime, timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from app import create_app
from app.audit import facts as audit_facts
from app.extensions import db
from app.models import AccountKind, Agency, AgencyKind, Role, RoleName, User
from app.passwords import hash_password
from app.permissions import SECOND_FACTOR_ROLES

TEST_PASSWORD = "correct-horse-battery"


# --- The clock -------------------------------------------------------------
# time-machine moves the process clock itself (datetime.now, time.time and
# Python-side column defaults follow), so nothing in the app is patched.


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--base-time",
        default=None,
        metavar="INSTANT",
        help="Run the whole suite with the clock starting at this ISO 8601 instant with an offset, "
        "e.g. 2026-03-29T00:30:00+00:00 (see make test-dates).",
    )


def parse_base_time(value: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--base-time: {value!r} is not an ISO 8601 date and time") from None
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--base-time: {value!r} has no UTC offset; add one, e.g. +00:00")
    return instant


_BASE_TRAVEL: list = []


def pytest_configure(config) -> None:
    """With --base-time the clock starts at that instant and ticks on, from before
    collection, so module-level dates in tests see it too."""
    value = config.getoption("--base-time", default=None)
    if value:
        traveller = time_machine.travel(parse_base_time(value), tick=True)
        traveller.start()
        _BASE_TRAVEL.append(traveller)


def pytest_unconfigure(config) -> None:
    while _BASE_TRAVEL:
        _BASE_TRAVEL.pop().stop()


class Clock:
    """The test's own clock: `set` freezes it at an instant, `advance` moves it on."""

    def __init__(self) -> None:
        self._traveller = None
        self._coordinates = None

    def set(self, moment: datetime, tick: bool = False) -> datetime:
        if moment.tzinfo is None:
            raise ValueError("give the clock an aware datetime")
        self.stop()
        self._traveller = time_machine.travel(moment, tick=tick)
        self._coordinates = self._traveller.start()
        return moment

    def advance(self, delta: timedelta | None = None, **parts: float) -> None:
        if self._coordinates is None:
            raise RuntimeError("set the clock before advancing it")
        self._coordinates.shift(delta if delta is not None else timedelta(**parts))

    def stop(self) -> None:
        if self._traveller is not None:
            self._traveller.stop()
            self._traveller = self._coordinates = None


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Set the time for one test: ``clock.set(datetime(2026, 3, 10, 12, tzinfo=UTC))``."""
    moving = Clock()
    yield moving
    moving.stop()


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


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production.

    Each test holds an app context open (see db_session), and Flask reuses it for
    the client's requests, so without this `g` would carry one request's signed-in
    user (Flask-Login keeps it in g._login_user) into the next, and into another
    client's. Who is signed in must come from each request's own cookie.
    """

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        if has_app_context():
            for name in list(vars(g)):
                g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    try:
        application = create_app("test")
        application.test_client_class = FreshRequestClient
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL")
    reset_schema(application)
    yield application
    with application.app_context():
        db.engine.dispose()


class RolledBackSession(Session):
    """The session of a test that rolls back; like the app's own, it keeps the audit facts up to date."""


audit_facts.keep_up_to_date(RolledBackSession)


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
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", class_=RolledBackSession)
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def delete_everything() -> None:
    if db.engine.dialect.name == "postgresql":
        # The access log refuses DELETE (a trigger); as superuser the test run may skip triggers.
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
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
    RoleName.EDUCATION: AgencyKind.EDUCATION,
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
        second_factor: bool | None = None,
        account_kind: AccountKind = AccountKind.PERSON,
    ) -> User:
        """A user. Roles that need a second factor get one already set up, unless
        `second_factor=False`; `sign_in` below then enters its code."""
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
            kind=account_kind,
        )
        if second_factor is None:
            second_factor = account_kind is AccountKind.PERSON and bool(set(names) & SECOND_FACTOR_ROLES)
        if second_factor:
            from app.domain.clock import utcnow

            user.totp_secret = pyotp.random_base32()
            user.totp_enabled_at = utcnow()
        db.session.add(user)
        db.session.commit()
        return user

    return make


def system_account_for(user: User) -> User:
    """A system account with this user's agency and roles, as an administrator adds for the
    records system an agency connects through the API (tokens only work for system accounts)."""
    system = User(
        email=f"system.{user.email}",
        full_name=f"{user.agency.name} records system",
        agency=user.agency,
        roles=list(user.roles),
        kind=AccountKind.SYSTEM,
    )
    db.session.add(system)
    db.session.flush()
    return system


def totp_code(user: User) -> str:
    """A code the user's authenticator app would show now, for a time step not used yet."""
    from app.domain.clock import utcnow

    totp = pyotp.TOTP(user.totp_secret)
    now = totp.timecode(utcnow())
    db.session.refresh(user, ["totp_last_step"])
    step = next(s for s in (now - 1, now, now + 1) if user.totp_last_step is None or s > user.totp_last_step)
    return totp.generate_otp(step)


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD, next_url: str | None = None):
    """Sign in as a person would: the password, then (for an account with a second factor)
    the code from their app. Returns the last response."""
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data={"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"] == "/sign-in/code":
        response = client.post("/sign-in/code", data={"code": totp_code(User.by_email(email))})
    return response


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
