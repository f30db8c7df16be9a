"""Engine settings that make SQLite behave like the production database where it matters."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event

from app.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, manage transactions so that
        # SAVEPOINTs work, and enforce foreign keys as PostgreSQL does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # Take the write lock at the start: SQLite ignores SELECT ... FOR
        # UPDATE, and two writers that both read first would deadlock.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
