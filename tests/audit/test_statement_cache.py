"""The statements every commit or page sends are cached by SQLAlchemy once compiled: one whose
cache key cannot be made is compiled afresh each time (the audit facts upsert cost 13 ms of
each task completion that way)."""

from __future__ import annotations

import pytest

from app.audit.facts import _refresh_statements
from app.audit.gaps import GAPS


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_audit_facts_statements_can_be_cached(app, dialect):
    lock, write = _refresh_statements(dialect)
    assert lock._generate_cache_key() is not None
    assert write._generate_cache_key() is not None


def test_every_gaps_facts_can_be_cached(app):
    for gap in GAPS:
        for column in gap.facts:
            assert column.expression()._generate_cache_key() is not None, (gap.slug, column.name)
