"""One transaction per request, command or job: the only place that commits.

Services change data and flush; they never commit. Whatever the entry point
wrote is committed once, when it has finished without raising, and rolled back
otherwise, so a step's records, its timeline entry and the workflow state are
saved together or not at all.

- Web and API requests: `TransactionalFlask.dispatch_request` wraps every view.
- CLI commands and background jobs: ``with transaction(): ...`` around their work.
- A view that catches a service's refusal and shows the form again runs the call
  ``with savepoint(): ...``, so what the service wrote before refusing is undone
  while the rest of the request (a failed sign-in, say) still commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.typing import ResponseReturnValue

from app.extensions import db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit once if the body returns; roll back if it raises, or if the commit fails."""
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def savepoint() -> Iterator[None]:
    """Run a service call in a SAVEPOINT: if it raises, only its own writes are undone
    and the exception goes on to the caller; if it returns, its writes stay in the
    request's transaction. Changes made before the call are flushed first, so they survive."""
    with db.session.begin_nested():
        yield


class TransactionalFlask(Flask):
    """Commits after the view returns, rolls back if it raises (``abort(403)`` included).

    The commit happens before the response is finalised, so a failed commit
    reaches the error handlers as an exception and the user sees the error
    page, never a page saying that something was saved.
    """

    def dispatch_request(self) -> ResponseReturnValue:
        with transaction():
            return super().dispatch_request()
