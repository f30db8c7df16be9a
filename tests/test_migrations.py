"""The migrations must build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table

from app.extensions import db

# These read the schema on a connection of their own.
pytestmark = pytest.mark.committing


def schema_differences(metadata: MetaData) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrations_match_the_models(app):
    # `app` built its schema with `flask db upgrade`; nothing may differ.
    assert schema_differences(db.metadata) == []


def test_drift_is_detected(app):
    drifted = MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(drifted)
    Table("not_migrated", drifted, Column("id", Integer, primary_key=True))
    differences = schema_differences(drifted)
    assert any(d[0] == "add_table" and d[1].name == "not_migrated" for d in differences)


def test_one_migration_head(app):
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
