"""Migration 0025: an agency outside the MASH (a school) keeps the referrals it made, as their
referrer, and leaves those it was in only because it was in the area; the MASH's agencies keep
every referral, as MASH partners."""

from __future__ import annotations

import pytest

from tests.test_migrations import run_script_on, scratch_database

CHECK = """
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, update

from app import create_app
from app.extensions import db
from app.models import Agency, AgencyKind, Referral, User
from app.models.referrals import referral_agencies
from app.sample_data.demo import load_demo_data

app = create_app("test")
with app.app_context():
    upgrade()
    load_demo_data()
    db.session.commit()
    school = db.session.scalar(select(Agency).where(Agency.kind == AgencyKind.EDUCATION))
    teacher = User.by_email("school@northshire.example")
    referrals = db.session.scalars(select(Referral.id).order_by(Referral.id)).all()
    made_by_school = referrals[0]
    mash = db.session.execute(select(referral_agencies.c.referral_id, referral_agencies.c.agency_id).where(
        referral_agencies.c.agency_id != school.id)).all()
    school_id, teacher_id = school.id, teacher.id
    db.session.remove()  # the migrations run on a connection of their own
    downgrade(revision="0024")
    # As it was before: every agency of the area in every referral; one referral made at the school.
    already = set(db.session.scalars(
        select(referral_agencies.c.referral_id).where(referral_agencies.c.agency_id == school_id)))
    table = sa.table("referral_agencies", sa.column("referral_id"), sa.column("agency_id"))
    db.session.execute(insert(table), [
        {"referral_id": r, "agency_id": school_id} for r in referrals if r not in already])
    db.session.execute(update(Referral.__table__).where(Referral.id == made_by_school).values(
        created_by_id=teacher_id))
    db.session.commit()
    db.session.remove()
    upgrade()
    rows = db.session.execute(
        select(referral_agencies.c.referral_id, referral_agencies.c.agency_id, referral_agencies.c.basis)).all()
    schools = [(r, basis) for r, agency, basis in rows if agency == school_id]
    assert schools == [(made_by_school, "referrer")], schools
    assert sorted((r, a) for r, a, basis in rows if a != school_id) == sorted(mash)
    assert {basis for r, a, basis in rows if a != school_id} == {"mash"}
print("0025 keeps the referrer and the MASH")
"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_0025_keeps_a_school_in_the_referrals_it_made_only(app, tmp_path, dialect):
    with scratch_database(tmp_path, dialect) as url:
        result = run_script_on(url, CHECK)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0025 keeps the referrer and the MASH" in result.stdout
