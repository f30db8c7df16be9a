"""Finding people and reading their page over HTTP, as the right and the wrong people."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.models import Involvement
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps


def page(response) -> str:
    return response.get_data(as_text=True)


def person_of(referral):
    return db.session.query(Involvement).filter_by(referral_id=referral.id, role="child").one().person


def test_search_finds_a_child_by_a_misspelt_name_a_swapped_date_and_an_nhs_number(
    client, start_journey, mash
):
    journey = start_journey(
        children=[steps.child("Casey Fictional", date(2013, 3, 4), nhs_number="9434765919")]
    )
    start_journey(children=[steps.child("Morgan Example", date(2010, 7, 21))])
    person = person_of(journey.referral)
    sign_in(client, mash["social_care"].email)
    for q in ("Kasey Fictionl", "fictional casey", "4/3/2013", "3 4 2013", "2013-04-03", "943 476 5919"):
        response = client.get("/people", query_string={"q": q})
        assert response.status_code == 200, q
        html = page(response)
        assert f'href="/people/{person.id}"' in html, q
        assert "Morgan Example" not in html, q


def test_search_never_shows_people_from_referrals_the_user_may_not_see(client, start_journey, mash):
    mine = person_of(start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))]).referral)
    # The same name in another area, recorded by that area's police.
    other_police = mash["outsider"]
    theirs = services.create_referral(
        other_police, steps.notification(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    )
    db.session.commit()
    sign_in(client, other_police.email)
    html = page(client.get("/people", query_string={"q": "Casey Fictional"}))
    assert f'href="/people/{person_of(theirs).id}"' in html
    assert f'href="/people/{mine.id}"' not in html
    assert client.get(f"/people/{mine.id}").status_code == 403
    assert client.get("/people/999999").status_code == 403


def test_a_bad_search_gets_a_specific_message(client, mash):
    sign_in(client, mash["social_care"].email)
    response = client.get("/people", query_string={"q": "31/2/2013"})
    assert response.status_code == 400
    assert "That is not a real date" in page(response)


def test_the_person_page_shows_the_chronology_oldest_first_and_the_childs_words(client, start_journey, mash):
    first = start_journey(
        incident_type="missing",
        dash_level=None,
        children=[steps.child("Casey Fictional", nhs_number="9434765919", voice="I stayed at a friend's.")],
    )
    second = start_journey(
        children=[steps.child("Casey Fictional", nhs_number="9434765919", voice="Mum was crying.")]
    )
    person = person_of(second.referral)
    assert person.id == person_of(first.referral).id
    sign_in(client, mash["health"].email)
    html = page(client.get(f"/people/{person.id}"))
    assert html.index(first.referral.reference) < html.index(second.referral.reference)
    assert "I stayed at a friend" in html and "Mum was crying." in html
    assert "Missing" in html and "Domestic abuse" in html
