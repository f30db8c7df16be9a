"""The audit's area choices (`areas_for`) are exactly the areas of the cases an agency takes part
in, read the quick way: checked against reading every case, for every agency, on generated data
with an agency invited into another area's case and a referrer from outside the MASH."""

from __future__ import annotations

from sqlalchemy import insert, select

from app.audit.scope import areas_for
from app.extensions import db
from app.models import Agency, AgencyKind, Referral
from app.models.referrals import Participation, referral_agencies
from app.sample_data.generate import generate


def areas_read_from_every_case(agency_id: int) -> list[str]:
    query = (
        select(Referral.local_authority_area)
        .join(referral_agencies, referral_agencies.c.referral_id == Referral.id)
        .where(referral_agencies.c.agency_id == agency_id, Referral.local_authority_area.is_not(None))
        .distinct()
    )
    return sorted(db.session.scalars(query))


def test_each_agency_is_offered_the_areas_of_its_cases_and_no_others(make_agency):
    generate(80, seed=4)
    agencies = {a.name: a for a in db.session.scalars(select(Agency))}
    northshire_case = db.session.scalar(
        select(Referral.id).where(Referral.local_authority_area == "Northshire").limit(1)
    )
    # A Southvale school invited into a Northshire case, and an agency with no case at all.
    school = next(
        a
        for a in agencies.values()
        if a.local_authority_area == "Southvale" and a.kind == AgencyKind.EDUCATION
    )
    db.session.execute(
        insert(referral_agencies).values(
            referral_id=northshire_case, agency_id=school.id, basis=Participation.STRATEGY_DISCUSSION
        )
    )
    idle = make_agency(name="An agency with no cases", kind=AgencyKind.POLICE, area="Eastmarch")
    db.session.flush()
    checked = list(db.session.scalars(select(Agency.id)))
    assert len(checked) >= 8
    for agency_id in checked:
        assert areas_for(agency_id) == areas_read_from_every_case(agency_id), agency_id
    assert "Northshire" in areas_for(school.id)
    assert areas_for(idle.id) == []
    police = next(
        a for a in agencies.values() if a.local_authority_area == "Southvale" and a.kind == AgencyKind.POLICE
    )
    assert areas_for(police.id) == ["Southvale"]
    assert areas_for(None) == ["Northshire", "Southvale"]
