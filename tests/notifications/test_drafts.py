"""A police notification is checked before it is sent, and can be saved as a draft that only
its author sees. Driven through the routes, as an officer would."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.extensions import db
from app.models import Referral
from app.models.drafts import MAX_DRAFTS_PER_AUTHOR, NotificationDraft
from tests.conftest import sign_in
from tests.notifications.test_forms import child, domestic_abuse, post

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
TWO_CHILDREN = (child(0), child(1, full_name="Ben Smith", voice="Dad was shouting", demeanour="Crying"))


def referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def drafts() -> list[NotificationDraft]:
    db.session.expire_all()
    return list(db.session.scalars(select(NotificationDraft)))


def draft_id(response) -> int:
    return int(re.search(r"/notifications/drafts/(\d+)", response.headers["Location"]).group(1))


def test_continue_shows_the_answers_to_check_and_only_sending_creates_the_referral(client, clock, mash):
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    answered = client.post("/notifications/new", data=post(domestic_abuse(), *TWO_CHILDREN, {"submit": "y"}))
    assert answered.status_code == 302
    assert answered.headers["Location"].endswith(f"/notifications/drafts/{draft_id(answered)}/check")
    assert referrals() == 0  # nothing is sent until the officer sends it

    page = client.get(answered.headers["Location"]).get_data(as_text=True)
    for shown in (
        "Check your answers before sending the notification",
        "Domestic abuse",
        "15 July 2025 at 11:15pm",  # the officer's London time, in GOV.UK style
        "DASH risk level",
        "High",
        "Child 1",
        "Child 2",
        "In their own words",
        "I was scared when they shouted",
        "Dad was shouting",
        "Behaviour and demeanour",
        "Crying",
        "NHS number",
        "3 April 2015",
        "Send notification",
    ):
        assert shown in page, shown
    for hidden in ("domestic_abuse", "2025-07-15", "Police protection", "Arrived in custody", "Not given"):
        assert hidden not in page, hidden  # no codes, no ISO dates, no part that does not apply
    assert f'href="/notifications/drafts/{draft_id(answered)}#children-1-full_name"' in page  # change child 2

    sent = client.post(answered.headers["Location"])
    assert sent.status_code == 302 and "/referrals/" in sent.headers["Location"]
    referral = db.session.scalars(select(Referral)).one()
    assert [c.full_name for c in referral.children] == ["Amy Smith", "Ben Smith"]
    assert drafts() == []  # sent: the draft is gone with the same commit
    again = client.post(answered.headers["Location"])  # a second press of Send
    assert again.status_code == 404 and referrals() == 1


def test_a_draft_keeps_unfinished_answers_and_only_its_author_sees_it(client, clock, mash, make_user):
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    saved = client.post(
        "/notifications/new",
        data=post({"incident_type": "domestic_abuse", "description": "Shouting heard."}, {"save_draft": "y"}),
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/notifications/drafts")
    (draft,) = drafts()
    listed = client.get("/notifications/drafts").get_data(as_text=True)
    assert "Draft saved. Only you can see it." in listed
    assert "Domestic abuse" in listed and f"/notifications/drafts/{draft.id}" in listed
    reopened = client.get(f"/notifications/drafts/{draft.id}").get_data(as_text=True)
    assert "Shouting heard." in reopened
    assert re.search(r'value="domestic_abuse"[^>]* checked', reopened)

    # Checking it says what is still missing, and sends nothing.
    checked = client.get(f"/notifications/drafts/{draft.id}/check")
    assert checked.status_code == 400
    assert "Enter where it happened, or &#39;Not known&#39;" in checked.get_data(as_text=True)
    assert client.post(f"/notifications/drafts/{draft.id}/check").status_code == 400 and referrals() == 0

    # Another officer of the same force: the draft does not exist for them.
    client.post("/sign-out")
    colleague = make_user(mash["police"].roles[0].name, agency=mash["police"].agency)
    sign_in(client, colleague.email)
    for path in (f"/notifications/drafts/{draft.id}", f"/notifications/drafts/{draft.id}/check"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/notifications/drafts/{draft.id}/delete").status_code == 404
    assert "Shouting heard." not in client.get("/notifications/drafts").get_data(as_text=True)
    assert len(drafts()) == 1


def test_finishing_a_draft_updates_it_rather_than_starting_another(client, clock, mash):
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    client.post("/notifications/new", data=post(domestic_abuse(location=""), {"save_draft": "y"}))
    (draft,) = drafts()
    finished = client.post(
        f"/notifications/drafts/{draft.id}", data=post(domestic_abuse(), *TWO_CHILDREN, {"submit": "y"})
    )
    assert finished.headers["Location"].endswith(f"/notifications/drafts/{draft.id}/check")
    (kept,) = drafts()
    assert kept.id == draft.id and kept.answer("location") == "1 High Street, Northtown"
    assert ["children-0-full_name", "Amy Smith"] in kept.answers
    assert not any(name in ("submit", "save_draft", "csrf_token") for name, _ in kept.answers)


def test_a_draft_that_cannot_be_kept_says_why_and_saves_nothing(client, clock, mash):
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    refused = client.post(
        "/notifications/new",
        data=post(domestic_abuse(description="Shouting\x00 heard."), {"save_draft": "y"}),
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "govuk-error-summary" in page and "What happened" in page
    assert drafts() == []

    too_long = client.post(
        "/notifications/new", data=post(domestic_abuse(description="x" * 500_000), {"save_draft": "y"})
    )
    assert too_long.status_code == 400
    assert "This draft is too long to save" in too_long.get_data(as_text=True)
    assert drafts() == []


def test_an_officer_may_keep_only_so_many_drafts(client, clock, mash):
    clock.set(NOW)
    for _ in range(MAX_DRAFTS_PER_AUTHOR):
        db.session.add(NotificationDraft(author_id=mash["police"].id, answers=[]))
    db.session.commit()
    sign_in(client, mash["police"].email)
    refused = client.post("/notifications/new", data=post(domestic_abuse(), {"save_draft": "y"}))
    assert refused.status_code == 400
    assert f"You already have {MAX_DRAFTS_PER_AUTHOR} drafts" in refused.get_data(as_text=True)
    assert "Neighbours heard shouting" in refused.get_data(as_text=True)  # what was typed is still there
    assert len(drafts()) == MAX_DRAFTS_PER_AUTHOR


def test_deleting_a_draft(client, clock, mash):
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    client.post("/notifications/new", data=post(domestic_abuse(), {"save_draft": "y"}))
    (draft,) = drafts()
    deleted = client.post(f"/notifications/drafts/{draft.id}/delete")
    assert deleted.status_code == 302 and drafts() == []
    assert "Draft deleted." in client.get("/notifications/drafts").get_data(as_text=True)


def test_the_timer_worker_deletes_drafts_nobody_has_saved_for_30_days(client, clock, mash):
    from datetime import timedelta

    from app.timers.worker import run_pass

    clock.set(NOW)
    sign_in(client, mash["police"].email)
    client.post("/notifications/new", data=post(domestic_abuse(), {"save_draft": "y"}))
    clock.advance(days=20)
    client.post("/sign-out")
    sign_in(client, mash["police"].email)  # the session ended long ago
    client.post("/notifications/new", data=post(domestic_abuse(location="2 Low Road"), {"save_draft": "y"}))
    listed = client.get("/notifications/drafts").get_data(as_text=True)
    assert "Deleted after" in listed and "9 April 2026" in listed  # 30 days after the first was saved
    clock.advance(days=10, minutes=1)
    report = run_pass(NOW + timedelta(days=30, minutes=1))
    assert report.drafts == 1
    (kept,) = drafts()
    assert kept.answer("location") == "2 Low Road"


def test_the_times_entered_later_fold_away_unless_they_hold_an_answer_or_an_error(client, clock, mash):
    """Recorded earlier and backlog times sit in a disclosure on both forms; it is open when it
    holds an answer or an error, so the error summary's link reaches the field."""
    clock.set(NOW)
    sign_in(client, mash["police"].email)
    closed = client.get("/notifications/new").get_data(as_text=True)
    assert re.search(r'<details class="govuk-details" id="entered-later">', closed)
    wrong = client.post(
        "/notifications/new", data=post(domestic_abuse(), {"recorded_time": "25:99", "submit": "y"})
    )
    assert wrong.status_code == 400
    assert re.search(r'<details class="govuk-details" id="entered-later" open>', wrong.get_data(as_text=True))
    client.post("/sign-out")
    sign_in(client, mash["social_care"].email)
    contact = client.get("/contacts/new").get_data(as_text=True)
    assert 'id="entered-later"' in contact and "When did they record it?" in contact
