"""SQL statements, commits and CPU time per request, as response headers, for `make bench`.

Off unless COUNT_SQL is set (FRONT_DOOR_COUNT_SQL=1 in the environment): the
benchmark reads `X-SQL-Statements`, `X-SQL-Commits` and `X-CPU-Ms` from each
reply, so that the figures come from the real request path under gunicorn, auth
included. The CPU time is the worker process's, so it is the request's own under
sync workers (one request at a time per process).
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def _statement(*_args) -> None:
    if has_request_context():
        g.sql_statements = g.get("sql_statements", 0) + 1


def _commit(*_args) -> None:
    if has_request_context():
        g.sql_commits = g.get("sql_commits", 0) + 1


def init_app(app: Flask) -> None:
    if not app.config.get("COUNT_SQL"):
        return
    if not event.contains(Engine, "before_cursor_execute", _statement):
        event.listen(Engine, "before_cursor_execute", _statement)
        event.listen(Engine, "commit", _commit)

    @app.before_request
    def start_clock() -> None:
        g.cpu_started = time.process_time()

    @app.after_request
    def counts(response: Response) -> Response:
        if "cpu_started" in g:
            response.headers["X-CPU-Ms"] = f"{(time.process_time() - g.cpu_started) * 1000:.2f}"
        response.headers["X-SQL-Statements"] = str(g.get("sql_statements", 0))
        response.headers["X-SQL-Commits"] = str(g.get("sql_commits", 0))
        return response
