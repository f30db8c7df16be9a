"""The task inbox a page at a time: 50 tasks a page, in the inbox's order, filters kept."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import ReadyTask
from app.paging import PAGE_SIZE
from tests.conftest import sign_in


def shown(html: str) -> list[str]:
    return re.findall(r'data-task="([^"]+)"', html)


def page_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="govuk-pagination".*?</nav>', html, re.S)
    assert nav, "no pagination on the page"
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', nav.group(0))]


def test_the_inbox_shows_50_tasks_a_page_earliest_due_first_across_the_pages(
    client, clock, start_journey, mash
):
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    for _ in range(PAGE_SIZE + 5):
        start_journey()
        clock.advance(minutes=7)  # each triage due a little later than the one before
    in_order = [
        f"{referral_id}/{task_id}"
        for referral_id, task_id in db.session.execute(
            select(ReadyTask.referral_id, ReadyTask.task_id)
            .where(ReadyTask.step == "triage")
            .order_by(ReadyTask.due_at, ReadyTask.id)
        )
    ]
    assert len(in_order) == PAGE_SIZE + 5
    sign_in(client, mash["social_care"].email)

    first = client.get("/tasks").get_data(as_text=True)
    assert shown(first) == in_order[:PAGE_SIZE]
    assert "Showing 1 to 50 of <strong>55</strong> tasks" in first
    assert "/tasks?page=2" in page_links(first)

    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert shown(second) == in_order[PAGE_SIZE:]
    assert "Showing 51 to 55 of <strong>55</strong> tasks" in second
    # A page past the end shows the last page; nonsense shows the first.
    assert shown(client.get("/tasks?page=9").get_data(as_text=True)) == in_order[PAGE_SIZE:]
    assert shown(client.get("/tasks?page=x").get_data(as_text=True)) == in_order[:PAGE_SIZE]


def test_the_inbox_filters_are_kept_in_its_page_links(client, clock, start_journey, mash):
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    journeys = []
    for _ in range(PAGE_SIZE + 3):
        journeys.append(start_journey())
        clock.advance(minutes=7)
    due = sorted(db.session.scalars(select(ReadyTask.due_at).where(ReadyTask.step == "triage")))
    now = clock.set(due[9] + timedelta(seconds=1))  # some of the triages are now overdue
    sign_in(client, mash["social_care"].email)
    picked = journeys[0]
    assert (
        client.post(f"/referrals/{picked.referral.id}/tasks/{picked.ready()['triage']}/pick-up").status_code
        == 302
    )

    first = client.get("/tasks?unassigned=1&lane=Social+care").get_data(as_text=True)
    picked_task = f"{picked.referral.id}/{picked.ready()['triage']}"
    assert picked_task not in shown(first)
    assert "of <strong>52</strong> tasks" in first
    next_page = next(link for link in page_links(first) if "page=2" in link)
    assert "unassigned=1" in next_page and "lane=Social+care" in next_page
    second = client.get(next_page).get_data(as_text=True)
    assert len(shown(second)) == 2
    assert not set(shown(first)) & set(shown(second))
    assert picked_task not in shown(second)

    overdue = client.get("/tasks?overdue=1").get_data(as_text=True)
    late = sum(1 for at in due if at < now)
    assert 0 < late < PAGE_SIZE and len(shown(overdue)) == late
    assert all(
        "Overdue" in row
        for row in re.findall(r'<tr class="govuk-table__row" data-task=.*?</tr>', overdue, re.S)
    )


def test_a_long_inbox_counts_only_so_far_past_the_page(client, clock, start_journey, mash, monkeypatch):
    """The count stops a fixed number of tasks past the page (1,000 in service; 3 here), so the
    inbox costs the same at any size; it says "more than" and still pages to the end."""
    monkeypatch.setattr("app.timers.inbox.INBOX_COUNT_AHEAD", 3)
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    for _ in range(PAGE_SIZE + 10):
        start_journey()
        clock.advance(minutes=7)
    sign_in(client, mash["social_care"].email)
    first = client.get("/tasks").get_data(as_text=True)
    assert "Showing 1 to 50 of <strong>more than 53</strong> tasks" in first
    assert len(shown(first)) == PAGE_SIZE and "/tasks?page=2" in page_links(first)
    second = client.get("/tasks?page=2").get_data(as_text=True)
    assert "Showing 51 to 60 of <strong>60</strong> tasks" in second  # the whole count is within reach
    assert len(shown(second)) == 10
