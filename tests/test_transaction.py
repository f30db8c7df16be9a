"""One transaction per request, command or job (app/transaction.py).

These run with real commits and look at the database through a new
connection afterwards, so they see only what was really committed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Blueprint, Flask, abort
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models import Agency, AgencyKind
from app.permissions import public
from app.referrals.services import StepInvalid
from app.transaction import savepoint, transaction
from config import load_config, normalise_database_url

pytestmark = pytest.mark.committing


def _agency(name: str) -> Agency:
    return Agency(name=name, kind=AgencyKind.POLICE, local_authority_area="Probeshire")


def probe_views() -> Blueprint:
    probe = Blueprint("probe", __name__)

    @probe.post("/probe/returns")
    @public
    def returns():
        db.session.add(_agency("Returned"))
        return "Saved"

    @probe.post("/probe/raises-after-flush")
    @public
    def raises_after_flush():
        db.session.add(_agency("Raised"))
        db.session.flush()
        raise RuntimeError("something went wrong after the flush")

    @probe.post("/probe/aborts-after-flush")
    @public
    def aborts_after_flush():
        db.session.add(_agency("Aborted"))
        db.session.flush()
        abort(403)

    @probe.post("/probe/commit-fails")
    @public
    def commit_fails():
        db.session.add(_agency("Already there"))  # the unique name fails only at the commit's flush
        return "Saved"

    @probe.post("/probe/refused")
    @public
    def refused():
        db.session.add(_agency("Before the service"))
        try:
            with savepoint():
                db.session.add(_agency("Written by the service"))
                db.session.flush()
                raise StepInvalid({"name": "The service refused"})
        except StepInvalid as error:
            return str(error), 400
        return "Saved"

    return probe


@pytest.fixture(scope="module")
def probe_app(database_url: str) -> Iterator[Flask]:
    """The real app (same database) with a few extra views that write and then fail, or not."""
    config = load_config("test")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
    application = create_app(config)
    application.register_blueprint(probe_views())
    yield application
    with application.app_context():
        db.engine.dispose()


def saved_agency_names(application: Flask) -> set[str]:
    """What another connection sees: only what was committed."""
    with application.app_context(), db.engine.connect() as connection:
        return set(connection.scalars(select(Agency.name)))


def test_a_view_that_returns_commits(probe_app, committed_db):
    response = probe_app.test_client().post("/probe/returns")
    assert response.status_code == 200
    assert saved_agency_names(probe_app) == {"Returned"}


def test_a_view_that_raises_after_a_flush_leaves_nothing_written(probe_app, committed_db):
    response = probe_app.test_client().post("/probe/raises-after-flush")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)
    assert saved_agency_names(probe_app) == set()


def test_an_abort_after_a_flush_leaves_nothing_written(probe_app, committed_db):
    assert probe_app.test_client().post("/probe/aborts-after-flush").status_code == 403
    assert saved_agency_names(probe_app) == set()


def test_a_failed_commit_shows_the_error_page_not_the_success_page(probe_app, committed_db):
    committed_db.add(_agency("Already there"))
    committed_db.commit()
    response = probe_app.test_client().post("/probe/commit-fails")
    assert response.status_code == 500
    assert "Saved" not in response.get_data(as_text=True)
    assert saved_agency_names(probe_app) == {"Already there"}


def test_a_refused_service_call_is_undone_and_the_rest_of_the_request_commits(probe_app, committed_db):
    response = probe_app.test_client().post("/probe/refused")
    assert response.status_code == 400
    assert saved_agency_names(probe_app) == {"Before the service"}


def test_a_command_or_job_commits_once_if_it_returns_and_keeps_nothing_if_it_raises(app, committed_db):
    with transaction():
        db.session.add(_agency("Committed by a command"))
    with pytest.raises(RuntimeError), transaction():
        db.session.add(_agency("Raised in a command"))
        db.session.flush()
        raise RuntimeError("the command failed")
    assert saved_agency_names(app) == {"Committed by a command"}
