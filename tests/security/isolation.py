"""Each cell of the matrix and each fuzzed example runs inside a SAVEPOINT that is rolled back
afterwards, so no request changes what the next one sees (a sign-out, a deactivated user, a
completed task).

The savepoint is made in SQL on the test's connection, below SQLAlchemy: the app's session
makes and releases its own savepoints inside it (join_transaction_mode="create_savepoint"),
and SQLAlchemy's bookkeeping of a nested transaction begun outside the session would
otherwise release the wrong one when the request commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db


@contextmanager
def rolled_back(client: FlaskClient) -> Iterator[None]:
    connection = db.session.get_bind()
    db.session.remove()
    connection.execute(text("SAVEPOINT attack"))
    cookies = dict(client._cookies)  # a sign-out must not sign the client out of the next request
    try:
        yield
    finally:
        db.session.remove()
        connection.execute(text("ROLLBACK TO SAVEPOINT attack"))
        connection.execute(text("RELEASE SAVEPOINT attack"))
        client._cookies.clear()
        client._cookies.update(cookies)
