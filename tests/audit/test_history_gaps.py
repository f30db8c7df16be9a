"""Gaps 12 to 15, about a child's history across referrals, driven by real referrals through the
services: cases enter each list and leave it as soon as what it looks for is recorded. After each
test the facts must equal a fresh rebuild (tests/audit/dashboard_oracle.py), which checks that a
change on one case rewrites the facts of the other cases about the same child."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.case_record import case_facts
from app.audit.gaps import case_ids, rows_for
from app.audit.gaps.dates import latest_start_past_working_days
from app.audit.scope import AuditScope
from app.domain.clock import utcnow
from app.domain.working_days import DEFAULT_CALENDAR
from app.extensions import db
from app.missing import services as missing
from app.models import AuditStage, MatchStatus, MissingEpisode, PossibleMatch
from app.people import services as people
from app.referrals import services
from tests.referrals import steps

NHS = "9434765919"


@pytest.fixture(autouse=True)
def june(clock):
    clock.set(datetime(2026, 6, 19, 9, 0, tzinfo=UTC), tick=True)  # a Friday


def everything() -> AuditScope:
    return AuditScope.everything(utcnow())


def missing_referral(mash, reported: datetime, child: dict | None = None, found: datetime | None = None):
    data = steps.notification(
        incident_type="missing",
        dash_level=None,
        occurred_at=reported,
        children=[child or steps.child("Jordan Fictional", nhs_number=NHS)],
        missing_episode={
            "kind": "missing",
            "missing_from": "home",
            "looked_after": False,
            "reported_at": reported,
            "found_at": found or reported + timedelta(hours=6),
            "found_where": "A friend's house",
            "found_with": None,
        },
    )
    referral = services.create_referral(mash["police"], data)
    db.session.commit()
    return referral


def facts_of(referral, stage: AuditStage) -> dict[str, tuple[str, bool]]:
    return {f.label: (f.value, f.concern) for f in case_facts(referral, utcnow())[stage]}


# ---------------------------------------------------------------- 12


def test_a_third_missing_episode_in_90_days_needs_a_strategy_discussion(mash):
    now = utcnow()
    first = missing_referral(mash, now - timedelta(days=130))
    second = missing_referral(mash, now - timedelta(days=60))
    third = missing_referral(mash, now - timedelta(days=20))
    # The first is more than 90 days before the third: two in the window, not three.
    assert case_ids("repeat-missing-no-strategy-discussion", everything()) == set()
    fourth = missing_referral(mash, now - timedelta(days=2))
    assert case_ids("repeat-missing-no-strategy-discussion", everything()) == {fourth.id}
    [row] = rows_for("repeat-missing-no-strategy-discussion", everything())
    assert row.detail.startswith("3 missing episodes in the 90 days to") and row.owners == ("social_care",)
    assert {first.id, second.id, third.id}.isdisjoint(
        case_ids("repeat-missing-no-strategy-discussion", everything())
    )
    assert facts_of(fourth, AuditStage.STRATEGY_DISCUSSION)["Not reached"][1] is True


def test_an_absent_episode_does_not_count_and_a_confirmed_match_brings_the_history(mash):
    now = utcnow()
    missing_referral(
        mash, now - timedelta(days=50), steps.child("Casey Fictional", date(2013, 3, 4), nhs_number=NHS)
    )
    missing_referral(
        mash, now - timedelta(days=30), steps.child("Casey Fictional", date(2013, 3, 4), nhs_number=NHS)
    )
    # Misspelt, day and month swapped, no NHS number: offered as a possible match, not linked.
    latest = missing_referral(
        mash, now - timedelta(days=3), steps.child("Kasey  Fictional", date(2013, 4, 3))
    )
    assert case_ids("repeat-missing-no-strategy-discussion", everything()) == set()
    match = db.session.scalar(select(PossibleMatch).where(PossibleMatch.referral_id == latest.id))
    people.confirm_match(mash["social_care"], match)
    db.session.commit()
    # The merge moved the involvement: the three episodes are one child's.
    assert case_ids("repeat-missing-no-strategy-discussion", everything()) == {latest.id}
    # Absent is not missing.
    episode = db.session.scalar(select(MissingEpisode).where(MissingEpisode.referral_id == latest.id))
    episode.kind = "absent"
    db.session.commit()
    assert case_ids("repeat-missing-no-strategy-discussion", everything()) == set()


# ---------------------------------------------------------------- 13


def test_a_return_home_interview_is_listed_72_hours_after_the_child_was_found(mash, clock):
    found = utcnow() - timedelta(hours=70)
    referral = missing_referral(mash, found - timedelta(hours=10), found=found)
    assert case_ids("return-home-interview-overdue", everything()) == set()
    clock.advance(hours=3)
    assert case_ids("return-home-interview-overdue", everything()) == {referral.id}
    [row] = rows_for("return-home-interview-overdue", everything())
    assert "Jordan Fictional: found" in row.detail and row.detail.endswith("not offered yet")
    assert row.how_long == "73 hours since found"
    episode = db.session.scalar(select(MissingEpisode).where(MissingEpisode.referral_id == referral.id))
    assert facts_of(referral, AuditStage.NOTIFICATION)["Jordan Fictional: return home interview"][1] is True
    # Offered is not yet recorded; held is.
    missing.record_interview(mash["social_care"], episode, "offered", utcnow().date(), None, None)
    db.session.commit()
    assert case_ids("return-home-interview-overdue", everything()) == {referral.id}
    missing.record_interview(
        mash["social_care"], episode, "done", utcnow().date(), "Went to a friend's.", None
    )
    db.session.commit()
    assert case_ids("return-home-interview-overdue", everything()) == set()
    assert facts_of(referral, AuditStage.NOTIFICATION)["Jordan Fictional: return home interview"] == (
        "Held",
        False,
    )


def test_a_declined_interview_counts_as_recorded(mash):
    referral = missing_referral(mash, utcnow() - timedelta(days=6))
    assert case_ids("return-home-interview-overdue", everything()) == {referral.id}
    episode = db.session.scalar(select(MissingEpisode).where(MissingEpisode.referral_id == referral.id))
    missing.record_interview(
        mash["social_care"], episode, "declined", utcnow().date(), None, "Did not want to."
    )
    db.session.commit()
    assert case_ids("return-home-interview-overdue", everything()) == set()


# ---------------------------------------------------------------- 14


def closed_nfa(start_journey, child: dict):
    journey = start_journey(children=[child], incident_type="neglect", dash_level=None)
    journey.do(
        "triage",
        {**steps.triage("green"), "research_needed": False, "research_not_needed_reason": "Known family."},
    )
    journey.do(
        "threshold_decision",
        {**steps.threshold("nfa"), "history_weighed": "An earlier closure, no new concern."},
    )
    if "resolve_disagreement" in journey.ready():
        journey.do("resolve_disagreement", {"outcome": "nfa", "resolution": "Agreed: no further action."})
    journey.do("record_outcome", steps.record_outcome())
    return journey.referral


def test_a_child_closed_with_no_further_action_twice_in_12_months(start_journey, clock):
    first = closed_nfa(start_journey, steps.child("Robin Fictional", nhs_number=NHS))
    assert case_ids("repeat-no-further-action", everything()) == set()
    clock.advance(days=40)
    # A different child of the same name is a different person.
    closed_nfa(start_journey, steps.child("Robin Fictional", date(2016, 8, 1), nhs_number="9000000009"))
    assert case_ids("repeat-no-further-action", everything()) == set()
    second = closed_nfa(start_journey, steps.child("Robin Fictional", nhs_number=NHS))
    assert case_ids("repeat-no-further-action", everything()) == {second.id}
    [row] = rows_for("repeat-no-further-action", everything())
    assert first.reference in row.detail and row.owners == ("social_care",)
    assert facts_of(second, AuditStage.OUTCOME)["Earlier no further action"][1] is True
    # A year and more on, the third closure is not within 12 months of the first two.
    clock.advance(days=400)
    third = closed_nfa(start_journey, steps.child("Robin Fictional", nhs_number=NHS))
    assert case_ids("repeat-no-further-action", everything()) == {second.id}
    assert third.id not in case_ids("repeat-no-further-action", everything())


# ---------------------------------------------------------------- 15


def test_a_possible_match_open_for_more_than_one_working_day_is_listed(start_journey, clock):
    start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    second = start_journey(children=[steps.child("Kasey  Fictional", date(2013, 4, 3))])
    [match] = db.session.scalars(select(PossibleMatch).where(PossibleMatch.referral_id == second.referral.id))
    assert match.status is MatchStatus.OPEN
    # Offered on Friday at 09:00 (London 10:00): a working day of working time runs out on
    # Monday at 10:00, so it is listed from a moment after that.
    clock.advance(days=3, minutes=-1)
    assert case_ids("possible-match-unresolved", everything()) == set()
    clock.advance(minutes=2)
    assert case_ids("possible-match-unresolved", everything()) == {second.referral.id}
    [row] = rows_for("possible-match-unresolved", everything())
    assert "Kasey  Fictional: a possible match offered" in row.detail and row.how_long == "8 working hours"
    assert facts_of(second.referral, AuditStage.TRIAGE)["Possible match for Kasey  Fictional"][1] is True
    people.reject_match(second.users["social_care"], match)
    db.session.commit()
    assert case_ids("possible-match-unresolved", everything()) == set()


def test_the_working_day_cut_off_agrees_with_the_calendar():
    """A start is past one working day exactly when more than a day's working hours have passed since."""
    start = datetime(2026, 3, 27, 6, tzinfo=UTC)  # the Friday before the clocks change
    for minutes in range(0, 60 * 24 * 12, 37):
        now = start + timedelta(minutes=minutes)
        cut = latest_start_past_working_days(DEFAULT_CALENDAR, now, 1)
        for moment in (cut - timedelta(seconds=1), cut, cut + timedelta(seconds=1)):
            assert (DEFAULT_CALENDAR.hours_between(moment, now) > 8) == (moment < cut), (now, moment)
