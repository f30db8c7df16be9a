"""Counting the SQL statements a piece of code sends, as the database sees them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db


@contextmanager
def recorded_statements() -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, in order (SAVEPOINTs included)."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes_to(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT")) and f" {table}" in s]
