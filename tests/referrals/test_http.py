"""Task pages and the JSON API over HTTP, as the right and the wrong people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, Referral, RoleName
from app.referrals import services
from tests.conftest import sign_in, system_account_for
from tests.referrals import steps
from tests.statements import recorded_statements, writes_to


def page(response) -> str:
    return response.get_data(as_text=True)


def test_triage_over_http_then_a_second_submission_is_refused(client, start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    task_id = journey.ready()["triage"]
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{referral.id}/tasks/{task_id}"
    form_page = client.get(url)
    assert form_page.status_code == 200 and "MASH triage" in page(form_page)
    answers = {
        "version": str(referral.version),
        "rag": "red",
        "rag_reason": "Repeat incidents",
        "significant_harm_suspected": "yes",
    }
    assert client.post(url, data=answers).status_code == 302
    again = client.post(url, data=answers)  # double click, or a colleague with the old page
    assert again.status_code == 409
    assert "already been completed" in page(again)
    db.session.refresh(referral)
    assert [s.step for s in referral.steps].count("triage") == 1
    shown = page(client.get(f"/referrals/{referral.id}"))
    assert "MASH triage" in shown and mash["social_care"].full_name in shown


def test_invalid_task_input_gets_a_specific_message_and_nothing_is_saved(client, start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{referral.id}/tasks/{journey.ready()['triage']}"
    response = client.post(url, data={"version": str(referral.version), "rag": "", "rag_reason": ""})
    assert response.status_code == 400
    assert "There is a problem" in page(response)
    db.session.refresh(referral)
    assert referral.rag is None and {t.step for t in referral.ready_tasks} == {"triage"}


def test_wrong_lane_wrong_agency_and_guessed_ids_get_403(client, start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    url = f"/referrals/{referral.id}/tasks/{journey.ready()['triage']}"
    sign_in(client, mash["police"].email)  # right agency group, wrong lane
    assert client.get(url).status_code == 403
    assert client.post(url, data={"version": "1", "rag": "red"}).status_code == 403
    client.post("/sign-out")
    sign_in(client, mash["outsider"].email)  # another area's police
    for path in (
        f"/referrals/{referral.id}",
        url,
        f"/referrals/{referral.id}/diagram.bpmn",
        "/referrals/999999",
        "/referrals/999999/tasks/x",
    ):
        assert client.get(path).status_code == 403, path
    assert referral.reference not in page(client.get("/tasks"))
    assert referral.reference not in page(client.get("/referrals"))


def test_inbox_shows_ready_tasks_in_my_lanes_with_due_times(client, start_journey, mash):
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    inbox = page(client.get("/tasks"))
    assert journey.referral.reference in inbox and "MASH triage" in inbox
    client.post("/sign-out")
    sign_in(client, mash["health"].email)
    assert journey.referral.reference not in page(client.get("/tasks"))  # nothing in the Health lane yet


def test_pick_up_assigns_the_task(client, start_journey, mash):
    journey = start_journey()
    task = journey.referral.ready_tasks[0]
    sign_in(client, mash["social_care"].email)
    assert client.post(f"/referrals/{journey.referral.id}/tasks/{task.task_id}/pick-up").status_code == 302
    db.session.refresh(task)
    assert task.assigned_to_id == mash["social_care"].id


def test_diagram_xml_is_the_referrals_version(client, start_journey, mash):
    journey = start_journey()
    sign_in(client, mash["police"].email)
    response = client.get(f"/referrals/{journey.referral.id}/diagram.bpmn")
    assert response.status_code == 200 and b'id="triage"' in response.data
    show = page(client.get(f"/referrals/{journey.referral.id}"))
    assert 'data-current-steps="triage"' in show


# --- API -----------------------------------------------------------------------


def token_for(user) -> dict:
    _, token = ApiToken.issue(system_account_for(user), "test system", None)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_needs_a_valid_token(client, mash):
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer fd_nonsense"}).status_code == 401
    row, token = ApiToken.issue(system_account_for(mash["police"]), "revoked", None)
    from app.domain.clock import utcnow

    row.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_completes_a_task_with_the_forms_validation(client, start_journey, mash):
    journey = start_journey()
    headers = token_for(mash["social_care"])
    tasks = client.get("/api/v1/tasks", headers=headers).get_json()["tasks"]
    triage = next(t for t in tasks if t["referral_id"] == journey.referral.id)
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{triage['task_id']}"
    bad = client.post(url, json={"version": journey.referral.version, "rag": "purple"}, headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) >= {"rag", "rag_reason"}
    good = client.post(
        url,
        json={
            "version": journey.referral.version,
            "rag": "red",
            "rag_reason": "Repeat",
            "significant_harm_suspected": True,
        },
        headers=headers,
    )
    assert good.status_code == 200, good.get_json()
    document = good.get_json()
    assert document["rag"] == "red"
    assert {t["step"] for t in document["tasks"]} == {
        "police_research",
        "health_research",
        "social_care_research",
    }
    assert (
        client.post(url, json={"version": document["version"], "rag": "red"}, headers=headers).status_code
        == 409
    )


def test_api_refuses_wrong_lane_and_other_agencies(client, start_journey, mash):
    journey = start_journey()
    task_id = journey.ready()["triage"]
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{task_id}"
    assert client.post(url, json={"version": 1}, headers=token_for(mash["police"])).status_code == 403
    outsider = token_for(mash["outsider"])
    assert client.get(f"/api/v1/referrals/{journey.referral.id}", headers=outsider).status_code == 403
    assert client.get("/api/v1/referrals/999999", headers=outsider).status_code == 403


def test_api_task_on_another_agencys_referral_is_403_checked_without_loading_the_agencies(
    client, start_journey, make_agency, make_user
):
    journey = start_journey()
    elsewhere = make_user(RoleName.SOCIAL_CARE, agency=make_agency(area="Otherland"))
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {"version": journey.referral.version, "rag": "amber", "rag_reason": "Repeat"}
    headers = token_for(elsewhere)
    with recorded_statements() as sent:
        response = client.post(url, json=answers | {"significant_harm_suspected": False}, headers=headers)
    assert response.status_code == 403
    assert saved_rag(journey.referral.id) is None
    assert any("EXISTS" in s and "referral_agencies" in s for s in sent)
    assert not any(s.lstrip().startswith("SELECT agencies.") for s in sent)


def test_api_task_asks_whether_the_agency_takes_part_in_the_locking_load(client, start_journey, mash):
    """The referral's row, its ready tasks and the viewer's agency check come back in one statement."""
    journey = start_journey()
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {"version": journey.referral.version, "rag": "amber", "rag_reason": "Repeat"}
    db.session.expire_all()  # as in a new request
    with recorded_statements() as sent:
        response = client.post(
            url, json=answers | {"significant_harm_suspected": False}, headers=token_for(mash["social_care"])
        )
    assert response.status_code == 200, response.get_json()
    assert saved_rag(journey.referral.id) == "amber"
    loads = [s for s in sent if s.lstrip().startswith("SELECT") and "FROM referrals" in s]
    assert len(loads) == 1, "\n".join(loads)
    assert "referral_agencies" in loads[0]
    assert not any(s.lstrip().startswith("SELECT EXISTS") for s in sent)


def test_api_notification_builds_its_form_once_a_request(client, mash, clock, monkeypatch):
    """Checking the body's fields and turning it into form data read the form's fields from what
    the first request learnt of them; only the form that validates the body is built."""
    from app.notifications.forms import PoliceNotificationForm

    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    headers = token_for(mash["police"])
    payload = steps.notification_json()
    assert client.post("/api/v1/notifications", json=payload, headers=headers).status_code == 201
    built = []
    original = PoliceNotificationForm.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(PoliceNotificationForm, "__init__", counting)
    response = client.post("/api/v1/notifications", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert len(built) == 1
    # And a field it does not have is still named, with nothing saved.
    refused = client.post("/api/v1/notifications", json=payload | {"colour": "red"}, headers=headers)
    assert refused.status_code == 422 and "colour" in refused.get_json()["errors"]


def test_api_notification_reads_and_locks_only_what_a_new_referral_needs(client, mash, clock):
    """A referral just made has no decision, discussion or plan: its reply says so without asking.
    Its audit facts are written without a row lock (no one else sees it before the commit), and
    the people alerted to its first task are read without their roles."""
    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    payload = steps.notification_json()
    headers = token_for(mash["police"])
    with recorded_statements() as sent:
        response = client.post("/api/v1/notifications", json=payload, headers=headers)
    assert response.status_code == 201, response.get_json()
    reply = response.get_json()
    assert reply["threshold_decision"] is None
    assert reply["strategy_discussion"] is None
    assert reply["protective_plan"] is None
    for table in ("threshold_decisions", "strategy_discussions", "protective_plans"):
        # A load of the table's own rows (its history's EXISTS on them is another matter).
        assert not any(s.lstrip().startswith(f"SELECT {table}.") for s in sent), table
    assert not any("FOR UPDATE" in s for s in sent)
    assert not any(s.lstrip().startswith("SELECT user_roles.") for s in sent)


def test_api_notification_with_an_adult_is_422_and_nothing_saved(client, mash):
    before = db.session.scalar(select(func.count(Referral.id)))
    payload = {
        "incident_type": "neglect",
        "location": "Somewhere",
        "description": "Concern",
        "immediate_action": "Visited",
        "children": [{"full_name": "Grown Up", "date_of_birth": "1990-01-01"}],
    }
    response = client.post("/api/v1/notifications", json=payload, headers=token_for(mash["police"]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any("children" in key for key in errors)
    assert db.session.scalar(select(func.count(Referral.id))) == before


def test_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "/referrals/{referral_id}/tasks/{task_id}" in document["paths"]
    assert "Task_strategy_discussion" in document["components"]["schemas"]


# --- What a request saves --------------------------------------------------------


def issued_token(user) -> tuple[int, dict]:
    row, token = ApiToken.issue(system_account_for(user), "test system", None)
    db.session.commit()
    return row.id, {"Authorization": f"Bearer {token}"}


def saved_last_use(token_id: int):
    """The token's last use as the database holds it: anything left uncommitted is dropped first."""
    db.session.rollback()
    return db.session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def saved_rag(referral_id: int):
    db.session.rollback()
    return db.session.scalar(select(Referral.rag).where(Referral.id == referral_id))


def refuse_after_writing(actor, referral, task_id, expected_version, data):
    """A service that writes and then refuses, as one whose rule fails late would."""
    referral.rag = "red"
    db.session.flush()
    raise services.StepInvalid({"rag": "Refused after writing"})


ADULT_NOTIFICATION = {
    "incident_type": "neglect",
    "location": "Somewhere",
    "description": "Concern",
    "immediate_action": "Visited",
    "children": [{"full_name": "Grown Up", "date_of_birth": "1990-01-01"}],
}


def test_api_get_saves_when_the_token_was_last_used(client, mash, clock):
    token_id, headers = issued_token(mash["social_care"])
    assert saved_last_use(token_id) is None
    used = clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert saved_last_use(token_id) == used


def test_api_422_saves_the_tokens_last_use_and_none_of_the_invalid_data(client, mash, clock):
    token_id, headers = issued_token(mash["police"])
    before = db.session.scalar(select(func.count(Referral.id)))
    used = clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    response = client.post("/api/v1/notifications", json=ADULT_NOTIFICATION, headers=headers)
    assert response.status_code == 422
    assert saved_last_use(token_id) == used
    assert db.session.scalar(select(func.count(Referral.id))) == before


def test_a_tokens_last_use_is_written_at_most_once_a_minute_after_the_request(client, mash, clock):
    token_id, headers = issued_token(mash["social_care"])
    first = clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    with recorded_statements() as sent:
        for _ in range(5):
            assert client.get("/api/v1/tasks", headers=headers).status_code == 200
            clock.advance(seconds=10)
    assert len(writes_to(sent, "api_tokens")) == 1
    assert saved_last_use(token_id) == first

    clock.advance(seconds=15)  # 65 seconds after the first use
    later = first + timedelta(seconds=65)
    with recorded_statements() as sent:
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert len(writes_to(sent, "api_tokens")) == 1
    assert saved_last_use(token_id) == later


def test_a_tokens_last_use_is_not_written_inside_the_requests_transaction(client, mash, clock):
    """The request's own work is committed first; the token's row is written after it, alone."""
    token_id, headers = issued_token(mash["social_care"])
    clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    with recorded_statements() as sent:
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    write = next(i for i, s in enumerate(sent) if s in writes_to(sent, "api_tokens"))
    # Everything before the write is the request's own transaction, ended before it:
    # in the tests that is a SAVEPOINT released (a COMMIT in production).
    assert any(s.upper().startswith("RELEASE SAVEPOINT") for s in sent[:write])
    assert not any(s.lstrip().upper().startswith("SELECT") for s in sent[write:])


def test_api_task_the_service_refuses_keeps_nothing_it_wrote(client, start_journey, mash, clock, monkeypatch):
    journey = start_journey()
    token_id, headers = issued_token(mash["social_care"])
    monkeypatch.setattr(services, "complete_task", refuse_after_writing)
    used = clock.set(datetime(2026, 3, 10, 9, 30, tzinfo=UTC))
    url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {"version": journey.referral.version, "rag": "amber", "rag_reason": "Repeat"}
    response = client.post(url, json=answers | {"significant_harm_suspected": False}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"rag": "Refused after writing"}
    assert saved_rag(journey.referral.id) is None
    assert saved_last_use(token_id) == used


def test_task_page_the_service_refuses_keeps_nothing_it_wrote(client, start_journey, mash, monkeypatch):
    journey = start_journey()
    sign_in(client, mash["social_care"].email)
    monkeypatch.setattr(services, "complete_task", refuse_after_writing)
    url = f"/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
    answers = {
        "version": str(journey.referral.version),
        "rag": "amber",
        "rag_reason": "Repeat",
        "significant_harm_suspected": "no",
    }
    response = client.post(url, data=answers)
    assert response.status_code == 400
    assert "Refused after writing" in page(response)
    assert saved_rag(journey.referral.id) is None


def test_social_care_research_that_disagrees_reaches_a_manager_over_http(client, start_journey, mash):
    journey = start_journey()
    journey.do("triage", steps.triage("amber"))
    journey.do("police_research", steps.research())
    journey.do("health_research", steps.research())
    task_id = journey.ready()["social_care_research"]
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/tasks/{task_id}"
    form = client.get(url).get_data(as_text=True)
    version = form.split('name="version" type="hidden" value="')[1].split('"')[0]
    answers = {
        "version": version,
        "findings": "Two earlier referrals closed without assessment.",
        "information_shared": "Earlier referrals.",
        "shared_with": "MASH partners",
        "purpose": "To inform the threshold decision.",
        "lawful_basis": "children_act_1989_s47",
        "disagrees": "yes",
        "disagreement_reason": "Amber understates the risk: this is the third referral.",
    }
    assert client.post(url, data=answers).status_code == 302
    db.session.refresh(journey.referral)
    journey.do("threshold_decision", steps.threshold("s17"))  # what the rules recommend for amber
    assert "resolve_disagreement" in journey.ready()


def test_a_refused_plan_action_update_shows_the_referral_again_with_the_error(client, start_journey, mash):
    """It used to answer 500: the page shown again lacked what the referral page needs."""
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())  # a draft: actions change only once it is in force
    action = journey.referral.plan.actions[0]
    sign_in(client, mash["social_care"].email)
    url = f"/referrals/{journey.referral.id}/actions/{action.id}"

    missing = client.post(url, data={"note": "Visited."})
    assert missing.status_code == 400 and "the action&#39;s status" in page(missing)
    draft = client.post(url, data={"status": "done", "note": "Visited."})
    assert draft.status_code == 400
    assert "Actions can only be updated while the plan is in force" in page(draft)
    assert journey.referral.reference in page(draft)
    db.session.refresh(action)
    assert action.update_note is None and action.status.value != "done"

    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    in_force = client.post(url, data={"note": "Visited."})
    html = page(in_force)
    assert (
        in_force.status_code == 400
        and f'href="#status-{action.id}"' in html
        and f'id="status-{action.id}"' in html
    )
