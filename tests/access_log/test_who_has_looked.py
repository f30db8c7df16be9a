"""Who has looked at this child: the page for managers and auditors, its filters, paging and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Involvement, RoleName
from app.models.persons import PersonRole
from tests.conftest import sign_in


def page(response) -> str:
    return response.get_data(as_text=True)


def child_person_id(referral_id: int) -> int:
    return db.session.scalar(
        select(Involvement.person_id).where(
            Involvement.referral_id == referral_id, Involvement.role == PersonRole.CHILD
        )
    )


@pytest.fixture
def viewed_case(client, start_journey, mash, clock):
    """A referral the police officer viewed on 1 March and the social worker on 3 March."""
    clock.set(datetime(2026, 3, 1, 9, tzinfo=UTC), tick=True)
    journey = start_journey()
    referral_id = journey.referral.id
    emails = {role: mash[role].email for role in ("police", "social_care", "manager")}
    client.environ_base["REMOTE_ADDR"] = "10.0.0.7"  # a session stays with the address it began at
    sign_in(client, emails["police"])
    client.get(f"/referrals/{referral_id}")
    client.post("/sign-out")
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    clock.set(datetime(2026, 3, 3, 15, tzinfo=UTC), tick=True)
    sign_in(client, emails["social_care"])
    client.get(f"/referrals/{referral_id}")
    client.get(f"/people/{child_person_id(referral_id)}")
    client.post("/sign-out")
    sign_in(client, emails["manager"])
    return referral_id


def test_managers_see_every_view_and_change_of_a_referral(client, viewed_case, mash):
    response = client.get(f"/audit/access/referrals/{viewed_case}")
    assert response.status_code == 200
    shown = page(response)
    assert mash["police"].full_name in shown and mash["social_care"].full_name in shown
    assert "Viewed the referral" in shown and "Created the referral" in shown and "10.0.0.7" in shown


def test_the_person_page_covers_the_referrals_that_name_them(client, viewed_case, mash):
    person_id = child_person_id(viewed_case)
    shown = page(client.get(f"/audit/access/people/{person_id}"))
    assert "Viewed the person&#39;s page" in shown or "Viewed the person's page" in shown
    assert "Viewed the referral" in shown and mash["police"].full_name in shown


def test_filtered_by_user_and_by_date(client, viewed_case, mash):
    url = f"/audit/access/referrals/{viewed_case}"
    by_user = page(client.get(url, query_string={"user": str(mash["police"].id)}))
    assert mash["police"].full_name in by_user.split("access-entries")[1]
    assert mash["social_care"].full_name not in by_user.split("access-entries")[1]
    by_date = page(
        client.get(url + "?from_date=2&from_date=3&from_date=2026&to_date=3&to_date=3&to_date=2026")
    )
    body = by_date.split("access-entries")[1]
    assert mash["social_care"].full_name in body and mash["police"].full_name not in body


def test_a_date_that_is_not_real_is_a_form_error(client, viewed_case):
    response = client.get(f"/audit/access/referrals/{viewed_case}?from_date=31&from_date=2&from_date=2026")
    assert response.status_code == 400 and "The start date must be a real date" in page(response)
    backwards = client.get(
        f"/audit/access/referrals/{viewed_case}?from_date=3&from_date=3&from_date=2026&to_date=1&to_date=3&to_date=2026"
    )
    assert backwards.status_code == 400 and "The end date must be the same as or after" in page(backwards)


def test_paged_in_sql(client, viewed_case, mash):
    from app.access_log.routes import PAGE_SIZE
    from app.models import record_audit_event

    for _ in range(PAGE_SIZE + 5):
        record_audit_event(mash["health"], "viewed", f"referral:{viewed_case}", page="referral")
    db.session.commit()
    first = page(client.get(f"/audit/access/referrals/{viewed_case}"))
    assert "Page 1 of 2" in first and first.count("data-entry-id=") == PAGE_SIZE
    second = page(client.get(f"/audit/access/referrals/{viewed_case}?page=2"))
    assert "Page 2 of 2" in second and 0 < second.count("data-entry-id=") < PAGE_SIZE


def test_the_csv_export_is_itself_logged(client, viewed_case, mash):
    response = client.get(f"/audit/access/referrals/{viewed_case}.csv?user={mash['police'].id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(page(response))))
    assert rows[0][:3] == ["Entry", "When (UK time)", "Who"]
    assert {row[2] for row in rows[1:]} == {mash["police"].full_name}
    export = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id.desc())
    ).first()
    assert export.subject == f"access-log:referral:{viewed_case}"
    assert export.details["rows"] == len(rows) - 1 and export.actor_id == mash["manager"].id


def test_only_managers_and_auditors_may_look(client, viewed_case, mash, make_user):
    client.post("/sign-out")
    sign_in(client, mash["social_care"].email)
    assert client.get(f"/audit/access/referrals/{viewed_case}").status_code == 403
    assert client.get(f"/audit/access/referrals/{viewed_case}.csv").status_code == 403
    client.post("/sign-out")
    auditor = make_user(RoleName.AUDITOR, agency=mash["social_care"].agency)
    sign_in(client, auditor.email)
    assert client.get(f"/audit/access/referrals/{viewed_case}").status_code == 200


def test_linked_from_the_referral_and_person_pages_for_managers_only(client, viewed_case, mash):
    assert "Who has looked at this referral" in page(client.get(f"/referrals/{viewed_case}"))
    assert "Who has looked at this person" in page(client.get(f"/people/{child_person_id(viewed_case)}"))
    client.post("/sign-out")
    sign_in(client, mash["social_care"].email)
    assert "Who has looked" not in page(client.get(f"/referrals/{viewed_case}"))


def test_a_manager_of_another_area_cannot_see_the_case(client, viewed_case, make_user, make_agency):
    from app.models import AgencyKind

    elsewhere = make_agency(
        name="Otherland Children's Services", kind=AgencyKind.CHILDRENS_SOCIAL_CARE, area="Otherland"
    )
    client.post("/sign-out")
    sign_in(client, make_user(RoleName.MASH_MANAGER, agency=elsewhere).email)
    assert client.get(f"/audit/access/referrals/{viewed_case}").status_code == 403
    assert client.get(f"/audit/access/referrals/{2**31}").status_code == 403
