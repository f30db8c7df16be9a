"""`make bench` reads each reply's SQL statements, commits and CPU time from its headers, only when asked."""

from __future__ import annotations

from app import create_app


def test_the_counts_are_in_the_headers_only_when_switched_on(client, monkeypatch, database_url):
    unknown = {"Authorization": "Bearer fd_nonsense"}
    assert "X-SQL-Statements" not in client.get("/api/v1/tasks", headers=unknown).headers

    monkeypatch.setenv("FRONT_DOOR_COUNT_SQL", "1")
    monkeypatch.setenv("DATABASE_URL", database_url)
    counting = create_app("test")
    with counting.app_context(), counting.test_client() as other:
        response = other.get("/api/v1/tasks", headers=unknown)
        assert response.status_code == 401
        # The token was looked up: at least one statement, counted by the request that made it.
        assert int(response.headers["X-SQL-Statements"]) >= 1
        assert int(response.headers["X-SQL-Commits"]) in (0, 1)
        assert float(response.headers["X-CPU-Ms"]) > 0
        from app.extensions import db

        db.engine.dispose()
