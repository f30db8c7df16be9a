"""The migrations must build exactly the schema the models describe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, text

from app.extensions import db

# These read the schema on a connection of their own.
pytestmark = pytest.mark.committing


def schema_differences(metadata: MetaData) -> list:
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection cannot read an index on an expression (the inbox's order); it says
        # so and leaves it out, and autogenerate leaves the model's out too. PostgreSQL compares it.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
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


# --- A new gap: one module and one migration ------------------------------------

ROOT = Path(__file__).resolve().parent.parent

# A gap as docs/audit-rules.md says to add one, with a facts column of its own.
TEST_ONLY_GAP = '''
"""Gap 17 (tests only): open domestic abuse notifications at high DASH risk."""

from sqlalchemy import Boolean, and_

from app.audit.gaps.gap import FactsColumn, Gap
from app.audit.gaps.owners import POLICE, owner_if
from app.audit.gaps.queries import flag, gap_row, referral_columns
from app.extensions import db
from app.models import Notification, Referral, ReferralStatus


def rows(scope, brief=False):
    query = (
        referral_columns(scope)
        .join(Notification, Notification.referral_id == Referral.id)
        .where(Notification.dash_level == "high", Referral.status == ReferralStatus.OPEN)
    )
    return [gap_row(r, [POLICE], "" if brief else "High risk") for r in db.session.execute(query)]


FACTS = (FactsColumn("test_only_high_risk", Boolean, lambda: flag(Notification.dash_level == "high")),)


def owner_bits(f, scope):
    return owner_if(and_(f.test_only_high_risk.is_(True), f.is_open.is_(True)), POLICE)


GAP = Gap(
    number=17,  # one after the last gap of docs/audit-rules.md
    slug="test-only-high-risk",
    title="High-risk domestic abuse (tests only)",
    counts="Open notifications at high DASH risk.",
    owners=(POLICE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
)
'''

# Its migration: the column, filled for the facts already there with SQL of its own.
TEST_ONLY_MIGRATION = '''
"""test-only gap: high-risk domestic abuse"""

from alembic import op
import sqlalchemy as sa

revision = "test_only_gap"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_facts") as batch_op:
        batch_op.add_column(sa.Column("test_only_high_risk", sa.Boolean(), nullable=True))
    facts = sa.table("audit_facts", sa.column("referral_id"), sa.column("test_only_high_risk"))
    notifications = sa.table("notifications", sa.column("referral_id"), sa.column("dash_level"))
    high = sa.exists().where(
        notifications.c.referral_id == facts.c.referral_id, notifications.c.dash_level == "high"
    )
    op.execute(facts.update().values(test_only_high_risk=sa.case((high, True), else_=False)))
    with op.batch_alter_table("audit_facts") as batch_op:
        batch_op.alter_column("test_only_high_risk", existing_type=sa.Boolean(), nullable=False)


def downgrade():
    with op.batch_alter_table("audit_facts") as batch_op:
        batch_op.drop_column("test_only_high_risk")
'''

# Run in the copy of the project, in a process of its own (the gap registry is global).
CHECK = """
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.audit.gaps import GAPS, case_ids
from app.audit.scope import AuditScope
from app.domain.clock import utcnow
from app.extensions import db
from app.models import Agency, AgencyKind, Role, RoleName, User
from app.referrals import services
from tests.audit.dashboard_oracle import assert_agrees_now_and_later, assert_facts_are_up_to_date
from tests.referrals import steps

head_before = sys.argv[1]
app = create_app("test")
with app.app_context():
    upgrade()  # from empty, through 0007 and the new migration
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == [], "the migrations and the models differ"
    assert [g.number for g in GAPS] == list(range(1, len(GAPS) + 1)), [g.slug for g in GAPS]
    assert GAPS[-1].slug == "test-only-high-risk"

    police = Agency(name="Test Police", kind=AgencyKind.POLICE, local_authority_area="Testshire")
    officer = User(
        email="officer@test.example",
        full_name="Test Officer",
        agency=police,
        roles=[Role.get_or_create(RoleName.POLICE)],
        password_hash="not-used",
    )
    db.session.add_all([police, officer])
    db.session.commit()
    high = services.create_referral(officer, steps.notification(dash_level="high"))
    services.create_referral(officer, steps.notification(dash_level="medium"))
    db.session.commit()
    assert case_ids("test-only-high-risk", AuditScope.everything()) == {high.id}
    assert_agrees_now_and_later(utcnow())  # the dashboard counts it as the list lists it

    # The migration fills the column in for facts already written.
    db.session.rollback()  # the checks' transaction holds SQLite's write lock
    downgrade(revision=head_before)
    upgrade()
    assert_facts_are_up_to_date()
    assert_agrees_now_and_later(utcnow())
print("a new gap works with one module and one migration")
"""


@contextmanager
def scratch_database(tmp_path: Path, dialect: str) -> Iterator[str]:
    """An empty database of its own: a file on SQLite, a database made for the test on PostgreSQL."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'from-empty.sqlite'}"
        return
    if db.engine.dialect.name != "postgresql":
        pytest.skip("runs on PostgreSQL when the suite does (DATABASE_URL)")
    name = f"front_door_from_empty_{os.getpid()}"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield db.engine.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))


def run_script_on(url: str, script: str) -> subprocess.CompletedProcess:
    """Run a check in a Python process of its own against the database at ``url``; the migrations
    then run on its connections, not the test's."""
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_new_gap_needs_one_module_and_one_migration(app, tmp_path, dialect):
    """Add a gap the documented way, in a copy of the project: one module in app/audit/gaps/
    with a new facts column, and one migration. A database then builds from empty through
    every migration (0007 fills the facts as they were at 0007, whatever the models say now),
    the schema matches the models, and the dashboard counts the new gap as its list lists it."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    head = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config()
    ).get_current_head()
    project = tmp_path / "project"
    for folder in ("app", "migrations", "workflows"):
        shutil.copytree(
            ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__", "static")
        )
    shutil.copy(ROOT / "config.py", project / "config.py")
    (project / "app" / "audit" / "gaps" / "test_only_high_risk.py").write_text(TEST_ONLY_GAP)
    (project / "migrations" / "versions" / "9999_test_only_gap.py").write_text(
        TEST_ONLY_MIGRATION.format(head=head)
    )
    with scratch_database(tmp_path, dialect) as url:
        result = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", CHECK, head],
            cwd=project,
            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": os.pathsep.join([str(project), str(ROOT)])},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "a new gap works" in result.stdout
