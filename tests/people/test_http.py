"""Finding people and reading their page over HTTP, as the right and the wrong people."""

from __future__ import annotations

from datetime import date, timedelta

from app.domain.clock import london_today
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


def test_the_threshold_page_shows_the_real_history_of_earlier_referrals(client, start_journey, mash):
    """Driven through the real route with real earlier referrals: fails if the page shows none."""
    casey = steps.child("Casey Fictional", nhs_number="9434765919")
    earlier = [start_journey(children=[casey], incident_type="other", dash_level=None) for _ in range(3)]
    journey = start_journey(children=[casey], incident_type="other", dash_level=None)
    journey.to_threshold(rag="green")
    task_id = journey.ready()["threshold_decision"]
    sign_in(client, mash["social_care"].email)
    html = page(client.get(f"/referrals/{journey.referral.id}/tasks/{task_id}"))
    assert "No earlier referrals" not in html
    assert "3 earlier referrals about Casey Fictional" in html
    for old in earlier:
        assert f'href="/referrals/{old.referral.id}"' in html and old.referral.reference in html
    assert "R11: 3 or more earlier notifications" in html
    # The history comes before the decision's Save button.
    assert html.index("3 earlier referrals") < html.index("Save and continue")


def test_a_possible_match_confirmed_at_triage_reaches_the_threshold_page(client, start_journey, mash):
    first = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    journey = start_journey(children=[steps.child("Kasey Fictionl", date(2013, 4, 3))])
    triage_url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    sign_in(client, mash["social_care"].email)
    html = page(client.get(triage_url))
    assert "1 possible match to people already known" in html
    match_id = int(html.split('id="match-')[1].split("-same")[0])
    response = client.post(
        f"/referrals/{journey.referral.id}/possible-matches/{match_id}",
        data={"answer": "same", "next_url": triage_url},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(triage_url)
    html = page(client.get(triage_url))
    assert "possible match" not in html
    assert "1 earlier referral about Kasey Fictionl" in html and first.referral.reference in html
    assert person_of(journey.referral).id == person_of(first.referral).id


def test_only_those_who_link_people_can_resolve_a_match(client, start_journey, mash):
    start_journey(children=[steps.child("Casey Fictional")])
    journey = start_journey(children=[steps.child("Casey Fictionl")])
    from app.models import PossibleMatch

    match = db.session.query(PossibleMatch).filter_by(referral_id=journey.referral.id).one()
    sign_in(client, mash["police"].email)
    url = f"/referrals/{journey.referral.id}/possible-matches/{match.id}"
    assert client.post(url, data={"answer": "same"}).status_code == 403
    db.session.refresh(match)
    assert match.status.value == "open"


def test_the_api_records_the_adults_named_and_links_a_known_suspect_by_nhs_number(client, mash):
    from app.models import Person
    from tests.referrals.test_http import token_for

    headers = token_for(mash["police"])

    def notify(child_name: str) -> int:
        payload = {
            "incident_type": "domestic_abuse",
            "dash_level": "standard",
            "occurred_date": (london_today() - timedelta(days=1)).isoformat(),
            "occurred_time": "22:40",
            "location": "1 Imaginary Road",
            "description": "Shouting reported by a neighbour.",
            "immediate_action": "Suspect left the address.",
            "children": [
                {
                    "full_name": child_name,
                    "date_of_birth": "2016-05-05",
                    "sex": "1",
                    "address": "1 Imaginary Road",
                    "present": True,
                    "spoken_to": True,
                    "voice": "I hid upstairs.",
                    "demeanour": "Calm.",
                }
            ],
            "people": [
                {"role": "suspect", "full_name": "Dale Example", "nhs_number": "9434765919"},
                {"role": "parent_carer", "full_name": "Pat Example", "address": "1 Imaginary Road"},
            ],
        }
        response = client.post("/api/v1/notifications", json=payload, headers=headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    first = notify("Robin Example")
    second = notify("Sam Other")
    roles = {
        (inv.referral_id, inv.role.value, inv.full_name)
        for inv in db.session.query(Involvement).filter(Involvement.role != "child")
    }
    assert (first, "suspect", "Dale Example") in roles and (second, "parent_carer", "Pat Example") in roles
    suspects = db.session.query(Person).filter_by(nhs_number="9434765919").all()
    assert len(suspects) == 1  # the same suspect, linked by NHS number


def test_search_finds_a_referral_by_its_reference_and_people_by_postcode_and_address(
    client, start_journey, mash
):
    moved = steps.child("Casey Fictional", date(2013, 3, 4), address="3 Former Street, Northshire NS1 2AB")
    first = start_journey(children=[moved])
    # The same child later, by NHS number, at a new address: the old one still finds them.
    start_journey(
        children=[steps.child("Casey Fictional", date(2013, 3, 4), address="9 New Road, Northshire NS9 9ZZ")]
    )
    person = person_of(first.referral)
    other = start_journey(
        children=[steps.child("Morgan Example", date(2010, 7, 21), address="5 Elsewhere Lane")]
    )
    sign_in(client, mash["health"].email)
    reference = first.referral.reference
    for q in (reference, reference.lower(), reference.replace("-", "")):
        html = page(client.get("/people", query_string={"q": q}))
        assert f'href="/referrals/{first.referral.id}"' in html, q
        assert other.referral.reference not in html, q
    for q in ("ns1 2ab", "NS12AB", "3 Former Street", "3 former st"):
        html = page(client.get("/people", query_string={"q": q}))
        assert f'href="/people/{person.id}"' in html, q
        assert "Morgan Example" not in html, q
    # Another area's police do not find the referral by its reference.
    client.post("/sign-out")
    sign_in(client, mash["outsider"].email)
    html = page(client.get("/people", query_string={"q": reference}))
    assert "0 referrals found" in html
    assert f'href="/referrals/{first.referral.id}"' not in html
    assert f'href="/people/{person.id}"' not in page(client.get("/people", query_string={"q": "NS1 2AB"}))


def test_search_is_in_the_header_for_every_role_that_works_cases(client, mash, make_user):
    from app.models import RoleName

    for key in ("police", "social_care", "health", "manager"):
        client.post("/sign-out")
        sign_in(client, mash[key].email)
        html = page(client.get("/"))
        assert mash[key].full_name in html and 'id="header-search"' in html and 'action="/people"' in html, (
            key
        )
    admin = make_user(RoleName.ADMINISTRATOR, agency=mash["social_care"].agency)
    client.post("/sign-out")
    sign_in(client, admin.email)
    assert admin.full_name in page(client.get("/"))
    assert 'id="header-search"' not in page(client.get("/"))


def test_a_notification_naming_a_child_with_a_spaced_hyphen_is_recorded(client, mash):
    from tests.referrals.test_http import token_for

    payload = {
        "incident_type": "neglect",
        "occurred_date": (london_today() - timedelta(days=1)).isoformat(),
        "occurred_time": "10:00",
        "location": "1 Imaginary Road",
        "description": "Concern reported by a neighbour.",
        "immediate_action": "Visited.",
        "children": [
            {
                "full_name": "Ann - Smith",
                "address": "1 Imaginary Road",
                "date_of_birth": "2016-05-05",
                "sex": "2",
                "present": True,
                "spoken_to": True,
                "voice": "I'm fine.",
                "demeanour": "Calm.",
            }
        ],
    }
    headers = token_for(mash["police"])
    for _ in range(2):  # the second is matched against the first
        response = client.post("/api/v1/notifications", json=payload, headers=headers)
        assert response.status_code == 201, response.get_json()


def test_a_worker_joins_two_records_of_one_child_with_a_reason_and_separates_them_again(
    client, start_journey, mash
):
    from app.models import AuditEvent, PersonMerge, PossibleMatch

    first = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    later = start_journey(children=[steps.child("Kasey Fictionl", date(2013, 4, 3))])
    # The intake offered the match, but nobody answered it: the person page offers the join too.
    db.session.query(PossibleMatch).delete()
    db.session.commit()
    casey, kasey = person_of(first.referral), person_of(later.referral)
    sign_in(client, mash["social_care"].email)
    html = page(client.get(f"/people/{casey.id}"))
    assert 'id="duplicates"' in html and f'action="/people/{casey.id}/merge/{kasey.id}"' in html

    url = f"/people/{casey.id}/merge/{kasey.id}"
    response = client.post(url, data={"reason": " "}, follow_redirects=True)
    assert "Enter why you are making this change. Nothing has changed." in page(response)
    assert db.session.query(PersonMerge).count() == 0
    response = client.post(url, data={"reason": "Same school, same mother; date typed day first."})
    assert response.status_code == 302
    assert person_of(later.referral).id == casey.id
    event = db.session.query(AuditEvent).filter_by(action="person_merged").one()
    assert event.reason == "Same school, same mother; date typed day first."
    html = page(client.get(f"/people/{casey.id}"))
    assert later.referral.reference in html and 'id="duplicates"' not in html

    record = db.session.query(PersonMerge).one()
    undo = f"/people/merges/{record.id}/undo"
    assert "Enter why" in page(client.post(undo, data={"reason": ""}, follow_redirects=True))
    db.session.refresh(record)
    assert record.undone_at is None
    assert client.post(undo, data={"reason": "Twins' records: different people."}).status_code == 302
    assert person_of(later.referral).id == kasey.id
    event = db.session.query(AuditEvent).filter_by(action="person_unmerged").one()
    assert event.reason == "Twins' records: different people."
    # Health reads the page but is not offered the join, and cannot post it.
    client.post("/sign-out")
    sign_in(client, mash["health"].email)
    assert 'id="duplicates"' not in page(client.get(f"/people/{casey.id}"))
    assert client.post(url, data={"reason": "Try"}).status_code == 403
