"""Who takes part in a referral: the MASH's agencies always, a school only when invited,
and then it sees only what it needs. Driven through the real routes as each user."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, AgencyKind, Alert, AlertKind, Involvement, Participation, RoleName, StepRecord
from app.models.referrals import referral_agencies
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps
from tests.timers.test_escalations import run_timers

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def school(make_agency, make_user, mash):
    agency = make_agency(name="Testshire Primary School", kind=AgencyKind.EDUCATION, area="Testshire")
    user = make_user(RoleName.EDUCATION, agency=agency, email="dsl@testshire-primary.example")
    db.session.commit()
    return agency, user


def page(response) -> str:
    return response.get_data(as_text=True)


def taking_part(referral_id: int) -> dict[int, str]:
    rows = db.session.execute(
        select(referral_agencies.c.agency_id, referral_agencies.c.basis).where(
            referral_agencies.c.referral_id == referral_id
        )
    ).all()
    return {agency_id: Participation(basis).value for agency_id, basis in rows}


def invite(client, referral_id: int, agency_id, basis="strategy_discussion", reason="Sees the child daily."):
    return client.post(
        f"/referrals/{referral_id}/invite", data={"agency": str(agency_id), "basis": basis, "reason": reason}
    )


def test_a_school_takes_no_part_in_a_police_notification_until_invited(
    client, clock, mash, school, start_journey
):
    clock.set(NOW)
    agency, teacher = school
    journey = start_journey().to_threshold(rag="red", harm=True)
    referral_id = journey.referral.id
    assert agency.id not in taking_part(referral_id)
    assert {
        a.kind for a in db.session.scalars(select(Agency).where(Agency.id.in_(taking_part(referral_id))))
    } == {
        AgencyKind.POLICE,
        AgencyKind.CHILDRENS_SOCIAL_CARE,
        AgencyKind.HEALTH,
    }

    sign_in(client, teacher.email)
    assert client.get(f"/referrals/{referral_id}").status_code == 403
    assert journey.referral.reference not in page(client.get("/referrals"))
    client.post("/sign-out")

    sign_in(client, mash["social_care"].email)
    form = client.get(f"/referrals/{referral_id}/invite")
    assert form.status_code == 200 and "Testshire Primary School" in page(form)
    assert "Testshire Police" not in page(form)  # the MASH's own take part already
    done = invite(client, referral_id, agency.id, reason="The DSL heard the disclosure.")
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/referrals/{referral_id}#agencies")
    record = client.get(f"/referrals/{referral_id}")
    assert "Invited to the strategy discussion" in page(record) and "The DSL heard the disclosure." in page(
        record
    )
    client.post("/sign-out")

    assert taking_part(referral_id)[agency.id] == "strategy_discussion"
    step = db.session.scalars(select(StepRecord).where(StepRecord.step == "agency_invited")).one()
    assert step.answers["invited_agency"] == "Testshire Primary School"
    alerts = db.session.scalars(select(Alert).where(Alert.user_id == teacher.id)).all()
    assert [a.kind for a in alerts] == [AlertKind.INVITATION]
    assert "Testshire Primary School" not in alerts[0].text and "Alex" not in alerts[0].text

    # The school now sees the referral, but not what the agencies' research found, nor the children's histories.
    sign_in(client, teacher.email)
    shown = client.get(f"/referrals/{referral_id}")
    assert shown.status_code == 200
    text = page(shown)
    assert journey.referral.reference in text
    assert steps.research()["findings"] not in text
    assert "The findings are shared with the MASH partners only." in text
    assert 'id="history"' not in text and "Invite an agency" not in text
    assert journey.referral.reference in page(client.get("/referrals"))
    person_id = db.session.scalar(
        select(Involvement.person_id).where(
            Involvement.referral_id == referral_id, Involvement.role == "child"
        )
    )
    assert client.get(f"/people/{person_id}").status_code == 403
    assert client.get(f"/referrals/{referral_id}/invite").status_code == 403  # schools do not invite
    client.post("/sign-out")

    # The MASH still sees everything.
    sign_in(client, mash["health"].email)
    assert steps.research()["findings"] in page(client.get(f"/referrals/{referral_id}"))


def test_an_invited_school_updates_the_plan_actions_its_kind_owns_and_no_others(
    client, clock, mash, school, start_journey
):
    clock.set(NOW)
    agency, teacher = school
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("assessment_outcome", steps.assessment_outcome())
    plan = steps.plan()
    soon = plan["review_date"]
    plan["actions"].append(
        {
            "description": "Check in with the child each morning",
            "owning_agency_kind": "education",
            "owner": "DSL",
            "due_date": soon,
        }
    )
    journey.do("protective_plan", plan)
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    referral = journey.referral
    ours = next(a for a in referral.plan.actions if a.owning_agency_kind is AgencyKind.EDUCATION)
    police = next(a for a in referral.plan.actions if a.owning_agency_kind is AgencyKind.POLICE)

    sign_in(client, mash["manager"].email)
    assert invite(client, referral.id, agency.id, basis="plan_action").status_code == 302
    client.post("/sign-out")

    sign_in(client, teacher.email)
    record = page(client.get(f"/referrals/{referral.id}"))
    assert f'action="/referrals/{referral.id}/actions/{ours.id}"' in record
    assert f'action="/referrals/{referral.id}/actions/{police.id}"' not in record
    done = client.post(
        f"/referrals/{referral.id}/actions/{ours.id}", data={"status": "in_progress", "note": "Seen."}
    )
    assert done.status_code == 302
    refused = client.post(
        f"/referrals/{referral.id}/actions/{police.id}", data={"status": "done", "note": "x"}
    )
    assert refused.status_code == 403
    db.session.refresh(ours)
    db.session.refresh(police)
    assert ours.status.value == "in_progress" and police.status.value == "not_started"


def test_a_school_that_refers_takes_part_as_the_referrer(client, clock, mash, school):
    clock.set(NOW)
    agency, teacher = school
    sign_in(client, teacher.email)
    contact = steps.notification(
        referral_source="2A", referrer_name="A Teacher", referrer_organisation="School"
    )
    referral = services.create_referral(teacher, contact)
    db.session.commit()
    assert taking_part(referral.id)[agency.id] == "referrer"
    assert taking_part(referral.id)[mash["police"].agency_id] == "mash"
    assert client.get(f"/referrals/{referral.id}").status_code == 200


def test_an_invitation_that_cannot_be_made_says_why_and_saves_nothing(
    client, clock, mash, school, start_journey, make_agency
):
    clock.set(NOW)
    agency, _ = school
    elsewhere = make_agency(name="Otherland School", kind=AgencyKind.EDUCATION, area="Otherland")
    db.session.commit()
    referral_id = start_journey().referral.id
    before = taking_part(referral_id)
    sign_in(client, mash["social_care"].email)
    cases = [
        ({"agency": "", "basis": "plan_action", "reason": "x"}, "Select the agency to invite"),
        ({"agency": str(elsewhere.id), "basis": "plan_action", "reason": "x"}, "not taking part yet"),
        (
            {"agency": str(mash["police"].agency_id), "basis": "plan_action", "reason": "x"},
            "not taking part yet",
        ),
        ({"agency": str(2**31), "basis": "plan_action", "reason": "x"}, "not taking part yet"),
        ({"agency": str(agency.id), "basis": "mash", "reason": "x"}, "Select what the agency is invited for"),
        (
            {"agency": str(agency.id), "basis": "plan_action", "reason": "   "},
            "Enter why the agency is needed",
        ),
        ({"agency": str(agency.id), "basis": "plan_action", "reason": "a\x00b"}, "Why is the agency needed"),
    ]
    for data, message in cases:
        response = client.post(f"/referrals/{referral_id}/invite", data=data)
        assert response.status_code in (400, 422), (data, response.status_code)
        assert message in page(response), (data, message)
    assert taking_part(referral_id) == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(StepRecord).where(StepRecord.step == "agency_invited")
        )
        == 0
    )
    # Once invited, the school is not offered again.
    assert invite(client, referral_id, agency.id).status_code == 302
    again = invite(client, referral_id, agency.id)
    assert again.status_code == 400 and 'id="no-agencies"' in page(again)


def test_the_referral_page_lists_the_agencies_taking_part_and_why(client, clock, mash, school, start_journey):
    clock.set(NOW)
    agency, _ = school
    referral_id = start_journey().referral.id
    sign_in(client, mash["police"].email)
    text = page(client.get(f"/referrals/{referral_id}"))
    assert 'id="agencies"' in text and "Testshire Police (Police force): MASH partner" in text
    assert "Testshire Primary School" not in text
    assert "Invite an agency" not in text  # police do not invite; social care and managers do


def test_the_invited_schools_staff_are_emailed_the_reference_and_a_link_only(
    app, client, clock, mash, school, start_journey, smtp_server
):
    clock.set(NOW)
    agency, teacher = school
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    assert invite(client, journey.referral.id, agency.id).status_code == 302
    assert "1 emails sent" in run_timers(app)
    (message,) = smtp_server.messages
    assert message["To"] == teacher.email
    assert (
        message["Subject"] == f"Your agency is invited to take part in referral {journey.referral.reference}"
    )
    whole = message.as_string()
    assert f"/referrals/{journey.referral.id}" in message.get_payload(decode=True).decode()
    for private in (steps.child()["full_name"], "Fictional", "Sees the child daily.", agency.name):
        assert private not in whole
