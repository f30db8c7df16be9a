"""The audit area over HTTP: who may see it, the dashboard, the lists and their exports."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, RoleName
from tests.conftest import sign_in
from tests.referrals import steps

URL_VALUES = {"slug": "overdue-actions", "list_name": "list-1", "name": "list-1"}


def audit_urls(app) -> list[tuple[str, str]]:
    """Every audit URL and method, with plausible values for its parts."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/audit"):
            continue
        values = {arg: URL_VALUES.get(arg, 1) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


@pytest.mark.parametrize(
    "role", [RoleName.POLICE, RoleName.SOCIAL_CARE, RoleName.HEALTH, RoleName.ADMINISTRATOR]
)
def test_everyone_without_the_audit_role_gets_403_on_every_audit_url(app, client, login_as, role):
    login_as(role)
    urls = audit_urls(app)
    assert ("GET", "/audit/") in urls and ("GET", "/audit/gaps/overdue-actions.csv") in urls
    csrf = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = False  # so a POST is refused for the role, not the token
    try:
        for method, url in urls:
            response = client.open(url, method=method)
            assert response.status_code == 403, f"{method} {url} gave {response.status_code}"
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf


def test_signed_out_users_are_sent_to_sign_in(app, client):
    for method, url in audit_urls(app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], url


def planted_overdue_case(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    return journey


def test_dashboard_counts_link_to_the_list_behind_them(client, mash, start_journey):
    journey = planted_overdue_case(start_journey)
    sign_in(client, mash["manager"].email)
    page = client.get("/audit/").get_data(as_text=True)
    link = re.search(
        r'<a class="govuk-link" data-gap="strategy-discussion-no-plan" href="([^"]+)">(\d+)', page
    )
    assert link and link.group(2) == "1"
    assert 'role="img"' in page and "<svg" in page and 'data-table="gaps-by-agency"' in page
    listing = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert journey.referral.reference in listing
    assert "Alex Fictional" in listing and "What this list counts" in listing


def test_a_manager_from_another_area_sees_none_of_these_cases(client, make_user, make_agency, start_journey):
    planted_overdue_case(start_journey)
    other = make_agency(name="Elsewhere Children's Services", area="Elsewhere")
    manager = make_user(RoleName.MASH_MANAGER, agency=other)
    sign_in(client, manager.email)
    listing = client.get("/audit/gaps/strategy-discussion-no-plan").get_data(as_text=True)
    assert "<strong>0</strong> cases" in listing


def test_the_list_can_be_filtered_by_owning_agency(client, mash, start_journey):
    journey = planted_overdue_case(start_journey)
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm())
    sign_in(client, mash["manager"].email)
    health = client.get("/audit/gaps/strategy-discussion-no-plan?owner=health").get_data(as_text=True)
    police = client.get("/audit/gaps/strategy-discussion-no-plan?owner=police").get_data(as_text=True)
    assert journey.referral.reference in health
    assert journey.referral.reference not in police


def test_bad_filters_get_specific_messages(client, mash):
    sign_in(client, mash["manager"].email)
    page = client.get("/audit/?from=2026-02-30&to=2099-01-01&area=Nowhere").get_data(as_text=True)
    assert "The start of the period must be a real date" in page
    assert "The end of the period must be today or in the past" in page
    assert "Choose an area from the list" in page
    assert client.get("/audit/gaps/not-a-gap").status_code == 404


def test_an_auditor_can_see_the_audit_area(client, auditor):
    sign_in(client, auditor.email)
    assert client.get("/audit/").status_code == 200
    assert client.get("/audit/gaps/icpc-overdue").status_code == 200


def test_each_export_is_recorded_with_who_what_and_how_many_rows(client, mash, start_journey):
    journey = planted_overdue_case(start_journey)
    sign_in(client, mash["manager"].email)
    response = client.get("/audit/gaps/strategy-discussion-no-plan.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("Referral,")
    assert len(lines) == 2 and journey.referral.reference in lines[1]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.actor_id == mash["manager"].id
    assert event.subject == "gap-list:strategy-discussion-no-plan"
    assert event.details["cases"] == 1 and "from" in event.details["filters"]


def test_a_bad_filter_on_an_export_says_what_is_wrong_and_records_nothing(client, mash):
    sign_in(client, mash["manager"].email)
    response = client.get("/audit/gaps/overdue-actions.csv?from=2026-13-01")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "The start of the period must be a real date" in response.get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []


# ---------------------------------------------------------------- gaps 12 to 16 on generated cases

HISTORY_GAPS = (
    "repeat-missing-no-strategy-discussion",
    "return-home-interview-overdue",
    "repeat-no-further-action",
    "possible-match-unresolved",
    "notification-delayed",
)


def test_each_history_gap_lists_its_planted_cases_for_a_manager_and_the_dashboard_counts_them(
    client, clock, make_user
):
    from datetime import UTC, datetime

    from app.models import Agency, AgencyKind, Referral
    from app.sample_data.generate import generate

    now = clock.set(datetime(2026, 4, 7, 9, 30, tzinfo=UTC), tick=True)
    planted = generate(60, seed=11, now=now)
    db.session.commit()
    for area in ("Northshire", "Southvale"):
        social = db.session.scalar(
            select(Agency).where(
                Agency.local_authority_area == area, Agency.kind == AgencyKind.CHILDRENS_SOCIAL_CARE
            )
        )
        manager = make_user(RoleName.MASH_MANAGER, agency=social)
        sign_in(client, manager.email)
        in_area = dict(
            db.session.execute(
                select(Referral.id, Referral.reference).where(Referral.local_authority_area == area)
            ).all()
        )
        dashboard = client.get("/audit/")
        assert dashboard.status_code == 200
        page = dashboard.get_data(as_text=True)
        for slug in HISTORY_GAPS:
            expected = {i for i in planted[slug] if i in in_area}
            counted = re.search(rf'data-gap="{slug}" href="[^"]+">(\d+)', page)
            assert counted and int(counted.group(1)) == len(expected), (area, slug)
            response = client.get(f"/audit/gaps/{slug}")
            assert response.status_code == 200
            listing = response.get_data(as_text=True)
            assert f"<strong>{len(expected)}</strong> case" in listing, (area, slug)
            listed = {int(i) for i in re.findall(r'data-referral-id="(\d+)"', listing)}
            assert listed == expected, (area, slug)
            assert all(in_area[i] in listing for i in expected)
        client.post("/sign-out")
    assert all(planted[slug] for slug in HISTORY_GAPS)
