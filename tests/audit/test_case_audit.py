"""Case audits, audit samples and audit results, over HTTP as the right and the wrong people."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from app.audit import case_audits, case_record
from app.audit.scope import AuditScope
from app.domain.clock import london_today, start_of_london_day, utcnow
from app.extensions import db
from app.models import (
    AuditEvent,
    AuditSample,
    AuditSampleCase,
    AuditStage,
    CaseAudit,
    CaseAuditGrade,
    Grade,
    ReferralStatus,
    RoleName,
)
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps

STAGES = [stage.value for stage in AuditStage]


def page(response) -> str:
    return response.get_data(as_text=True)


def close(journey, rag: str = "green"):
    """Take a referral through triage, checks and the decision the rules recommend, to closure."""
    journey.to_threshold(rag=rag)
    referral = journey.referral
    recommended = services.workflow.engine().data(services.workflow.load(referral))["recommended_outcome"]
    journey.do("threshold_decision", steps.threshold(recommended))
    journey.sign_off_if_needed()
    journey.do("record_outcome", steps.record_outcome())
    assert referral.status is ReferralStatus.CLOSED
    return referral


@pytest.fixture
def case_study_6(start_journey):
    """A 15-year-old held in custody: appropriate adult 7 hours after the request, no healthcare
    assessment, accommodation refused and not escalated; then no further action, closed."""
    now = utcnow().replace(microsecond=0)
    boy = steps.child(
        "Demo Robbery-Arrest",
        (now - timedelta(days=15 * 365 + 100)).date(),
        sex="1",
        voice="He said nobody told him what was happening.",
        demeanour="Withdrawn and tired.",
    )
    journey = start_journey(
        incident_type="child_in_custody",
        dash_level=None,
        occurred_at=now - timedelta(hours=60),
        description="Arrested for robbery; bail refused; held 53 hours until court.",
        custody_arrived_at=now - timedelta(hours=58),
        custody_aa_requested_at=now - timedelta(hours=57),
        custody_aa_arrived_at=now - timedelta(hours=50),
        custody_healthcare_assessed=False,
        custody_accommodation_requested=True,
        custody_accommodation_refused=True,
        custody_refusal_escalated=False,
        children=[boy],
    )
    journey.to_threshold(rag="green")
    journey.do("threshold_decision", steps.threshold("nfa"))  # the rules recommend s17 (R7): escalated
    journey.do("resolve_disagreement", {"outcome": "nfa", "resolution": "Youth justice are involved."})
    journey.do("record_outcome", steps.record_outcome())
    assert journey.referral.status is ReferralStatus.CLOSED and journey.referral.outcome == "nfa"
    return journey.referral


def grades_form(**overrides) -> dict:
    """A complete, valid case audit form; override `<stage>_<field>` keys."""
    data = {"summary": "Custody practice fell short; no referral followed."}
    choices = {
        "notification": ("inadequate", "police"),
        "triage": ("requires_improvement", "childrens_social_care"),
        "threshold": ("inadequate", "childrens_social_care"),
        "strategy_discussion": ("inadequate", "childrens_social_care"),
        "plan": ("inadequate", "childrens_social_care"),
        "outcome": ("inadequate", "childrens_social_care"),
    }
    for stage, (grade, agency) in choices.items():
        data[f"{stage}_grade"] = grade
        data[f"{stage}_reason"] = f"Reason for the {stage} grade."
        data[f"{stage}_agency_kind"] = agency
    data.update(overrides)
    return data


def record(auditor, referral, grades: list[tuple[str, str]], sample=None, reason="Because.") -> CaseAudit:
    """Record an audit through the service: grades are (grade, agency kind) per stage, in order."""
    answers = {
        stage: {"grade": grade, "agency_kind": agency, "reason": reason}
        for stage, (grade, agency) in zip(STAGES, grades, strict=True)
    }
    audit = case_audits.record_case_audit(auditor, referral, answers, None, sample)
    db.session.commit()
    return audit


# --- Recording a case audit -------------------------------------------------------


def test_auditor_records_a_case_audit_of_case_study_6_over_http(client, auditor, case_study_6):
    referral = case_study_6
    sign_in(client, auditor.email)
    url = f"/audit/cases/{referral.id}/audit"
    form_page = page(client.get(url))
    assert referral.reference in form_page and "Demo Robbery-Arrest" in form_page
    # The journey (shared with the referral page), the criteria and the facts.
    assert 'id="timeline"' in form_page and 'id="diagram"' in form_page
    assert "What inspectors look for" in form_page
    assert "arrived 7 hours after being requested" in form_page
    assert "the refusal was not escalated" in form_page
    assert "No: No further action / advice" in form_page  # no referral to children's social care
    assert form_page.count("Not reached") == 2  # no strategy discussion, no plan
    # The notification's grade is about police by default; the rest about social care.
    assert re.search(r'<option value="police" selected>', form_page)

    response = client.post(url, data=grades_form())
    assert response.status_code == 302
    audit = db.session.scalar(select(CaseAudit).where(CaseAudit.referral_id == referral.id))
    assert audit.auditor_id == auditor.id and audit.sample_id is None
    assert response.headers["Location"].endswith(f"/audit/case-audits/{audit.id}")
    assert [(g.stage, g.grade, g.agency_kind.value) for g in audit.grades] == [
        (AuditStage.NOTIFICATION, Grade.INADEQUATE, "police"),
        (AuditStage.TRIAGE, Grade.REQUIRES_IMPROVEMENT, "childrens_social_care"),
        (AuditStage.THRESHOLD, Grade.INADEQUATE, "childrens_social_care"),
        (AuditStage.STRATEGY_DISCUSSION, Grade.INADEQUATE, "childrens_social_care"),
        (AuditStage.PLAN, Grade.INADEQUATE, "childrens_social_care"),
        (AuditStage.OUTCOME, Grade.INADEQUATE, "childrens_social_care"),
    ]
    assert audit.grades[0].reason == "Reason for the notification grade."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case_audit_recorded"))
    assert event.actor_id == auditor.id and event.subject == f"referral:{referral.id}"
    assert (
        event.details["case_audit_id"] == audit.id and event.details["grades"]["notification"] == "inadequate"
    )

    shown = page(client.get(f"/audit/case-audits/{audit.id}"))
    assert "Reason for the plan grade." in shown
    listed = page(client.get("/audit/cases"))
    assert referral.reference in listed and "1 requires improvement, 5 inadequate" in listed


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"threshold_reason": "  "},
            "threshold_reason",
            "Enter the reason for your grade for the threshold decision",
        ),
        (
            {"strategy_discussion_grade": "excellent"},
            "strategy_discussion_grade",
            "Select a grade for the strategy discussion",
        ),
        ({"plan_grade": ""}, "plan_grade", "Select a grade for the joint protective plan"),
        (
            {"notification_agency_kind": "army"},
            "notification_agency_kind",
            "Select the agency the grade for the notification is mainly about",
        ),
    ],
    ids=["missing-reason", "bad-grade", "no-grade", "bad-agency"],
)
def test_invalid_case_audit_gets_a_specific_message_and_saves_nothing(
    client, auditor, case_study_6, overrides, field, message
):
    sign_in(client, auditor.email)
    response = client.post(f"/audit/cases/{case_study_6.id}/audit", data=grades_form(**overrides))
    assert response.status_code == 400
    html = page(response)
    assert "There is a problem" in html and message in html
    assert f'href="#{field}"' in html  # the error summary links to the field
    assert "Reason for the outcome grade." in html  # what was typed is kept
    assert db.session.scalar(select(func.count(CaseAudit.id))) == 0
    assert db.session.scalar(select(func.count(CaseAuditGrade.id))) == 0
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "case_audit_recorded"))
        == 0
    )


def test_the_service_refuses_a_missing_stage(auditor, case_study_6):
    answers = {stage: {"grade": "good", "agency_kind": "police", "reason": "Fine."} for stage in STAGES[:-1]}
    with pytest.raises(case_audits.AuditInvalid) as error:
        case_audits.record_case_audit(auditor, case_study_6, answers)
    assert set(error.value.errors) == {"outcome_grade", "outcome_reason", "outcome_agency_kind"}


def test_a_manager_audits_from_a_sample_and_the_sample_shows_it(client, mash, case_study_6):
    manager = mash["manager"]
    sample = case_audits.draw_sample(manager, AuditScope.default(agency_id=manager.agency_id), 5)
    db.session.commit()
    sign_in(client, manager.email)
    sample_page = page(client.get(f"/audit/samples/{sample.id}"))
    link = f"/audit/cases/{case_study_6.id}/audit?sample_id={sample.id}"
    assert link in sample_page and "Not audited" in sample_page
    response = client.post(link, data=grades_form())
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/audit/samples/{sample.id}"
    )
    assert db.session.scalar(select(CaseAudit.sample_id)) == sample.id
    after = page(client.get(f"/audit/samples/{sample.id}"))
    assert "1 of 1 audited" in after and link not in after


def test_a_sample_that_does_not_hold_the_case_is_refused(client, mash, auditor, case_study_6, start_journey):
    other = close(start_journey())
    today = london_today()
    sample = AuditSample(drawn_by=mash["manager"], period_start=today, period_end=today, requested_size=1)
    sample.cases = [AuditSampleCase(referral_id=case_study_6.id)]
    db.session.add(sample)
    db.session.commit()
    sign_in(client, auditor.email)
    assert client.get(f"/audit/cases/{other.id}/audit?sample_id={sample.id}").status_code == 403
    assert (
        client.post(f"/audit/cases/{other.id}/audit?sample_id={sample.id}", data=grades_form()).status_code
        == 403
    )
    assert client.get(f"/audit/cases/{other.id}/audit?sample_id=999999").status_code == 403


def facts_text(facts: list) -> dict[str, tuple[str, bool]]:
    return {fact.label: (fact.value, fact.concern) for fact in facts}


def test_facts_for_case_study_5_show_police_protection_never_rescinded_and_no_plan(start_journey):
    now = utcnow().replace(microsecond=0)
    journey = start_journey(
        incident_type="police_protection",
        dash_level=None,
        occurred_at=now - timedelta(hours=80),
        pp_started_at=now - timedelta(hours=79),
        pp_place_of_safety="Emergency foster placement",
        pp_local_authority_informed_at=now - timedelta(hours=78),
        children=[
            steps.child(
                "Toddler Example",
                (now - timedelta(days=2 * 365 + 60)).date(),
                spoken_to=False,
                not_spoken_to_reason="Aged two.",
                voice=None,
                voice_not_recorded_reason="Aged two.",
            )
        ],
    )
    journey.to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("immediate_protection"))
    journey.do("strategy_discussion", steps.strategy())
    facts = case_record.case_facts(journey.referral)
    notification = facts_text(facts[AuditStage.NOTIFICATION])
    assert notification["Police protection ended"][0].startswith(
        "Time rescinded not recorded (79 hours since it started"
    )
    assert notification["Police protection ended"][1] is True
    assert notification["Toddler Example (2): own words or views"] == ("Not recorded: Aged two.", True)
    strategy = facts_text(facts[AuditStage.STRATEGY_DISCUSSION])
    assert strategy["Police attended"] == ("D Sergeant, Detective sergeant", False)
    assert facts_text(facts[AuditStage.PLAN])["Not reached"][1] is True  # s47 started and no plan
    outcome = facts_text(facts[AuditStage.OUTCOME])
    assert outcome["Long-term plan after police protection"] == ("No joint plan in force", True)
    assert "After police protection" in " ".join(
        case_record.criteria_for(journey.referral)[AuditStage.OUTCOME]
    )


def test_facts_show_a_late_threshold_decision_and_a_missing_agency(start_journey):
    journey = start_journey()
    referral = journey.referral
    referral.threshold_due_at = referral.received_at - timedelta(days=7)  # as if received a week earlier
    journey.to_threshold(rag="red", harm=True)
    journey.do("threshold_decision", steps.threshold("s47"))
    journey.do(
        "strategy_discussion",
        steps.strategy(
            attendees=steps.strategy()["attendees"][:2],
            health_absence_reason="Health visitor on leave; not replaced.",
        ),
    )
    facts = case_record.case_facts(referral)
    decided, concern = facts_text(facts[AuditStage.THRESHOLD])["Decided"]
    assert "Late: " in decided and "working days after it was due" in decided and concern
    assert facts_text(facts[AuditStage.STRATEGY_DISCUSSION])["Health attended"] == (
        "No: Health visitor on leave; not replaced.",
        True,
    )


# --- Who may do what ----------------------------------------------------------------


@pytest.fixture
def audit_urls(mash, auditor, case_study_6):
    """Every URL this feature adds, with real ids: (method, url). One sample and one audit exist."""
    sample = case_audits.draw_sample(mash["manager"], AuditScope.default(agency_id=auditor.agency_id), 1)
    audit = record(auditor, case_study_6, [("good", "police")] * 6, sample=sample)
    referral_id = case_study_6.id
    return [
        ("GET", f"/audit/cases/{referral_id}/audit"),
        ("POST", f"/audit/cases/{referral_id}/audit"),
        ("GET", f"/audit/cases/{referral_id}/audit?sample_id={sample.id}"),
        ("GET", "/audit/cases"),
        ("GET", f"/audit/cases?reference={case_study_6.reference}"),
        ("GET", f"/audit/case-audits/{audit.id}"),
        ("GET", "/audit/samples"),
        ("POST", "/audit/samples"),
        ("GET", f"/audit/samples/{sample.id}"),
        ("GET", "/audit/results"),
        ("GET", "/audit/results.csv"),
    ]


@pytest.mark.parametrize("role", ["police", "social_care", "health"])
def test_front_door_practitioners_get_403_everywhere(client, mash, audit_urls, role):
    sign_in(client, mash[role].email)
    for method, url in audit_urls:
        response = client.open(url, method=method, data=grades_form() if method == "POST" else None)
        assert response.status_code == 403, (role, method, url)
    assert db.session.scalar(select(func.count(CaseAudit.id))) == 1  # only the fixture's
    assert db.session.scalar(select(func.count(AuditSample.id))) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export")) == 0


def test_an_auditor_can_view_samples_but_not_draw_one(client, auditor, audit_urls):
    sign_in(client, auditor.email)
    samples_page = page(client.get("/audit/samples"))
    assert "Sample " in samples_page and "Draw the sample" not in samples_page
    today = london_today()
    response = client.post(
        "/audit/samples",
        data={
            "period_start": (today - timedelta(days=30)).isoformat(),
            "period_end": today.isoformat(),
            "size": "5",
        },
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(AuditSample.id))) == 1


def test_auditors_of_another_agency_and_guessed_ids_get_403(
    client, mash, make_user, audit_urls, case_study_6
):
    elsewhere = make_user(RoleName.MASH_MANAGER, agency=mash["outsider"].agency)
    sign_in(client, elsewhere.email)
    for method, url in audit_urls:
        if "/audit/cases/" in url or "/case-audits/" in url or re.search(r"/samples/\d", url):
            response = client.open(url, method=method, data=grades_form() if method == "POST" else None)
            assert response.status_code == 403, url
    for url in ("/audit/cases/999999/audit", "/audit/case-audits/999999", "/audit/samples/999999"):
        assert client.get(url).status_code == 403, url
    assert client.post("/audit/cases/999999/audit", data=grades_form()).status_code == 403
    # Their lists show nothing of the other agency's.
    assert case_study_6.reference not in page(client.get("/audit/cases"))
    sample_id = db.session.scalar(select(AuditSample.id))
    assert f"Sample {sample_id}" not in page(client.get("/audit/samples"))
    assert "No closed cases" in page(
        client.post(
            "/audit/samples",
            data={"period_start": "2025-01-01", "period_end": london_today().isoformat(), "size": "5"},
        )
    )


# --- Sampling ---------------------------------------------------------------------


@pytest.fixture
def closed_and_open(start_journey):
    """Three closed cases received in the last month, one open, one closed long ago, one closed in another area."""
    recent = [close(start_journey()) for _ in range(3)]
    still_open = start_journey().referral
    old = close(start_journey())
    old.received_at = utcnow() - timedelta(days=400)
    elsewhere = close(start_journey())
    elsewhere.local_authority_area = "Westshire"
    db.session.commit()
    return {"recent": recent, "open": still_open, "old": old, "elsewhere": elsewhere}


def period(days: int = 30) -> dict:
    today = london_today()
    return {"period_start": (today - timedelta(days=days)).isoformat(), "period_end": today.isoformat()}


def test_a_sample_holds_only_closed_cases_in_the_period_and_area_and_never_more_than_exist(
    client, mash, closed_and_open
):
    sign_in(client, mash["manager"].email)
    response = client.post("/audit/samples", data={**period(), "area": "Testshire", "size": "10"})
    assert response.status_code == 302
    sample = db.session.scalar(select(AuditSample))
    assert sorted(c.referral_id for c in sample.cases) == sorted(r.id for r in closed_and_open["recent"])
    assert sample.requested_size == 10 and sample.local_authority_area == "Testshire"
    shown = page(client.get(response.headers["Location"]))
    assert "Only 3 closed cases matched, so the sample has all of them." in shown
    assert "0 of 3 audited" in shown
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit_sample_drawn"))
    assert event.details["drawn"] == 3 and event.details["requested"] == 10
    # Without the area filter, the other area's closed case can be drawn too; the old and open ones never.
    client.post("/audit/samples", data={**period(), "size": "100"})
    latest = db.session.scalar(select(AuditSample).order_by(AuditSample.id.desc()))
    ids = {c.referral_id for c in latest.cases}
    assert ids == {r.id for r in closed_and_open["recent"]} | {closed_and_open["elsewhere"].id}
    listed = page(client.get("/audit/samples"))
    assert f"Sample {sample.id}" in listed and f"Sample {latest.id}" in listed


def test_a_smaller_sample_is_a_random_choice_from_the_closed_cases(mash, closed_and_open):
    scope = AuditScope.default(agency_id=mash["manager"].agency_id, area="Testshire")
    recent = {r.id for r in closed_and_open["recent"]}
    drawn = [
        {c.referral_id for c in case_audits.draw_sample(mash["manager"], scope, 2, random.Random(seed)).cases}
        for seed in range(8)
    ]
    assert all(len(ids) == 2 and ids <= recent for ids in drawn)
    assert len({frozenset(ids) for ids in drawn}) > 1  # not always the same two


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"size": ""}, "size", "Enter how many cases to sample"),
        ({"size": "0"}, "size", "The sample size must be between 1 and 100"),
        ({"size": "101"}, "size", "The sample size must be between 1 and 100"),
        ({"size": "ten"}, "size", "The sample size must be a whole number, like 10"),
        # A superscript one is a digit to str.isdigit, and not to int.
        ({"size": "\u00b9"}, "size", "The sample size must be a whole number, like 10"),
        ({"period_start": ""}, "period_start", "Enter the start of the period"),
        ({"period_end": "2999-01-01"}, "period_end", "The end of the period must be today or in the past"),
        ({"period_start": "2026-13-01"}, "period_start", "The start of the period must be a real date"),
    ],
)
def test_a_bad_sample_request_gets_a_specific_message_and_draws_nothing(
    client, mash, closed_and_open, data, field, message
):
    sign_in(client, mash["manager"].email)
    response = client.post("/audit/samples", data={**period(), "size": "5", **data})
    assert response.status_code == 400
    html = page(response)
    assert message in html and f'href="#{field}"' in html
    assert db.session.scalar(select(func.count(AuditSample.id))) == 0


def test_no_closed_cases_in_the_period_says_so(client, mash, closed_and_open):
    sign_in(client, mash["manager"].email)
    start = london_today() - timedelta(days=900)
    response = client.post(
        "/audit/samples",
        data={
            "period_start": [str(start.day), str(start.month), str(start.year)],
            "period_end": (start + timedelta(days=10)).isoformat(),
            "size": "5",
        },
    )
    assert response.status_code == 400
    assert "No closed cases were received between" in page(response)
    assert db.session.scalar(select(func.count(AuditSample.id))) == 0


# --- Results ----------------------------------------------------------------------


def table_row(html: str, table_id: str, label: str) -> list[int]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    heading = re.escape(str(escape(label)))
    row = re.search(rf'<th scope="row" class="govuk-table__header">{heading}</th>(.*?)</tr>', table, re.S)
    assert row, f"no row {label!r} in {table_id}"
    return [int(n) for n in re.findall(r'govuk-table__cell--numeric">(\d+)</td>', row.group(1))]


@pytest.fixture
def known_audits(mash, auditor, make_user, start_journey, case_study_6):
    """Two audits in the period with known grades, one audited long ago, one of another agency's case."""
    second = close(start_journey())
    g, ri, inad = "good", "requires_improvement", "inadequate"
    police, social, health = "police", "childrens_social_care", "health"
    record(
        auditor,
        case_study_6,
        [(inad, police), (ri, social), (inad, social), (inad, social), (inad, social), (inad, social)],
        reason='=HYPERLINK("x")',
    )
    record(
        mash["manager"],
        second,
        [(g, police), (g, social), (g, social), (ri, health), (g, social), (g, social)],
    )
    old = record(auditor, second, [(g, police)] * 6)
    # Midday, London time, 500 days ago: the same London date whatever the hour the test runs.
    old.audited_at = start_of_london_day(london_today() - timedelta(days=500)) + timedelta(hours=12)
    other_agency = make_user(RoleName.AUDITOR, agency=mash["outsider"].agency)
    theirs = services.create_referral(mash["outsider"], steps.notification())
    db.session.commit()
    record(other_agency, theirs, [(g, police)] * 6)
    return {"custody": case_study_6, "second": second}


def test_results_count_grades_by_stage_and_by_agency(client, auditor, known_audits):
    sign_in(client, auditor.email)
    html = page(client.get("/audit/results"))
    assert "2 case audits counted" in html
    # Good, requires improvement, inadequate, total.
    assert table_row(html, "grades-by-stage-table", "Notification") == [1, 0, 1, 2]
    assert table_row(html, "grades-by-stage-table", "Triage and research") == [1, 1, 0, 2]
    assert table_row(html, "grades-by-stage-table", "Strategy discussion") == [0, 1, 1, 2]
    assert table_row(html, "grades-by-stage-table", "Outcome for the child") == [1, 0, 1, 2]
    assert table_row(html, "grades-by-agency-table", "Police force") == [1, 0, 1, 2]
    assert table_row(html, "grades-by-agency-table", "Local authority children's social care") == [4, 1, 4, 9]
    assert table_row(html, "grades-by-agency-table", "Health organisation") == [0, 1, 0, 1]
    assert '<svg class="app-chart__svg" role="img"' in html
    # A period that holds only the old audit.
    long_ago = (london_today() - timedelta(days=500)).isoformat()
    older = page(client.get(f"/audit/results?from={long_ago}&to={long_ago}"))
    assert "1 case audit counted" in older
    assert table_row(older, "grades-by-stage-table", "Notification") == [1, 0, 0, 1]
    bad = page(client.get("/audit/results?from=yesterday"))
    assert "The start of the period must be a real date" in bad
    assert 'href="#filter-from-day"' in bad  # the summary reaches the first box


def test_results_period_is_chosen_with_govuk_date_inputs(client, auditor, known_audits):
    sign_in(client, auditor.email)
    html = page(client.get("/audit/results"))
    for field in ("from", "to"):
        for part in ("day", "month", "year"):
            assert f'id="filter-{field}-{part}" name="{field}"' in html, (field, part)
    long_ago = london_today() - timedelta(days=500)
    boxes = f"from={long_ago.day}&from={long_ago.month}&from={long_ago.year}"
    boxes += f"&to={long_ago.day}&to={long_ago.month}&to={long_ago.year}"
    assert "1 case audit counted" in page(client.get(f"/audit/results?{boxes}"))


def test_results_csv_has_one_row_per_grade_and_the_export_is_recorded(client, auditor, known_audits):
    sign_in(client, auditor.email)
    today = london_today()
    start = (today - timedelta(days=30)).isoformat()
    response = client.get(f"/audit/results.csv?from={start}&to={today.isoformat()}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(page(response))))
    assert rows[0] == ["Case reference", "Stage", "Grade", "Agency", "Reason", "Auditor", "Date audited"]
    body = rows[1:]
    assert len(body) == 12
    custody = [r for r in body if r[0] == known_audits["custody"].reference]
    assert [r[2] for r in custody] == ["Inadequate", "Requires improvement"] + ["Inadequate"] * 4
    assert custody[0][1:4] == ["Notification", "Inadequate", "Police force"]
    assert custody[0][4] == '\'=HYPERLINK("x")'  # a formula is written as text
    assert custody[0][5] == auditor.full_name and custody[0][6] == today.isoformat()
    assert sum(1 for r in body if r[2] == "Good") == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.actor_id == auditor.id and event.subject == "audit-results"
    assert event.details == {"rows": 12, "filters": {"from": start, "to": today.isoformat()}}
    assert client.get("/audit/results.csv?to=2999-01-01").status_code == 400
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "export")) == 1


def test_case_audits_list_finds_a_case_by_reference_and_pages(client, auditor, case_study_6):
    sign_in(client, auditor.email)
    response = client.get(f"/audit/cases?reference={case_study_6.reference.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/audit/cases/{case_study_6.id}/audit"
    )
    missing = page(client.get("/audit/cases?reference=FD-00-NOPE"))
    assert "There is no case FD-00-NOPE among your agency" in missing and 'href="#reference"' in missing
    for _ in range(3):
        record(auditor, case_study_6, [("good", "police")] * 6)
    listed = page(client.get("/audit/cases?page=1"))
    assert "3 case audits" in listed
