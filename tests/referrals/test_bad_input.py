"""Bad input gets a clear answer, never a 500, and nothing is saved.

Control characters in any text field, ids too big for the database, fields the
API does not know, bodies over MAX_CONTENT_LENGTH; and a 500's log holds no case data.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import ApiToken, Child, Referral
from tests.conftest import sign_in, system_account_for
from tests.referrals.steps import notification_json


def page(response) -> str:
    return response.get_data(as_text=True)


def token_for(user) -> dict:
    _, token = ApiToken.issue(system_account_for(user), "test system", None)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def referral_count() -> int:
    return db.session.scalar(select(func.count(Referral.id)))


def test_the_api_payload_used_here_is_accepted(client, mash):
    response = client.post(
        "/api/v1/notifications", json=notification_json(), headers=token_for(mash["police"])
    )
    assert response.status_code == 201, response.get_json()


# --- Control characters ------------------------------------------------------------


@pytest.mark.parametrize("bad", ["Repeat\x00incidents", "Repeat\x0bincidents", "Repeat\x7f"])
def test_a_control_character_in_a_task_form_is_a_form_error_naming_the_field(
    client, start_journey, mash, bad
):
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {"version": "1", "rag": "red", "rag_reason": bad, "significant_harm_suspected": "yes"}
    response = client.post(url, data=answers)
    assert response.status_code == 400
    assert "Why did you give this rating? must not include control characters" in page(response)
    db.session.refresh(journey.referral)
    assert journey.referral.rag is None and {t.step for t in journey.referral.ready_tasks} == {"triage"}


def test_tabs_and_line_breaks_are_fine_in_multi_line_text(client, start_journey, mash):
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {
        "version": "1",
        "rag": "red",
        "rag_reason": "One\r\nTwo\tthree",
        "significant_harm_suspected": "yes",
    }
    assert client.post(url, data=answers).status_code == 302


def test_a_line_break_in_a_single_line_field_is_refused_over_the_api(client, mash):
    before = referral_count()
    response = client.post(
        "/api/v1/notifications",
        json=notification_json(full_name="Sam\nSmith"),
        headers=token_for(mash["police"]),
    )
    assert response.status_code == 422
    assert "must not include control characters" in response.get_json()["errors"]["children.0.full_name"]
    assert referral_count() == before


@pytest.mark.parametrize("bad", ["fine\x00", "fine\ud800"])  # a NUL; half of a UTF-16 pair
def test_a_nul_byte_over_the_api_is_422_naming_the_field(client, mash, bad):
    before = referral_count()
    response = client.post(
        "/api/v1/notifications", json=notification_json(voice=bad), headers=token_for(mash["police"])
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["children.0.voice"].startswith(
        "The child's own words or views must not include control characters"
    )
    assert referral_count() == before


def test_a_nul_byte_in_the_sign_in_form_is_a_form_error(client, make_user):
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email + "\x00", "password": "whatever-it-is"})
    assert response.status_code == 400 and "must not include control characters" in page(response)


# --- Ids too big for the database ------------------------------------------------------


@pytest.mark.parametrize("big", [2**31, 2**31 + 5, 10**30])
def test_an_id_too_big_for_the_database_is_answered_as_an_unknown_id(client, mash, big):
    headers = token_for(mash["social_care"])
    sign_in(client, mash["social_care"].email)
    for path in ("/referrals/{}", "/referrals/{}/diagram.bpmn", "/referrals/{}/tasks/x", "/people/{}"):
        assert client.get(path.format(big)).status_code == client.get(path.format(999_999)).status_code == 403
    assert client.get(f"/api/v1/referrals/{big}", headers=headers).status_code == 403
    assert client.post(f"/people/merges/{big}/undo").status_code == 404


def test_the_largest_database_id_is_still_an_id(client, mash):
    sign_in(client, mash["social_care"].email)
    assert client.get(f"/referrals/{2**31 - 1}").status_code == 403


def test_a_page_number_too_big_for_the_database_is_not_an_error(client, make_user):
    from app.models import RoleName

    manager = make_user(RoleName.MASH_MANAGER)
    sign_in(client, manager.email)
    assert client.get(f"/audit/cases?page={10**30}").status_code == 200


# --- Fields the API does not know ------------------------------------------------------


def test_an_unknown_field_is_422_naming_it(client, mash):
    before = referral_count()
    payload = notification_json(factors=["domestic abuse"]) | {"colour": "red"}
    response = client.post("/api/v1/notifications", json=payload, headers=token_for(mash["police"]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"colour", "children.0.factors"}
    assert "not recorded here" in errors["colour"]
    assert referral_count() == before


def test_an_unknown_field_on_a_task_is_422(client, start_journey, mash):
    journey = start_journey()
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {"version": 1, "rag": "red", "rag_reason": "Repeat", "significant_harm_suspected": True}
    response = client.post(url, json=answers | {"priority": "high"}, headers=token_for(mash["social_care"]))
    assert response.status_code == 422 and set(response.get_json()["errors"]) == {"priority"}
    db.session.refresh(journey.referral)
    assert journey.referral.rag is None


# --- Too large ------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_with_a_page_or_json(app, client, start_journey, mash):
    journey = start_journey()
    limit = app.config["MAX_CONTENT_LENGTH"]
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    response = client.post(url, data={"version": "1", "rag": "red", "rag_reason": "x" * (limit + 1)})
    assert response.status_code == 413 and "What you sent is too large" in page(response)
    api = client.post(
        f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}",
        json={"version": 1, "rag_reason": "x" * (limit + 1)},
        headers=token_for(mash["social_care"]),
    )
    assert api.status_code == 413 and api.get_json() == {"error": "What you sent is too large", "status": 413}
    db.session.refresh(journey.referral)
    assert journey.referral.rag is None


# --- What a 500 logs ---------------------------------------------------------------------------


def test_a_500_logs_no_personal_data(client, mash, caplog, monkeypatch):
    """A database error whose SQL parameters hold the child's name and date of birth."""
    from app.people import services as people

    def fail(referral, named):
        child = named[0]
        db.session.execute(
            text("SELECT * FROM no_such_table WHERE name = :name AND born = :born"),
            {"name": child.full_name, "born": child.date_of_birth.isoformat()},
        )

    monkeypatch.setattr(people, "record_people", fail)
    payload = notification_json(full_name="Zebedee Quartermaine", date_of_birth="2014-07-19")
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/v1/notifications", json=payload, headers=token_for(mash["police"]))
    assert response.status_code == 500
    logged = caplog.text
    assert "Zebedee" not in logged and "Quartermaine" not in logged and "2014-07-19" not in logged
    assert "sqlalchemy.exc" in logged and "POST /api/v1/notifications" in logged
    assert response.headers["X-Request-Id"] in logged
    assert (
        db.session.scalar(select(func.count(Child.id)).where(Child.full_name == "Zebedee Quartermaine")) == 0
    )


def test_a_control_character_in_the_query_string_is_a_400(client, mash):
    sign_in(client, mash["social_care"].email)
    assert client.get("/people?q=Sam%00Smith").status_code == 400
    assert client.get("/people?q=Sam+Smith").status_code == 200
    assert (
        client.get("/api/v1/tasks?x=%01", headers=token_for(mash["social_care"])).get_json()["status"] == 400
    )
