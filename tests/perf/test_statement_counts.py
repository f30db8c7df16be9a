"""The statements one page sends do not grow with the number of referrals.

The inbox and a gap list are paged by the database and load what a row shows with
the page, so a page sends the same statements for 3N referrals as for N. The
referrals are made by the data generator, through the same services the app uses.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, AgencyKind, RoleName
from app.sample_data.generate import generate
from tests.conftest import sign_in
from tests.referrals import steps
from tests.referrals.test_http import token_for
from tests.statements import recorded_statements

N = 100
NOW = datetime(2026, 4, 7, 9, 30, tzinfo=UTC)


def northshire(kind: AgencyKind) -> Agency:
    return db.session.scalar(
        select(Agency).where(Agency.local_authority_area == "Northshire", Agency.kind == kind)
    )


def get_counted(client, url: str) -> tuple[int, str]:
    with recorded_statements() as sent:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(sent), response.get_data(as_text=True)


@pytest.fixture
def referrals(clock):
    """`add(n)` generates n more referrals (as of a fixed moment, with the clock ticking on)."""
    clock.set(NOW, tick=True)
    seeds = iter(range(21, 99))

    def add(n: int) -> None:
        generate(n, seed=next(seeds), now=NOW)
        db.session.commit()

    return add


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (RoleName.MASH_MANAGER, "/tasks"),
        # The tasks alone: 'Not picked up' hides the other deadlines (they have no assignee).
        (RoleName.SOCIAL_CARE, "/tasks?unassigned=1"),
        # With the other deadlines (plan actions, conferences) under the first page.
        (RoleName.SOCIAL_CARE, "/tasks"),
    ],
)
def test_an_inbox_page_sends_as_many_statements_for_3n_referrals_as_for_n(
    client, make_user, referrals, role, url
):
    referrals(N)
    user = make_user(role, agency=northshire(AgencyKind.CHILDRENS_SOCIAL_CARE))
    sign_in(client, user.email)
    client.get(url)  # the first request of a session may set things up
    at_n, page = get_counted(client, url)
    rows_at_n = len(re.findall(r"data-task=", page))

    referrals(2 * N)
    at_3n, page = get_counted(client, url)
    rows_at_3n = len(re.findall(r"data-task=", page))
    assert 0 < rows_at_n < rows_at_3n  # more rows on the page, or the test proves nothing
    assert at_3n == at_n


@pytest.mark.parametrize(
    "slug", ["strategy-discussion-no-plan", "overdue-actions", "police-protection", "child-not-heard"]
)
def test_a_gap_list_page_sends_as_many_statements_for_3n_referrals_as_for_n(
    client, make_user, referrals, slug
):
    referrals(N)
    manager = make_user(RoleName.MASH_MANAGER, agency=northshire(AgencyKind.CHILDRENS_SOCIAL_CARE))
    sign_in(client, manager.email)
    url = f"/audit/gaps/{slug}?from=2025-04-08&to=2026-04-07"
    client.get(url)
    at_n, page = get_counted(client, url)
    rows_at_n = len(re.findall(r"data-referral-id=", page))

    referrals(2 * N)
    at_3n, page = get_counted(client, url)
    rows_at_3n = len(re.findall(r"data-referral-id=", page))
    assert 0 < rows_at_n < rows_at_3n
    assert at_3n == at_n


def test_completing_a_task_through_the_api_sends_as_many_statements_for_3n_referrals_as_for_n(
    client, clock, referrals, start_journey, mash
):
    clock.set(NOW)  # stopped: the token's last use is written by the first completion only
    headers = token_for(mash["social_care"])

    def complete_triage() -> int:
        journey = start_journey()
        url = f"/api/v1/referrals/{journey.referral.id}/tasks/{journey.ready()['triage']}"
        answers = {"version": journey.referral.version} | steps.triage("amber", False)
        answers["significant_harm_suspected"] = False
        with recorded_statements() as sent:
            response = client.post(url, json=answers, headers=headers)
        assert response.status_code == 200, response.get_json()
        assert [t["step"] for t in response.get_json()["tasks"]] != ["triage"]
        # The reply is built from what the completion already holds: the new ready tasks
        # are not read back after they are written.
        written = max(i for i, s in enumerate(sent) if s.startswith("INSERT INTO ready_tasks"))
        assert not [s for s in sent[written:] if "FROM ready_tasks" in s]
        # Nor is anything else: the reply is the referral's row and its tasks, and the rest of
        # the record is a link away.
        reads_after = [s for s in sent[written:] if s.lstrip().startswith("SELECT")]
        assert not reads_after, reads_after
        reply = response.get_json()
        assert reply["links"]["referral"] == f"/api/v1/referrals/{journey.referral.id}"
        assert reply["version"] == journey.referral.version
        return len(sent)

    complete_triage()  # the first one writes the token's last use, and may load the spec version
    referrals(N)
    at_n = complete_triage()
    referrals(2 * N)
    assert complete_triage() == at_n
