"""The contact page over HTTP: where the contact came from reads as words, and a name is needed
unless the contact was anonymous, as the hint says."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
from sqlalchemy import func, select

from app.extensions import db
from app.models import Referral
from tests.conftest import sign_in
from tests.notifications.test_forms import child, contact, post

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
NAME_HINT = "If they did not give their name, select Anonymous as where the contact came from"
NAME_NEEDED = "Enter the name of the person who made contact, or select Anonymous if they did not give it"


def referral_count() -> int:
    return db.session.scalar(select(func.count(Referral.id)))


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def contact_form(**overrides) -> dict:
    return contact(occurred_date=["9", "3", "2026"], occurred_time="10:00", **overrides)


def test_the_sources_read_in_sentence_case(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    page = lxml.html.fromstring(client.get("/contacts/new").data)
    options = {o.get("value"): text_of(o) for o in page.xpath("//select[@name='referral_source']/option")}
    assert options["2A"] == "Schools"
    assert options["3A"] == "Health services – general practitioner (GP)"
    assert options["3E"] == "Health services – A&E (accident and emergency department)"
    assert options["4"] == "Housing – local authority housing or housing association"
    assert options["5D"] == "Local authority services – early help"
    assert options["6"] == "Police"
    assert options["9"] == "Anonymous"
    for words in options.values():
        first_word = words.split()[0]
        assert not (len(first_word) > 1 and first_word.isupper()), words  # no census capitals


def test_a_named_source_needs_the_name_as_the_hint_says(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    before = referral_count()
    response = client.post("/contacts/new", data=post(contact_form(referrer_name=""), child(0)))
    assert response.status_code == 400
    page = lxml.html.fromstring(response.data)
    assert text_of(page.xpath("//div[@id='referrer_name-hint']")[0]) == NAME_HINT
    summary = [text_of(a) for a in page.xpath("//div[contains(@class, 'govuk-error-summary')]//li/a")]
    assert summary == [NAME_NEEDED]
    assert referral_count() == before


def test_an_anonymous_contact_is_saved_without_a_name(client, mash, clock):
    clock.set(NOW)
    sign_in(client, mash["social_care"].email)
    response = client.post(
        "/contacts/new",
        data=post(contact_form(referral_source="9", referrer_name="", referrer_organisation=""), child(0)),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.scalars(select(Referral).order_by(Referral.id.desc())).first()
    assert (referral.referral_source, referral.notification.referrer_name) == ("9", None)
    shown = text_of(lxml.html.fromstring(client.get(response.headers["Location"]).data))
    assert "Anonymous (9)" in shown
