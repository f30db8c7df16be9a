"""What the access log records: every view, API read, export, change, sign-in and token."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, AuditEvent, Person, RoleName
from tests.conftest import TEST_PASSWORD, sign_in, system_account_for


def entries(**where) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(db.session.scalars(query))


def latest(**where) -> AuditEvent:
    found = entries(**where)
    assert found, f"no access-log entry with {where}"
    return found[-1]


def test_each_page_of_a_case_is_logged_with_who_when_where_and_what(client, start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    worker = mash["social_care"]
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"  # a session stays with the address it began at
    sign_in(client, worker.email)
    response = client.get(f"/referrals/{referral.id}")
    assert response.status_code == 200
    entry = latest(action="viewed", subject=f"referral:{referral.id}")
    assert entry.actor_id == worker.id and entry.ip == "10.1.2.3" and entry.details == {"page": "referral"}
    assert entry.at is not None and entry.request_id == response.headers["X-Request-Id"]
    assert entry.entry_mac

    client.get(f"/referrals/{referral.id}/diagram.bpmn")
    assert latest(subject=f"referral:{referral.id}").details == {"page": "diagram"}
    client.get(f"/referrals/{referral.id}/tasks/{journey.ready()['triage']}")
    assert latest(subject=f"referral:{referral.id}").details == {"page": "task", "step": "triage"}
    person = db.session.scalar(select(Person).order_by(Person.id).limit(1))
    assert client.get(f"/people/{person.id}").status_code == 200
    assert latest(action="viewed").subject == f"person:{person.id}"


def test_a_page_refused_or_not_found_leaves_no_view(client, start_journey, mash):
    journey = start_journey()
    sign_in(client, mash["outsider"].email)
    assert client.get(f"/referrals/{journey.referral.id}").status_code == 403
    assert entries(action="viewed") == []


def test_api_reads_are_logged(client, start_journey, mash):
    journey = start_journey()
    row, token = ApiToken.issue(system_account_for(mash["social_care"]), "case system", None)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/referrals/{journey.referral.id}", headers=headers).status_code == 200
    entry = latest(action="api_read")
    assert entry.subject == f"referral:{journey.referral.id}" and entry.actor_id == row.user_id
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert latest(action="api_read").subject == "tasks"


def test_changes_are_logged(client, start_journey, mash):
    journey = start_journey()
    referral = journey.referral
    assert latest(action="referral_created").subject == f"referral:{referral.id}"
    sign_in(client, mash["social_care"].email)
    task_id = journey.ready()["triage"]
    url = f"/referrals/{referral.id}/tasks/{task_id}"
    client.post(f"/referrals/{referral.id}/tasks/{task_id}/pick-up")
    assert latest(action="task_picked_up").details == {"step": "triage", "task_id": task_id}
    answers = {"version": "1", "rag": "red", "rag_reason": "Repeat", "significant_harm_suspected": "yes"}
    assert client.post(url, data=answers).status_code == 302
    entry = latest(action="task_completed")
    assert entry.subject == f"referral:{referral.id}" and entry.actor_id == mash["social_care"].id
    assert entry.details == {"step": "triage", "title": "MASH triage", "task_id": task_id}


def test_sign_in_sign_out_and_failures_are_logged(client, make_user):
    user = make_user(RoleName.SOCIAL_CARE)
    assert sign_in(client, user.email, "wrong password").status_code == 400
    assert latest(action="sign_in_failed").subject == f"user:{user.id}"
    assert sign_in(client, "nobody@nowhere.example", TEST_PASSWORD).status_code == 400
    unknown = latest(action="sign_in_failed")
    assert unknown.subject == "unknown-account" and unknown.details == {"email": "nobody@nowhere.example"}
    assert sign_in(client, user.email).status_code == 302
    assert latest(action="signed_in").actor_id == user.id
    client.post("/sign-out")
    assert latest(action="signed_out").actor_id == user.id


def test_tokens_issued_and_revoked_are_logged(client, make_user):
    from app.admin import services

    admin = make_user(RoleName.ADMINISTRATOR)
    worker = system_account_for(make_user(RoleName.SOCIAL_CARE, agency=admin.agency))
    row, _ = services.issue_api_token(admin, worker, "case system")
    services.revoke_api_token(admin, row)
    assert [e.action for e in entries(subject=f"user:{worker.id}")][-2:] == [
        "api_token_issued",
        "api_token_revoked",
    ]


def test_a_merge_logs_the_reason_given(start_journey, mash):
    from app.people import services as people

    first = start_journey()
    second = start_journey()
    persons = [inv.person for j in (first, second) for inv in _child_involvements(j.referral.id)]
    record = people.merge(mash["social_care"], persons[0], persons[1], reason="Same child, new surname")
    db.session.commit()
    entry = latest(action="person_merged")
    assert entry.reason == "Same child, new surname" and entry.details["merge"] == record.id
    people.unmerge(mash["social_care"], record)
    assert latest(action="person_unmerged").subject == f"person:{persons[0].id}"


def _child_involvements(referral_id: int):
    from app.models import Involvement
    from app.models.persons import PersonRole

    return db.session.scalars(
        select(Involvement).where(
            Involvement.referral_id == referral_id, Involvement.role == PersonRole.CHILD
        )
    ).all()


def test_an_entry_written_outside_a_request_has_no_address(mash):
    from app.models import record_audit_event

    entry = record_audit_event(mash["police"], "export", "gap-list:test", rows=3)
    db.session.flush()
    assert entry.ip is None and entry.request_id is None and entry.details == {"rows": 3}


def test_a_plan_action_update_is_logged(client, start_journey, mash):
    from tests.referrals import steps

    journey = start_journey().to_threshold(rag="red", harm=True)
    for step, data in [
        ("threshold_decision", steps.threshold("s47")),
        ("strategy_discussion", steps.strategy()),
        ("protective_plan", steps.plan()),
        ("police_confirm_plan", steps.confirm()),
        ("health_confirm_plan", steps.confirm()),
    ]:
        journey.do(step, data)
    referral_id, action_id = journey.referral.id, journey.referral.plan.actions[0].id
    sign_in(client, mash["police"].email)
    response = client.post(
        f"/referrals/{referral_id}/actions/{action_id}", data={"status": "done", "note": "Visited"}
    )
    assert response.status_code == 302
    entry = latest(action="recorded")
    assert entry.subject == f"referral:{referral_id}" and entry.details["step"] == "plan_action_updated"
    assert entry.actor_id == mash["police"].id
