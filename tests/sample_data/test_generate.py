"""The data generator (app/sample_data/generate.py), and `flask demo generate`."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sa_text
from sqlalchemy.exc import IntegrityError

from app.domain.clock import LONDON, utcnow
from app.domain.nhs_number import is_valid_nhs_number
from app.domain.working_days import threshold_decision_due
from app.extensions import db
from app.models import Agency, AgencyKind, Referral, ReferralStatus, User
from app.models.audit_facts import AuditFacts
from app.referrals import services, workflow
from app.sample_data.areas import STAFF
from app.sample_data.case_templates import RESEARCH_STEPS
from app.sample_data.fictional import SURNAMES
from app.sample_data.generate import GAP_SLUGS, generate, plants_per_gap
from tests.referrals import steps

LANE_KIND = {
    "Police": AgencyKind.POLICE,
    "Social care": AgencyKind.CHILDRENS_SOCIAL_CARE,
    "Health": AgencyKind.HEALTH,
    "Manager": AgencyKind.CHILDRENS_SOCIAL_CARE,
}


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def referral_count() -> int:
    return db.session.scalar(select(func.count(Referral.id)))


@pytest.fixture
def generated():
    """120 referrals as of now; returns what was planted."""
    return generate(120, seed=3)


def test_it_adds_exactly_the_referrals_asked_for(generated):
    # The templates driven through the services are rolled back, so only the 120 remain.
    assert referral_count() == 120
    ids = set(db.session.scalars(select(Referral.id)))
    assert set().union(*generated.values()) <= ids


def test_it_plants_the_documented_number_in_each_gap(generated):
    # 120 // 40 = 3 a gap. Gap 9's three variants: (a) no time rescinded, (b) no strategy
    # discussion, which is also gap 1, and (c) no plan in force, which is also gap 2.
    expected = dict.fromkeys(GAP_SLUGS, 3)
    expected["s47-no-strategy-discussion"] += 1
    expected["strategy-discussion-no-plan"] += 1
    assert {slug: len(ids) for slug, ids in generated.items()} == expected
    pp = generated["police-protection"]
    assert len(pp & generated["s47-no-strategy-discussion"]) == 1
    assert len(pp & generated["strategy-discussion-no-plan"]) == 1


def test_the_planting_rule():
    gaps = len(GAP_SLUGS)
    assert gaps == 16
    assert plants_per_gap(1) == [0] * gaps
    assert plants_per_gap(5) == [1, 1] + [0] * (gaps - 2)  # at least half stay gap-free
    assert plants_per_gap(31) == [1] * 15 + [0]
    assert plants_per_gap(32) == [1] * gaps
    assert plants_per_gap(60) == [1] * gaps
    assert plants_per_gap(200) == [5] * gaps
    assert plants_per_gap(100_000) == [2_500] * gaps


def test_few_referrals_plant_in_the_first_gaps_only():
    planted = generate(5, seed=2)
    assert referral_count() == 5
    assert [len(planted[slug]) for slug in GAP_SLUGS] == [1, 1] + [0] * (len(GAP_SLUGS) - 2)


def test_every_referral_is_whole_fictional_and_in_order(generated):
    now = utcnow()
    referrals = db.session.scalars(select(Referral)).all()
    areas = {r.local_authority_area for r in referrals}
    assert areas == {"Northshire", "Southvale"}
    assert {r.referral_source for r in referrals} > {"6"}  # police mostly, and other sources
    for referral in referrals:
        notification = referral.notification
        assert notification is not None
        assert re.fullmatch(r"FD-\d{2}-[A-HJ-NP-Z2-9]{6}", referral.reference)
        assert referral.received_at <= now
        assert referral.threshold_due_at == threshold_decision_due(
            referral.received_at.astimezone(LONDON)
        ).astimezone(UTC)
        assert notification.occurred_at <= referral.received_at
        # Police, social care and health of the referral's own area take part.
        assert {a.kind for a in referral.agencies} >= {
            AgencyKind.POLICE,
            AgencyKind.CHILDRENS_SOCIAL_CARE,
            AgencyKind.HEALTH,
        }
        assert {a.local_authority_area for a in referral.agencies} == {referral.local_authority_area}
        assert 1 <= len(referral.children) <= 4
        incident_day = notification.occurred_at.astimezone(LONDON).date()
        for child in referral.children:
            assert child.date_of_birth <= incident_day
            assert child.age_on(incident_day) < 18
            assert child.full_name.split()[-1] in SURNAMES
            assert child.nhs_number is None or (
                child.nhs_number.startswith("999") and is_valid_nhs_number(child.nhs_number)
            )
        # The timeline starts with the notification and runs forward, never past now,
        # each step done by someone from the agency whose lane it is, in the same area.
        timeline = referral.steps
        assert timeline[0].step == "notification_received"
        assert timeline[0].at == referral.received_at
        assert [s.at for s in timeline] == sorted(s.at for s in timeline)
        assert timeline[-1].at <= now
        for record in timeline:
            assert record.actor.agency.local_authority_area == referral.local_authority_area
            if record.lane:
                assert record.actor.agency.kind is LANE_KIND[record.lane]
        if referral.status is ReferralStatus.CLOSED:
            assert referral.closed_at == timeline[-1].at or referral.closed_at <= now
            assert not referral.ready_tasks
        else:
            assert referral.ready_tasks


def test_workflow_states_are_real_and_match_the_records(generated):
    eng = workflow.engine()
    for referral in db.session.scalars(select(Referral)):
        instance = workflow.load(referral)
        assert sorted((t.id, t.bpmn_id, t.lane) for t in eng.ready_tasks(instance)) == sorted(
            (t.task_id, t.step, t.lane) for t in referral.ready_tasks
        )
        assert eng.is_completed(instance) == (referral.status is ReferralStatus.CLOSED)
        data = eng.data(instance)
        assert data["incident_type"] == referral.notification.incident_type.value
        assert data["referral_source"] == referral.referral_source
        assert data["dash_level"] == referral.notification.dash_level
        if referral.rag:
            assert data["rag"] == referral.rag
        decision = referral.threshold_decision
        if decision is not None:
            assert data["recommended_outcome"] == decision.recommended_outcome
            assert data["threshold_outcome"] == referral.outcome


ANSWERS = {
    "triage": lambda: steps.triage(),
    "police_research": lambda: steps.research(),
    "health_research": lambda: steps.research(),
    "social_care_research": lambda: steps.research(),
    "threshold_decision": lambda: steps.threshold("s17"),
    "resolve_disagreement": lambda: {"outcome": "s17", "resolution": "Agreed after talking it through."},
    "record_outcome": lambda: steps.record_outcome(),
    "strategy_discussion": lambda: steps.strategy(),
    "protective_plan": lambda: steps.plan(),
    "police_confirm_plan": lambda: steps.confirm(),
    "health_confirm_plan": lambda: steps.confirm(),
    "close_plan": lambda: steps.close_plan(),
    "assessment_outcome": lambda: steps.assessment_outcome(),
}
LANE_ROLE = {"Police": "police", "Social care": "social-care", "Health": "health", "Manager": "mash-manager"}


def test_a_generated_referral_carries_on_through_the_services(generated):
    tried = set()
    for referral in db.session.scalars(
        select(Referral).where(Referral.status == ReferralStatus.OPEN).order_by(Referral.id)
    ):
        # The assessment clock runs beside the plan: try the plan's own steps first.
        task = next(
            (t for t in referral.ready_tasks if t.step != "assessment_outcome"), referral.ready_tasks[0]
        )
        if task.step in tried:
            continue
        tried.add(task.step)
        actor = User.by_email(
            f"generated.{LANE_ROLE[task.lane]}.1@{referral.local_authority_area.lower()}.example"
        )
        version, count = referral.version, len(referral.steps)
        services.complete_task(actor, referral, task.task_id, version, ANSWERS[task.step]())
        db.session.refresh(referral)
        assert referral.version == version + 1
        # The step is recorded once; a clock already run out fires as the engine moves on.
        added = [s.step for s in referral.steps[count:]]
        assert added.count(task.step) == 1, added
        assert all(s == task.step or s.endswith("_fired") for s in added), added
    # Planted cases wait at these; recent ones at triage, research or the decision.
    assert {"strategy_discussion", "protective_plan", "close_plan", "resolve_disagreement"} <= tried
    assert tried & {"triage", "threshold_decision", *RESEARCH_STEPS}


def test_running_again_adds_more_and_reuses_the_areas_and_staff():
    generate(30, seed=1)
    generate(30, seed=2)
    assert referral_count() == 60
    assert db.session.scalar(select(func.count(Agency.id)).where(Agency.name == "Southvale Police")) == 1
    generated_staff = db.session.scalar(select(func.count(User.id)).where(User.email.like("generated.%")))
    assert generated_staff == 2 * sum(count for *_, count in STAFF)


def test_the_command_generates_and_says_what_it_planted(app):
    result = run(app, "demo", "generate", "--referrals", "80", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "Generated 80 fictional referrals (seed 4)" in result.output
    for number, slug in enumerate(GAP_SLUGS, start=1):
        count = 3 if slug == "s47-no-strategy-discussion" else 2  # gap 9's (b) is in gap 1 too
        assert re.search(rf"^\s+{number}\s+{slug}\s+{count}$", result.output, re.MULTILINE), slug
    assert "2 per gap" in result.output
    assert referral_count() == 80


def test_the_command_says_when_few_gaps_get_a_case(app):
    result = run(app, "demo", "generate", "--referrals", "7")
    assert result.exit_code == 0, result.output
    assert "only the first 3 gaps get a case" in result.output


def test_the_command_is_refused_in_production(app):
    app.config["DEMO_DATA_ALLOWED"] = False
    try:
        result = run(app, "demo", "generate", "--referrals", "100")
    finally:
        app.config["DEMO_DATA_ALLOWED"] = True
    assert result.exit_code != 0
    assert "Demo data is refused in the production configuration." in result.output
    assert referral_count() == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "--referrals must be at least 1 (you gave 0)."),
        ("-5", "--referrals must be at least 1 (you gave -5)."),
        ("ten", "--referrals must be a whole number, like --referrals 1000 (you gave 'ten')."),
        ("2.5", "--referrals must be a whole number"),
        ("2000000", "--referrals can be at most 1,000,000 at a time (you gave 2,000,000)."),
    ],
)
def test_the_command_explains_a_bad_number(app, value, message):
    result = run(app, "demo", "generate", "--referrals", value)
    assert result.exit_code != 0
    assert message in result.output
    assert referral_count() == 0


def test_the_command_needs_a_number(app):
    result = run(app, "demo", "generate")
    assert result.exit_code != 0
    assert "Missing option '--referrals'" in result.output


def test_a_school_at_a_generated_discussion_takes_part_by_invitation(app):
    """Generated data keeps the service's rule: an attendee comes for an agency taking part, so the
    school at a discussion is invited to it (and sees that referral), and is in no other."""
    from sqlalchemy import select

    from app.models import Agency, AgencyKind, StrategyAttendee, StrategyDiscussion
    from app.models.referrals import Participation, referral_agencies
    from app.sample_data.generate import generate

    generate(300, seed=7)
    with_school = set(
        db.session.scalars(
            select(StrategyDiscussion.referral_id)
            .join(StrategyAttendee, StrategyAttendee.discussion_id == StrategyDiscussion.id)
            .where(StrategyAttendee.agency_kind == AgencyKind.EDUCATION)
        )
    )
    invited = db.session.execute(
        select(referral_agencies.c.referral_id, referral_agencies.c.basis)
        .join(Agency, Agency.id == referral_agencies.c.agency_id)
        .where(Agency.kind == AgencyKind.EDUCATION)
    ).all()
    assert with_school, "no generated discussion had the school: choose another seed"
    assert {referral_id for referral_id, _ in invited} == with_school
    assert {basis for _, basis in invited} == {Participation.STRATEGY_DISCUSSION}


SCHEMA_OF_LOADED_TABLES = """
SELECT t.relname, i.indexrelid::regclass::text, i.indkey::text || ' ' || i.indclass::text,
       i.indisunique::text || i.indisvalid::text || (i.indpred IS NOT NULL)::text
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relnamespace = current_schema()::regnamespace
UNION ALL
SELECT t.relname, c.conname, pg_get_constraintdef(c.oid), c.convalidated::text
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
WHERE t.relnamespace = current_schema()::regnamespace
"""


def test_a_large_load_makes_every_index_and_key_again_and_checks_the_keys():
    """Deferred upkeep (the default from 50,000 referrals) drops the written tables' indexes and
    foreign keys, and must leave the schema exactly as the migrations made it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's bulk load keeps its indexes")
    schema = sorted(db.session.execute(sa_text(SCHEMA_OF_LOADED_TABLES)).all())
    assert ("step_records", "ix_step_records_referral_id") in {(table, name) for table, name, *_ in schema}
    planted = generate(60, seed=5, defer_upkeep=True)
    assert sorted(db.session.execute(sa_text(SCHEMA_OF_LOADED_TABLES)).all()) == schema
    assert referral_count() == 60
    # The facts are worked out after the indexes are made again: one row for each referral.
    facts = db.session.scalar(select(func.count()).select_from(AuditFacts))
    assert facts == 60
    assert sum(len(ids) for ids in planted.values()) > 0
    # The keys were checked as they were added: a row they refuse is refused.
    with pytest.raises(IntegrityError) as refused, db.session.begin_nested():
        db.session.execute(
            sa_text(
                "INSERT INTO step_records (referral_id, step, title, at, answers) "
                "SELECT max(id) + 1, 'triage', 'Triage', now(), '{}' FROM referrals"
            )
        )
    assert refused.value.orig.sqlstate == "23503"  # foreign_key_violation
