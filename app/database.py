"""Engine settings that make SQLite behave like the production database where it matters."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from app.extensions import db

BUSY_TIMEOUT_MS = 30_000


def _is_file(engine) -> bool:
    database = engine.url.database
    return bool(database) and database != ":memory:" and not database.startswith("file::memory:")


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        _configure_postgresql(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, manage transactions so that
        # SAVEPOINTs work, and enforce foreign keys as PostgreSQL does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # Every request writes (the access log at least) and takes the write lock at its start,
        # so under load requests queue for it: wait long enough that they are served, not failed.
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if _is_file(engine):
            # Readers never wait for the writer, and a commit is not a full sync of the file.
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Take the write lock at the start: SQLite ignores SELECT ... FOR
        # UPDATE, and two writers that both read first would deadlock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure_postgresql(engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # No JIT compilation: PostgreSQL compiles a query to machine code when its estimated
        # cost is high, and for the audit's aggregates over every case (dozens of CASE
        # expressions) compiling took longer than running: the dashboard at 1,000,000
        # referrals took 3.8 s with it and 1.3 s without. Our queries are short or one-off.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()
