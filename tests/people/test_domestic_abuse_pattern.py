"""A household's repeated domestic abuse, end to end over HTTP.

Three standard-risk notifications about the same household come in through the
API a few weeks apart. Each names the same alleged perpetrator and the two
children, spelt a little differently each time and with no NHS number, so only
the matcher can join them. The MASH confirms the possible matches at triage.
The third incident must change the DMN recommendation, triage and the threshold
decision must list the earlier two with links, and the social worker who owns
the earlier case must get the pattern alert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.clock import london_today
from app.extensions import db
from app.models import Alert, Involvement, Referral, RoleName
from app.models.alerts import AlertKind
from tests.conftest import sign_in
from tests.referrals import steps
from tests.referrals.conftest import Journey
from tests.referrals.test_http import token_for

ADDRESS = "14 Imaginary Close, Northshire NS4 7QT"

# How each notification spells the household: the children, the suspect and the victim.
SPELLINGS = [
    ("Casey Fictional", "Robin Fictional", "Dale Example", "Pat Fictional"),
    ("Kasey Fictionall", "Robyn Fictional", "Dale Exampel", "Patricia Fictional"),
    ("Casey Fictionel", "Robin Fictionall", "Dayle Example", "Pat Fictionall"),
]


def page(response) -> str:
    return response.get_data(as_text=True)


def notify(client, headers, spelling) -> Referral:
    casey, robin, dale, pat = spelling
    child = {"sex": "2", "address": ADDRESS, "present": True, "spoken_to": True, "demeanour": "Quiet."}
    payload = {
        "incident_type": "domestic_abuse",
        "dash_level": "standard",
        "occurred_date": (london_today() - timedelta(days=1)).isoformat(),
        "occurred_time": "22:40",
        "location": ADDRESS,
        "description": "Shouting and a door broken; a neighbour called police.",
        "immediate_action": "Suspect left the address before police arrived.",
        "children": [
            {**child, "full_name": casey, "date_of_birth": "2015-06-12", "voice": "I went to my room."},
            {**child, "full_name": robin, "date_of_birth": "2018-02-27", "voice": "Daddy was loud."},
        ],
        "people": [
            {"role": "suspect", "full_name": dale, "date_of_birth": "1988-09-03", "address": ADDRESS},
            {"role": "victim", "full_name": pat, "date_of_birth": "1990-01-15", "address": ADDRESS},
        ],
    }
    response = client.post("/api/v1/notifications", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    return db.session.get(Referral, response.get_json()["id"])


def confirm_every_match(client, referral: Referral, triage_url: str) -> int:
    """Answer 'same person' to the best offer for each person, as the MASH worker would."""
    confirmed = 0
    while True:
        html = page(client.get(triage_url))
        if 'id="match-' not in html:
            return confirmed
        match_id = int(html.split('id="match-')[1].split("-same")[0])
        response = client.post(
            f"/referrals/{referral.id}/possible-matches/{match_id}",
            data={"answer": "same", "next_url": triage_url},
        )
        assert response.status_code == 302
        confirmed += 1


def triage_over_http(client, referral: Referral, journey: Journey) -> str:
    url = f"/referrals/{referral.id}/tasks/{journey.ready()['triage']}"
    db.session.refresh(referral)
    response = client.post(
        url,
        data={
            "version": str(referral.version),
            "rag": "amber",
            "rag_reason": "Standard-risk domestic abuse with children in the home.",
            "significant_harm_suspected": "no",
            "research_needed": "yes",
        },
    )
    assert response.status_code == 302, page(response)
    return url


def persons_named(referral: Referral) -> dict[str, int]:
    rows = db.session.query(Involvement).filter_by(referral_id=referral.id).all()
    return {inv.role.value + ":" + inv.full_name: inv.person_id for inv in rows}


def test_a_third_domestic_abuse_incident_in_a_household_is_seen_as_a_pattern(client, mash, make_user, clock):
    owner = make_user(RoleName.SOCIAL_CARE, agency=mash["social_care"].agency)
    owners_team = {**mash, "social_care": owner}
    headers = token_for(mash["police"])
    start = datetime(2026, 3, 3, 10, tzinfo=UTC)  # a Tuesday
    referrals, recommendations = [], []
    for n, spelling in enumerate(SPELLINGS):
        clock.set(start + timedelta(weeks=6 * n))
        referral = notify(client, headers, spelling)
        referrals.append(referral)
        # The MASH worker confirms the matches, then triages, over HTTP.
        sign_in(client, mash["social_care"].email)
        journey = Journey(owners_team if n == 0 else mash, referral)
        triage_url = f"/referrals/{referral.id}/tasks/{journey.ready()['triage']}"
        triage_page = page(client.get(triage_url))
        if n:
            # Before confirming, nothing joins this household to the earlier ones.
            assert "possible match" in triage_page
            assert confirm_every_match(client, referral, triage_url) == 4
            triage_page = page(client.get(triage_url))
            for earlier in referrals[:n]:
                assert f'href="/referrals/{earlier.id}"' in triage_page and earlier.reference in triage_page
        triage_over_http(client, referral, journey)
        journey.do("police_research", steps.research())
        journey.do("health_research", steps.research())
        journey.do("social_care_research", steps.research())
        decision_url = f"/referrals/{referral.id}/tasks/{journey.ready()['threshold_decision']}"
        decision_page = page(client.get(decision_url))
        recommendations.append(decision_page)
        for earlier in referrals[:n]:
            assert f'href="/referrals/{earlier.id}"' in decision_page and earlier.reference in decision_page
        if n < 2:
            journey.do(
                "threshold_decision",
                {
                    **steps.threshold("early_help"),
                    "history_weighed": "Two incidents, no injuries: early help offered.",
                },
            )
            journey.sign_off_if_needed()

    # Everyone is one person across the three notifications.
    first, third = persons_named(referrals[0]), persons_named(referrals[2])
    assert sorted(first.values()) == sorted(third.values())

    # The third incident changes the recommendation, and says why.
    first_page, second_page, third_page = recommendations
    for earlier in referrals[:2]:
        decision = earlier.threshold_decisions[0]
        assert decision.recommended_outcome != "s47" and not decision.recommendation_rule.startswith("R7")
        assert "R7:" not in (first_page if earlier is referrals[0] else second_page)
    assert "R7: Third domestic abuse incident in the household in 12 months" in third_page
    assert "Recommended: s47" in third_page or "s47 enquiry" in third_page
    assert "Domestic abuse incidents in the household in 12 months" in third_page

    # The social worker who owned the first case is told, by reference only.
    alerts = db.session.query(Alert).filter_by(user_id=owner.id, kind=AlertKind.PATTERN).all()
    about_third = [a for a in alerts if referrals[2].reference in a.text]
    assert about_third and about_third[0].referral_id == referrals[0].id
    assert "Casey" not in about_third[0].text
    client.post("/sign-out")
    sign_in(client, owner.email)
    alerts_page = page(client.get("/alerts"))
    assert owner.full_name in alerts_page and referrals[2].reference in alerts_page


def test_a_first_standard_risk_domestic_abuse_incident_is_not_escalated_by_the_pattern_rule(
    client, mash, clock
):
    clock.set(datetime(2026, 3, 3, 10, tzinfo=UTC))
    referral = notify(client, token_for(mash["police"]), SPELLINGS[0])
    journey = Journey(mash, referral)
    journey.do("triage", steps.triage("amber"))
    for step in ("police_research", "health_research", "social_care_research"):
        journey.do(step, steps.research())
    journey.do("threshold_decision", {**steps.threshold("early_help"), "rationale": "First incident."})
    db.session.refresh(referral)
    decision = referral.threshold_decisions[0]
    assert not decision.recommendation_rule.startswith("R7") and decision.recommended_outcome != "s47"
    assert date(2015, 6, 12) in {c.date_of_birth for c in referral.children}
