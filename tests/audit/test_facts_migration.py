"""Migration 0015 fills the facts of gaps 12 to 15 for the referrals already there, with SQL of
its own, exactly as the app works them out (docs/audit-rules.md, "Adding a gap")."""

from __future__ import annotations

import pytest

from tests.test_migrations import run_script_on, scratch_database

CHECK = """
from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import AuditFacts
from app.sample_data.generate import generate
from tests.audit.dashboard_oracle import assert_facts_are_up_to_date

app = create_app("test")
with app.app_context():
    upgrade()
    planted = generate(120, seed=7, now=datetime(2026, 4, 7, 9, 30, tzinfo=UTC))
    db.session.commit()
    history = ("repeat-missing-no-strategy-discussion", "repeat-no-further-action")
    assert all(planted[slug] for slug in history)
    downgrade(revision="0014")
    upgrade()  # 0015 adds the columns and fills them for the 120 referrals' facts
    assert db.session.scalar(select(func.count()).where(AuditFacts.missing_pattern.is_(True))) > 0
    assert db.session.scalar(select(func.count()).where(AuditFacts.repeat_nfa.is_(True))) > 0
    assert db.session.scalar(select(func.count()).where(AuditFacts.interview_awaited_since.is_not(None))) > 0
    assert db.session.scalar(select(func.count()).where(AuditFacts.match_open_since.is_not(None))) > 0
    assert_facts_are_up_to_date()
print("0015 fills the facts")
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_0015_fills_the_new_facts_as_the_app_works_them_out(app, tmp_path, dialect):
    with scratch_database(tmp_path, dialect) as url:
        result = run_script_on(url, CHECK)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0015 fills the facts" in result.stdout
