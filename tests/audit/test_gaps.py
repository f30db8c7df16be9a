"""Gap lists driven by real journeys: cases enter a gap and leave it as soon as it is closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.audit.gaps import GAPS, case_ids, rows_for
from app.audit.gaps.dates import latest_date_past_target, latest_overdue_due_date
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import PlanAction
from tests.referrals import steps


def everything(now: datetime | None = None) -> AuditScope:
    return AuditScope.everything(now or datetime.now(UTC))


def test_every_gap_has_a_documented_slug():
    text = Path("docs/audit-rules.md").read_text(encoding="utf-8")
    assert [g.number for g in GAPS] == list(range(1, len(GAPS) + 1))
    for gap in GAPS:
        assert f"`{gap.slug}`" in text


def test_a_case_leaves_the_no_plan_list_the_moment_its_plan_is_in_force(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    referral_id = journey.referral.id
    journey.do("threshold_decision", steps.threshold("s47"))
    assert referral_id in case_ids("s47-no-strategy-discussion", everything())
    journey.do("strategy_discussion", steps.strategy())
    assert referral_id not in case_ids("s47-no-strategy-discussion", everything())
    assert referral_id in case_ids("strategy-discussion-no-plan", everything())
    journey.do("protective_plan", steps.plan())
    [row] = [r for r in rows_for("strategy-discussion-no-plan", everything()) if r.referral_id == referral_id]
    assert set(row.owners) == {"police", "health"}
    journey.do("police_confirm_plan", steps.confirm())
    [row] = [r for r in rows_for("strategy-discussion-no-plan", everything()) if r.referral_id == referral_id]
    assert row.owners == ("health",)
    journey.do("health_confirm_plan", steps.confirm())
    assert referral_id not in case_ids("strategy-discussion-no-plan", everything())


def test_a_declined_plan_keeps_the_case_in_the_no_plan_list(start_journey):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    journey.do("protective_plan", steps.plan())
    journey.do("police_confirm_plan", steps.confirm(False))
    journey.do("health_confirm_plan", steps.confirm())
    [row] = [
        r
        for r in rows_for("strategy-discussion-no-plan", everything())
        if r.referral_id == journey.referral.id
    ]
    assert row.owners == ("social_care",) and "declined" in row.detail


def test_an_action_due_on_a_friday_is_overdue_from_the_next_working_day(start_journey, clock):
    friday = date(2026, 11, 27)
    clock.set(datetime(2026, 11, 23, 10, tzinfo=UTC), tick=True)  # the Monday before
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do("strategy_discussion", steps.strategy())
    plan = steps.plan()
    plan["actions"][1]["due_date"] = friday
    journey.do("protective_plan", plan)
    journey.do("police_confirm_plan", steps.confirm())
    journey.do("health_confirm_plan", steps.confirm())
    referral_id = journey.referral.id

    def overdue_on(day: date) -> list:
        now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        return [r for r in rows_for("overdue-actions", everything(now)) if r.referral_id == referral_id]

    assert overdue_on(friday) == []
    assert overdue_on(date(2026, 11, 28)) == []  # Saturday
    assert overdue_on(date(2026, 11, 29)) == []  # Sunday
    [row] = overdue_on(date(2026, 11, 30))  # Monday
    assert row.owners == ("police",) and row.how_long == "1 working day overdue"
    action = db.session.get(PlanAction, journey.referral.plan.actions[1].id)
    from app.referrals import services

    services.update_plan_action(journey.users["police"], action, "done", "Interviewed.")
    db.session.flush()
    assert overdue_on(date(2026, 11, 30)) == []


def test_overdue_and_icpc_cut_offs_skip_weekends_and_bank_holidays():
    assert latest_overdue_due_date(date(2026, 11, 30)) == date(
        2026, 11, 29
    )  # Monday: Fri, Sat, Sun all overdue
    assert latest_overdue_due_date(date(2026, 11, 27)) == date(2026, 11, 26)
    # Christmas 2026 is a Friday and Boxing Day's holiday is Monday 28th: an action due
    # on Thursday 24th is first overdue on Tuesday 29th.
    assert latest_overdue_due_date(date(2026, 12, 28)) == date(2026, 12, 23)
    assert latest_overdue_due_date(date(2026, 12, 29)) == date(2026, 12, 28)
    # 15 working days after Mon 2 Nov 2026 is Mon 23 Nov, so on 24 Nov it is past its target.
    assert latest_date_past_target(date(2026, 11, 24), 15) == date(2026, 11, 2)


def test_late_and_awaited_threshold_decisions(start_journey):
    journey = start_journey()
    referral = journey.referral
    later = referral.threshold_due_at + timedelta(hours=1)
    assert referral.id not in case_ids(
        "late-threshold-decision", everything(referral.threshold_due_at - timedelta(minutes=1))
    )
    assert referral.id in case_ids("late-threshold-decision", everything(later))
    journey.to_threshold()
    journey.do("threshold_decision", steps.threshold("s17"))  # decided now: in time
    assert referral.id not in case_ids("late-threshold-decision", everything(later))


def test_children_not_heard_show_the_reasons(start_journey):
    quiet = steps.child(
        "Sam Fictional",
        spoken_to=False,
        not_spoken_to_reason="Asleep when officers attended",
        voice=None,
        voice_not_recorded_reason="Not spoken to",
    )
    journey = start_journey(children=[steps.child(), quiet])
    [row] = [r for r in rows_for("child-not-heard", everything()) if r.referral_id == journey.referral.id]
    assert "Sam Fictional" in row.detail and "Asleep when officers attended" in row.detail
    assert "Alex Fictional" not in row.detail
    assert row.owners == ("police",)


def test_an_escalated_decision_is_unresolved_until_a_manager_resolves_it(start_journey):
    journey = start_journey().to_threshold(rag="amber")
    journey.do("threshold_decision", steps.threshold("nfa"))  # differs from the s17 recommendation
    referral_id = journey.referral.id
    assert referral_id in case_ids("unresolved-escalations", everything())
    journey.do("resolve_disagreement", {"outcome": "s47", "resolution": "Manager agrees harm is suspected."})
    assert referral_id not in case_ids("unresolved-escalations", everything())
    assert referral_id in case_ids("s47-no-strategy-discussion", everything())


@pytest.mark.parametrize("agency", ["police", "health"])
def test_a_strategy_discussion_without_an_agency_is_listed_with_its_reason(start_journey, agency):
    journey = start_journey().to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    data = steps.strategy()
    data["attendees"] = [a for a in data["attendees"] if a["agency_kind"] != agency]
    data[f"{agency}_absence_reason"] = "Could not attend at short notice"
    journey.do("strategy_discussion", data)
    [row] = [
        r
        for r in rows_for("strategy-discussion-missing-agency", everything())
        if r.referral_id == journey.referral.id
    ]
    assert row.owners == (agency,)
    assert "Could not attend at short notice" in row.detail


def custody_case(start_journey, aa_hours: float, refused: bool, escalated: bool | None):
    arrived = (datetime.now(UTC) - timedelta(hours=60)).replace(microsecond=0)
    requested = arrived + timedelta(minutes=30)
    return start_journey(
        incident_type="child_in_custody",
        dash_level=None,
        occurred_at=arrived - timedelta(hours=1),
        custody_arrived_at=arrived,
        custody_aa_requested_at=requested,
        custody_aa_arrived_at=requested + timedelta(hours=aa_hours),
        custody_healthcare_assessed=False,
        custody_accommodation_requested=True,
        custody_accommodation_refused=refused,
        custody_refusal_escalated=escalated,
        children=[steps.child("Jordan Fictional", dob=date(2011, 2, 3))],
    )


def test_children_in_custody_flag_the_appropriate_adult_delay_and_unescalated_refusal(start_journey):
    journey = custody_case(start_journey, aa_hours=7, refused=True, escalated=False)
    journey.to_threshold(rag="amber")
    journey.do("threshold_decision", steps.threshold("s17"))  # a referral to social care: (a) does not apply
    [row] = [r for r in rows_for("children-in-custody", everything()) if r.referral_id == journey.referral.id]
    assert "7.0 hours after being requested" in row.detail
    assert "refused and not escalated" in row.detail
    assert "No referral to children's social care" not in row.detail
    assert row.owners == ("police",) and row.how_long == "7.0 hours"


def test_a_custody_case_closed_with_no_further_action_had_no_referral_to_social_care(start_journey, app):
    journey = custody_case(start_journey, aa_hours=1, refused=False, escalated=None)
    journey.to_threshold(rag="green")
    journey.do("threshold_decision", steps.threshold("nfa"))
    if "resolve_disagreement" in journey.ready():
        journey.do("resolve_disagreement", {"outcome": "nfa", "resolution": "Agreed."})
    [row] = [r for r in rows_for("children-in-custody", everything()) if r.referral_id == journey.referral.id]
    assert row.owners == ("social_care",) and "No referral to children's social care" in row.detail
    # The appropriate adult threshold is configurable.
    app.config["AUDIT_APPROPRIATE_ADULT_HOURS"] = 0.5
    try:
        [row] = [
            r for r in rows_for("children-in-custody", everything()) if r.referral_id == journey.referral.id
        ]
        assert "1.0 hours after being requested" in row.detail
    finally:
        app.config["AUDIT_APPROPRIATE_ADULT_HOURS"] = 4


def test_the_domestic_abuse_list_counts_the_mash_grading_not_the_officers(start_journey):
    from app.audit.gaps import rows_for as listed

    def closed(level_at_triage: str | None):
        journey = start_journey(dash_level="medium")
        triage = {
            **steps.triage("green"),
            "research_needed": False,
            "research_not_needed_reason": "Known family.",
        }
        if level_at_triage:
            triage |= {"mash_dash_level": level_at_triage, "mash_dash_reason": "Officer over-graded it."}
        journey.do("triage", triage)
        journey.do("threshold_decision", steps.threshold("nfa"))
        if "resolve_disagreement" in journey.ready():  # not what the rules recommended
            journey.do("resolve_disagreement", {"outcome": "nfa", "resolution": "Agreed: no further action."})
        journey.sign_off_if_needed()
        journey.do("record_outcome", steps.record_outcome())
        return journey.referral.id

    regraded, officers = closed("standard"), closed(None)
    ids = {r.referral_id for r in listed("da-standard-nfa-no-research", everything())}
    assert regraded in ids and officers not in ids
