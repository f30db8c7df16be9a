"""The timer worker's loop: it waits for a database that went away, and logs no personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.extensions import db
from app.timers import worker


def test_a_lost_database_is_waited_for_with_backoff_and_the_loop_goes_on():
    calls, sleeps = [], []

    def flaky_pass():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError(
                "SELECT * FROM referrals WHERE id = %(id)s",
                {"id": 7},
                Exception("server closed the connection unexpectedly\nmore"),
            )
        return worker.PassReport()

    assert worker.run_loop(5, passes=2, run=flaky_pass, sleep=sleeps.append) == 2
    assert len(calls) == 4
    assert sleeps == [
        10.0,
        20.0,
        5,
    ]  # backed off twice, then the normal interval between passes


def test_a_database_error_is_described_without_its_sql_or_parameters():
    error = OperationalError(
        "UPDATE children SET full_name = %(name)s", {"name": "Alex Fictional"}, Exception("boom")
    )
    described = worker.describe_database_error(error)
    assert described == "Exception: boom"
    assert "Alex" not in described and "children" not in described


@pytest.mark.committing
def test_the_worker_survives_its_connection_being_killed(app, committed_db):
    """A database restart, as the worker sees it: its connection is gone. (PostgreSQL only.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no server to lose")
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # the connection goes back to the pool, still open
    killer = create_engine(db.engine.url, poolclass=NullPool)  # not a connection from the app's pool
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    killer.dispose()
    sleeps = []
    assert worker.run_loop(0.1, passes=1, sleep=sleeps.append) == 1
    assert sleeps and sleeps[0] >= 1  # it waited before trying again
