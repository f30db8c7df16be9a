"""Relationships and households follow from the referrals, and workers correct them;
social care records flags on a person. All over HTTP, with real referrals."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import AuditEvent, Involvement, Person, PersonFlagChange, PersonRelationship
from tests.conftest import sign_in
from tests.referrals import steps

HOME = "14 Imaginary Close, Northshire NS4 7QT"


def page(response) -> str:
    return response.get_data(as_text=True)


def household_referral(start_journey, **overrides):
    return start_journey(
        children=[
            steps.child("Casey Fictional", date(2015, 6, 12), address=HOME),
            steps.child("Robin Fictional", date(2018, 2, 27), address=HOME),
        ],
        people=[
            {
                "role": "parent_carer",
                "full_name": "Pat Fictional",
                "date_of_birth": date(1990, 1, 15),
                "address": HOME,
            },
            {
                "role": "suspect",
                "full_name": "Dale Example",
                "date_of_birth": date(1988, 9, 3),
                "address": "2 Far Road",
            },
            {
                "role": "victim",
                "full_name": "Pat Fictional",
                "date_of_birth": date(1990, 1, 15),
                "address": HOME,
            },
        ],
        **overrides,
    )


def person(referral, name: str, role: str | None = None) -> Person:
    query = db.session.query(Involvement).filter_by(referral_id=referral.id, full_name=name)
    if role:
        query = query.filter_by(role=role)
    return query.first().person


def test_relationships_and_the_household_follow_from_the_referral(client, start_journey, mash):
    journey = household_referral(start_journey)
    casey = person(journey.referral, "Casey Fictional")
    robin = person(journey.referral, "Robin Fictional")
    parent = person(journey.referral, "Pat Fictional", "parent_carer")
    victim = person(journey.referral, "Pat Fictional", "victim")
    dale = person(journey.referral, "Dale Example")
    sign_in(client, mash["health"].email)
    html = page(client.get(f"/people/{casey.id}"))
    rows = html.split('id="relationship-table"')[1].split("</table>")[0]
    assert f'Child of <a class="govuk-link" href="/people/{parent.id}">Pat Fictional</a>' in rows
    assert f'Sibling of <a class="govuk-link" href="/people/{robin.id}">Robin Fictional</a>' in rows
    assert f'Lives with <a class="govuk-link" href="/people/{robin.id}">' in rows
    assert journey.referral.reference in rows
    # The suspect lives elsewhere: not in the household, and no "lives with".
    household = html.split('id="household-members"')[1].split("</ul>")[0]
    assert "Robin Fictional" in household and "Pat Fictional" in household and "Dale Example" not in household
    assert f"/people/{dale.id}" not in rows
    # Domestic abuse: the victim and the alleged perpetrator are partners.
    victim_page = page(client.get(f"/people/{victim.id}"))
    assert f'Partner of <a class="govuk-link" href="/people/{dale.id}">Dale Example</a>' in victim_page
    # Health reads, but does not correct.
    assert 'id="add-relationship"' not in html and "/remove" not in rows
    assert client.get(f"/people/{casey.id}/relationships/new").status_code == 403


def test_a_worker_removes_a_wrong_relationship_and_adds_a_missing_one(client, start_journey, mash):
    journey = household_referral(start_journey)
    casey = person(journey.referral, "Casey Fictional")
    robin = person(journey.referral, "Robin Fictional")
    dale = person(journey.referral, "Dale Example")
    sign_in(client, mash["social_care"].email)
    url = f"/people/{casey.id}/relationships/sibling_of/{robin.id}/remove"
    # No reason: a clear message, and nothing saved.
    response = client.post(url, data={"reason": "  "})
    assert response.status_code == 400 and "Enter why you are making this change" in page(response)
    assert db.session.query(PersonRelationship).count() == 0
    response = client.post(url, data={"reason": "Cousins, not siblings: school records checked."})
    assert response.status_code == 302
    html = page(client.get(f"/people/{casey.id}"))
    rows = html.split('id="relationship-table"')[1].split("</table>")[0]
    assert "Sibling of" not in rows and "Lives with" in rows
    assert "Cousins, not siblings" in html  # in the list of removed relationships
    # Robin's page agrees: the correction is about the pair.
    assert (
        "Sibling of"
        not in page(client.get(f"/people/{robin.id}"))
        .split("Linked people")[0]
        .split('id="relationships"')[1]
        .split("Relationships removed")[0]
    )

    add = f"/people/{casey.id}/relationships/new"
    form = page(client.get(add))
    assert f'value="{dale.id}"' in form  # people named with Casey are offered
    response = client.post(add, data={"other_id": str(dale.id), "kind": "lives_with", "reason": ""})
    assert response.status_code == 400 and "Enter why you are making this change" in page(response)
    response = client.post(add, data={"other_id": "999999", "kind": "lives_with", "reason": "Seen there."})
    assert response.status_code == 400 and "Choose who the person is related to" in page(response)
    response = client.post(add, data={"other_id": str(dale.id), "kind": "cousin_of", "reason": "Seen there."})
    assert response.status_code == 400 and "Select how they are related" in page(response)
    assert db.session.query(PersonRelationship).filter_by(ended=False).count() == 0
    response = client.post(
        add,
        data={
            "other_id": str(dale.id),
            "kind": "lives_with",
            "reason": "Health visitor saw him living there.",
        },
    )
    assert response.status_code == 302
    html = page(client.get(f"/people/{casey.id}"))
    assert "Dale Example" in html.split('id="household-members"')[1].split("</ul>")[0]
    assert "Health visitor saw him living there." in html
    kinds = {e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("relationship_%"))}
    assert kinds == {"relationship_ended", "relationship_added"}
    # Police read the corrected record but cannot change it.
    client.post("/sign-out")
    sign_in(client, mash["police"].email)
    assert client.post(url, data={"reason": "Try"}).status_code == 403
    assert "Dale Example" in page(client.get(f"/people/{casey.id}")).split('id="household-members"')[1]


def test_social_care_records_flags_with_a_reason_and_bad_flags_are_refused(client, start_journey, mash):
    journey = household_referral(start_journey)
    casey = person(journey.referral, "Casey Fictional")
    dale = person(journey.referral, "Dale Example")
    sign_in(client, mash["social_care"].email)
    url = f"/people/{casey.id}/flags"
    for data, message in (
        ({"flags": ["child_protection_plan"], "reason": ""}, "Enter why you are making this change"),
        ({"flags": ["registered_sex_offender"], "reason": "Told by police."}, "is recorded for adults only"),
        (
            {"flags": ["not_a_flag"], "reason": "Told by police."},
            "Choose only the flags listed: Child protection plan",
        ),
        ({"reason": "Nothing changes."}, "The flags are already as you chose"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 400 and message in page(response), data
    db.session.refresh(casey)
    assert casey.flags == [] and db.session.query(PersonFlagChange).count() == 0
    response = client.post(
        url, data={"flags": ["child_protection_plan"], "reason": "ICPC on 1 March: plan made."}
    )
    assert response.status_code == 302
    db.session.refresh(casey)
    assert casey.child_protection_plan and casey.flags == ["Child protection plan"]
    html = page(client.get(f"/people/{casey.id}"))
    assert "ICPC on 1 March: plan made." in html and mash["social_care"].full_name in html
    # The flag reaches the decision pages' history, for the next referral about Casey.
    assert (
        client.post(
            f"/people/{dale.id}/flags", data={"flags": ["looked_after"], "reason": "Wrong person."}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/people/{dale.id}/flags",
            data={"flags": ["registered_sex_offender"], "reason": "Police: registered 2019."},
        ).status_code
        == 302
    )
    client.post("/sign-out")
    sign_in(client, mash["health"].email)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"reason": "x"}).status_code == 403
    assert "Registered sex offender" in page(client.get(f"/people/{dale.id}"))


def test_a_correction_follows_a_merged_record_and_goes_back_with_the_unmerge(client, start_journey, mash):
    from app.models import PossibleMatch
    from app.people import services

    first = household_referral(start_journey)
    casey = person(first.referral, "Casey Fictional")
    later = start_journey(
        children=[steps.child("Kasey Fictionall", date(2015, 6, 12), address="1 Other Road")],
        people=[{"role": "household_member", "full_name": "Lee Lodger", "address": "1 Other Road"}],
    )
    kasey = person(later.referral, "Kasey Fictionall")
    lee = person(later.referral, "Lee Lodger")
    sign_in(client, mash["social_care"].email)
    url = f"/people/{kasey.id}/relationships/lives_with/{lee.id}/remove"
    assert client.post(url, data={"reason": "Lee moved out in May."}).status_code == 302
    match = (
        db.session.query(PossibleMatch).filter_by(referral_id=later.referral.id, candidate_id=casey.id).one()
    )
    merge = services.confirm_match(mash["social_care"], match)
    db.session.commit()
    html = page(client.get(f"/people/{casey.id}"))
    rows = html.split('id="relationship-table"')[1].split("</table>")[0]
    assert "Robin Fictional" in rows and "Lee Lodger" not in rows  # the removal followed the merge
    assert "Lee moved out in May." in html
    services.unmerge(mash["social_care"], merge)
    db.session.commit()
    html = page(client.get(f"/people/{casey.id}"))
    assert "Lee moved out in May." not in html and "Lee Lodger" not in html
    assert "Lee moved out in May." in page(client.get(f"/people/{kasey.id}"))
