"""Ofsted ILACS Annex A lists 1, 3 and 5: exact rows from cases built through the real services."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.audit import ilacs
from app.audit.csv_export import csv_lines, safe_cell
from app.audit.scope import AuditScope
from app.domain import cin_codes
from app.domain.clock import london_date, london_today, utcnow
from app.extensions import db
from app.models import AuditEvent, RoleName, StrategyDiscussion
from app.referrals import services
from tests.conftest import sign_in
from tests.referrals import steps

SAM_NHS = "9434765919"


def today() -> date:
    return london_today()


def uk(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def age(dob: date, day: date) -> str:
    return str(day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day)))


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def backdate(journey, days: int) -> date:
    """Move a referral, and its threshold decision, `days` into the past; returns the new date."""
    referral = journey.referral
    then = utcnow() - timedelta(days=days)
    referral.received_at = then
    for decision in referral.threshold_decisions:
        decision.decided_at = then + timedelta(hours=2)
    db.session.commit()
    return london_date(then + timedelta(hours=2))


@pytest.fixture
def cases(start_journey, mash):
    """A MASH's cases, each through the real services:

    nfa      Nadia: green, standard DASH, no history -> no further action.
    s17      Sam (NHS number, school contact) -> s17, closed RC8 (referral NFA).
    sam2     "Samuel" with Sam's NHS number -> s17: the same child, one earlier referral.
    s47      Pat and Jo (siblings) -> s47, joint strategy discussion, conference held.
    s47b     Kim -> s47, single-agency, no conference needed (reason starts with '=').
    riley    Riley: s17 400 days ago, s17 200 days ago, s17 today (name typed differently),
             and a decision today awaiting a manager's resolution.
    waiting  Wes: notification only, no decision yet.
    elsewhere a case only another area's police force takes part in.
    """
    built = {}

    nfa = start_journey(
        dash_level="standard", children=[steps.child("Nadia Nofurther", date(2015, 6, 1), sex="2")]
    ).to_threshold(rag="green")
    nfa.do("threshold_decision", steps.threshold("nfa"))
    nfa.sign_off_if_needed()
    nfa.do("record_outcome", steps.record_outcome())
    built["nfa"] = nfa

    s17 = start_journey(
        referral_source="2A",
        children=[steps.child("Sam Seventeen", date(2012, 1, 15), sex="1", nhs_number=SAM_NHS)],
    ).to_threshold(rag="amber")
    s17.do("threshold_decision", steps.threshold("s17"))
    s17.do("record_outcome", {**steps.record_outcome(), "closure_reason": "RC8"})
    built["s17"] = s17

    sam2 = start_journey(
        referral_source="3A",
        children=[steps.child("Samuel Seventeen", date(2012, 1, 15), sex="1", nhs_number=SAM_NHS)],
    ).to_threshold(rag="amber")
    sam2.do("threshold_decision", steps.threshold("s17"))
    built["sam2"] = sam2

    s47 = start_journey(
        children=[
            steps.child("Pat Protect", date(2018, 9, 30), sex="9"),
            steps.child("Jo Protect", date(2016, 3, 1), sex="2"),
        ]
    ).to_threshold(rag="amber", harm=True)
    s47.do("threshold_decision", steps.threshold("s47"))
    s47.do("strategy_discussion", steps.strategy("joint_investigation"))
    built["s47"] = s47

    s47b = start_journey(children=[steps.child("Kim Single", date(2011, 11, 11), sex="1")]).to_threshold(
        harm=True
    )
    s47b.do("threshold_decision", steps.threshold("s47"))
    s47b.do("strategy_discussion", steps.strategy("single_agency_s47", icpc_required=False))
    built["s47b"] = s47b

    riley_dob = date(2014, 2, 2)
    for key, name, days in (("riley_old", "Riley Repeat", 400), ("riley_mid", "Riley Repeat", 200)):
        journey = start_journey(children=[steps.child(name, riley_dob)]).to_threshold(rag="amber")
        journey.do("threshold_decision", steps.threshold("s17"))
        built[key] = journey
        built[key + "_date"] = backdate(journey, days)
    riley = start_journey(children=[steps.child("RILEY repeat", riley_dob)]).to_threshold(rag="amber")
    riley.do("threshold_decision", steps.threshold("s17"))
    built["riley"] = riley
    riley_pending = start_journey(children=[steps.child("Riley Repeat", riley_dob)]).to_threshold(rag="amber")
    riley_pending.do("threshold_decision", steps.threshold("nfa"))  # differs from s17: escalated
    built["riley_pending"] = riley_pending

    built["waiting"] = start_journey(children=[steps.child("Wes Waiting", date(2019, 7, 7))])

    elsewhere = services.create_referral(
        mash["outsider"], steps.notification(children=[steps.child("Otto Other")])
    )
    db.session.commit()
    built["elsewhere"] = elsewhere

    # The conference outcome is recorded later, on the strategy discussion.
    joint = s47.referral.strategy_discussion
    joint.icpc_held_on = joint.icpc_target_date
    single = s47b.referral.strategy_discussion
    single.icpc_not_required_reason = '=HYPERLINK("http://evil.example","Click")'
    db.session.commit()
    return built


@pytest.fixture
def as_auditor(client, auditor):
    assert sign_in(client, auditor.email).status_code == 302
    return auditor


def by_reference(rows: list[dict], journey) -> list[dict]:
    return [row for row in rows if row["Front Door Reference"] == journey.referral.reference]


# --- List 1 -------------------------------------------------------------------------


def test_list_1_has_a_row_per_child_per_contact_in_the_period(client, as_auditor, cases):
    rows = read_csv(client.get("/audit/ilacs/list-1.csv"))
    assert list(rows[0]) == list(ilacs.LIST_1_HEADINGS)
    # Every case the agency takes part in, received in the last 12 months: not Riley's
    # 400-day-old referral, not the other area's case. Pat and Jo are two rows.
    expected = ["nfa", "s17", "sam2", "s47", "s47", "s47b", "riley_mid", "riley", "riley_pending", "waiting"]
    assert sorted(row["Front Door Reference"] for row in rows) == sorted(
        cases[k].referral.reference for k in expected
    )

    day = today()
    (sam,) = by_reference(rows, cases["s17"])
    assert sam == {
        "Child Unique ID": SAM_NHS,
        "Gender": "1",
        "Ethnicity": "NOBT",
        "Date of Birth": "15/01/2012",
        "Age of Child (Years)": age(date(2012, 1, 15), day),
        "Date of Contact": uk(day),
        "Contact Source": "2A",
        "Does the Child have a Disability": "Unknown",
        "Progressed to Referral?": "Yes",
        "Contact Outcome": "Child in need (s17) assessment",
        "Front Door Reference": cases["s17"].referral.reference,
        "Child Unique ID Type": "NHS number",
    }
    (nadia,) = by_reference(rows, cases["nfa"])
    nadia_id = cases["nfa"].referral.children[0].id
    assert (nadia["Child Unique ID"], nadia["Child Unique ID Type"]) == (
        f"FD{nadia_id}",
        "Front Door child id",
    )
    assert (nadia["Gender"], nadia["Contact Source"], nadia["Date of Birth"]) == ("2", "6", "01/06/2015")
    assert (nadia["Progressed to Referral?"], nadia["Contact Outcome"]) == (
        "No",
        "No further action / advice",
    )
    pending = by_reference(rows, cases["riley_pending"])[0]
    assert (pending["Progressed to Referral?"], pending["Contact Outcome"]) == (
        "Pending",
        "Awaiting manager's decision on a disagreement",
    )
    waiting = by_reference(rows, cases["waiting"])[0]
    assert (waiting["Progressed to Referral?"], waiting["Contact Outcome"]) == (
        "Pending",
        "Awaiting threshold decision",
    )
    pat, jo = by_reference(rows, cases["s47"])
    assert (pat["Gender"], jo["Gender"]) == ("9", "2")
    assert pat["Contact Outcome"] == "Child protection (s47) strategy discussion"


def test_a_child_known_by_name_and_birth_date_keeps_one_id_across_contacts(client, as_auditor, cases):
    rows = read_csv(client.get("/audit/ilacs/list-1.csv"))
    first_riley = cases["riley_old"].referral.children[0].id
    riley_ids = {
        row["Child Unique ID"]
        for key in ("riley_mid", "riley", "riley_pending")
        for row in by_reference(rows, cases[key])
    }
    assert riley_ids == {f"FD{first_riley}"}


# --- List 3 -------------------------------------------------------------------------


def test_list_3_has_referrals_with_nfa_and_repeat_counts(client, as_auditor, cases):
    rows = read_csv(client.get("/audit/ilacs/list-3.csv"))
    assert list(rows[0]) == list(ilacs.LIST_3_HEADINGS)
    # s17, s47 and immediate protection only; not the pending escalation, not Riley's old referral.
    expected = ["s17", "sam2", "s47", "s47", "s47b", "riley_mid", "riley"]
    assert [row["Front Door Reference"] for row in rows] == [
        cases[k].referral.reference for k in ["riley_mid", "s17", "sam2", "s47", "s47", "s47b", "riley"]
    ]
    assert sorted(r["Front Door Reference"] for r in rows) == sorted(
        cases[k].referral.reference for k in expected
    )

    day = today()
    (sam,) = by_reference(rows, cases["s17"])
    assert sam == {
        "Child Unique ID": SAM_NHS,
        "Gender": "1",
        "Ethnicity": "NOBT",
        "Date of Birth": "15/01/2012",
        "Age of Child (Years)": age(date(2012, 1, 15), day),
        "Date of referral": uk(day),
        "Referral Source": "2A",
        "Referral NFA?": "Yes",  # closed RC8: case closed after assessment, no further action
        "Number of Referrals in Last 12 Months": "0",
        "Does the Child have a Disability": "Unknown",
        "Referral Outcome": "Child in need (s17) assessment",
        "Date of Contact": uk(day),
        "Front Door Reference": cases["s17"].referral.reference,
        "Child Unique ID Type": "NHS number",
    }
    # Same NHS number, different name: the same child, one earlier referral.
    (samuel,) = by_reference(rows, cases["sam2"])
    assert (
        samuel["Child Unique ID"],
        samuel["Referral NFA?"],
        samuel["Number of Referrals in Last 12 Months"],
    ) == (
        SAM_NHS,
        "No",
        "1",
    )
    assert samuel["Referral Source"] == "3A"
    # Riley by name (any case) and date of birth: today's referral counts the 200-day-old one
    # but not the 400-day-old one; the 200-day-old one counts the 400-day-old one.
    (riley,) = by_reference(rows, cases["riley"])
    (riley_mid,) = by_reference(rows, cases["riley_mid"])
    assert riley["Number of Referrals in Last 12 Months"] == "1"
    assert riley_mid["Number of Referrals in Last 12 Months"] == "1"
    assert riley_mid["Date of referral"] == uk(cases["riley_mid_date"])
    assert riley_mid["Age of Child (Years)"] == age(date(2014, 2, 2), cases["riley_mid_date"])
    pat, jo = by_reference(rows, cases["s47"])
    assert (pat["Referral Outcome"], pat["Number of Referrals in Last 12 Months"]) == (
        "Child protection (s47) strategy discussion",
        "0",
    )


def test_a_resolved_escalation_becomes_a_referral_on_the_day_it_is_resolved(client, as_auditor, cases):
    pending = cases["riley_pending"]
    pending.do("resolve_disagreement", {"outcome": "s17", "resolution": "Agreed: child in need."})
    rows = read_csv(client.get("/audit/ilacs/list-3.csv"))
    (row,) = by_reference(rows, pending)
    # Two earlier referrals for Riley within 12 months: 200 days ago and today's.
    assert (row["Referral Outcome"], row["Number of Referrals in Last 12 Months"]) == (
        "Child in need (s17) assessment",
        "2",
    )


def test_different_nhs_numbers_are_different_children():
    history = ilacs.ChildHistory()
    day = date(2026, 1, 10)
    history.add("9434765919", "Ann Same", date(2015, 1, 1), day, 1)
    history.add(None, "ann same ", date(2015, 1, 1), day, 2)
    history.add("4010232137", "Ann Same", date(2015, 1, 1), day, 3)
    start, end = date(2025, 1, 10), date(2026, 1, 11)
    assert history.count("9434765919", "Ann Same", date(2015, 1, 1), start, end) == 2  # 1 by NHS, 2 by name
    assert history.count(None, "ANN SAME", date(2015, 1, 1), start, end) == 3  # no NHS number: by name
    assert history.count("4010232137", "Ann Same", date(2015, 1, 1), start, end, exclude=3) == 1
    assert history.count("9434765919", "Ann Same", date(2015, 1, 1), day + timedelta(days=1), end) == 0


# --- List 5 -------------------------------------------------------------------------


def test_list_5_has_s47_enquiries_and_conferences(client, as_auditor, cases):
    rows = read_csv(client.get("/audit/ilacs/list-5.csv"))
    assert list(rows[0]) == list(ilacs.LIST_5_HEADINGS)
    assert [row["Front Door Reference"] for row in rows] == [
        cases[k].referral.reference for k in ("s47", "s47", "s47b")
    ]
    joint = cases["s47"].referral.strategy_discussion
    held = london_date(joint.held_at)
    pat, jo = rows[0], rows[1]
    pat_id = cases["s47"].referral.children[0].id
    assert pat == {
        "Child Unique ID": f"FD{pat_id}",
        "Gender": "9",
        "Ethnicity": "NOBT",
        "Date of Birth": "30/09/2018",
        "Age of Child (Years)": age(date(2018, 9, 30), held),
        "Does the Child have a Disability": "Unknown",
        "Strategy discussion initiating Section 47 Enquiry Start Date": uk(held),
        "Was an Initial Child Protection Conference deemed unnecessary?": "No",
        "Date of Initial Child Protection Conference": uk(joint.icpc_target_date),
        "Did the Initial Child Protection Conference Result in a Child Protection Plan": "",
        "Number of Section 47 Enquiries in the last 12 months": "0",
        "Number of ICPCs in the last 12 months": "0",
        "Section 47 Enquiry Type": "Joint with police",
        "ICPC Target Date": uk(joint.icpc_target_date),
        "ICPC Not Required Reason": "",
        "Front Door Reference": cases["s47"].referral.reference,
        "Child Unique ID Type": "Front Door child id",
    }
    assert jo["Date of Birth"] == "01/03/2016"
    kim = rows[2]
    assert kim["Section 47 Enquiry Type"] == "Single agency"
    assert kim["Was an Initial Child Protection Conference deemed unnecessary?"] == "Yes"
    assert (kim["ICPC Target Date"], kim["Date of Initial Child Protection Conference"]) == ("", "")
    # Free text that a spreadsheet would run as a formula is written as text.
    assert kim["ICPC Not Required Reason"] == '\'=HYPERLINK("http://evil.example","Click")'


def test_list_5_counts_earlier_enquiries_and_conferences_for_the_same_child(
    client, as_auditor, cases, start_journey
):
    again = start_journey(children=[steps.child("Pat Protect", date(2018, 9, 30), sex="9")]).to_threshold(
        harm=True
    )
    again.do("threshold_decision", steps.threshold("s47"))
    again.do(
        "strategy_discussion", steps.strategy("joint_investigation", held_at=utcnow().replace(microsecond=0))
    )
    first = cases["s47"].referral.strategy_discussion
    first.icpc_held_on = today() - timedelta(days=1)
    db.session.commit()
    rows = read_csv(client.get("/audit/ilacs/list-5.csv"))
    (row,) = by_reference(rows, again)
    # The earlier s47 and its conference count; Pat's own first row counts neither.
    assert row["Number of Section 47 Enquiries in the last 12 months"] == "1"
    assert row["Number of ICPCs in the last 12 months"] == "1"
    assert by_reference(rows, cases["s47"])[0]["Number of Section 47 Enquiries in the last 12 months"] == "0"
    assert row["Child Unique ID"] == f"FD{cases['s47'].referral.children[0].id}"


def test_only_the_discussion_that_started_the_s47_is_listed(client, as_auditor, cases):
    referral = cases["s47"].referral
    first = referral.strategy_discussion
    later = StrategyDiscussion(
        referral_id=referral.id,
        held_at=first.held_at + timedelta(minutes=30),
        chair="Team manager",
        information_shared="New information.",
        decision="joint_investigation",
        criminal_investigation=False,
        immediate_actions="None.",
        legal_action_considered=False,
        other_children_considered=True,
        icpc_required=True,
    )
    db.session.add(later)
    db.session.commit()
    rows = read_csv(client.get("/audit/ilacs/list-5.csv"))
    assert len(by_reference(rows, cases["s47"])) == 2  # Pat and Jo, once each


# --- Scope, recording, permissions ----------------------------------------------------


def test_the_period_filter_picks_each_lists_own_date(client, as_auditor, cases):
    old = cases["riley_old_date"]
    args = f"?from={(old - timedelta(days=1)).isoformat()}&to={old.isoformat()}"
    contacts = read_csv(client.get("/audit/ilacs/list-1.csv" + args))
    referrals = read_csv(client.get("/audit/ilacs/list-3.csv" + args))
    s47s = read_csv(client.get("/audit/ilacs/list-5.csv" + args))
    assert [r["Front Door Reference"] for r in contacts] == [cases["riley_old"].referral.reference]
    assert [r["Front Door Reference"] for r in referrals] == [cases["riley_old"].referral.reference]
    assert referrals[0]["Number of Referrals in Last 12 Months"] == "0"
    assert s47s == []


def test_the_page_counts_the_rows_and_links_the_downloads_with_the_scope(client, as_auditor, cases):
    response = client.get("/audit/ilacs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    scope = AuditScope.default()
    assert (
        "<strong>10</strong> rows" in html
        and "<strong>7</strong> rows" in html
        and "<strong>3</strong> rows" in html
    )
    for slug in ("list-1", "list-3", "list-5"):
        assert (
            f"/audit/ilacs/{slug}.csv?from={scope.period_start.isoformat()}&amp;to={scope.period_end.isoformat()}"
            in html
        )
    assert "Strategy discussion initiating Section 47 Enquiry Start Date" in html


def test_every_export_is_recorded(client, as_auditor, cases):
    old = cases["riley_old_date"]
    client.get(
        f"/audit/ilacs/list-3.csv?from={old.isoformat()}&to={today().isoformat()}&area=Testshire"
    ).get_data()
    exported = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(e.actor_id, e.subject) for e in exported] == [(as_auditor.id, "ilacs-list-3")]
    assert exported[0].details == {
        "rows": 8,
        "filters": {"from": old.isoformat(), "to": today().isoformat(), "area": "Testshire"},
    }


def test_bad_filters_show_errors_and_download_nothing(client, as_auditor, cases):
    response = client.get("/audit/ilacs/list-1.csv?from=2026-02-30&area=Otherland")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "There is a problem" in html
    assert 'href="#from"' in html and "The start of the period must be a real date" in html
    assert 'href="#area"' in html and "Choose an area from the list" in html
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all() == []
    page = client.get("/audit/ilacs?to=2999-01-01")
    assert page.status_code == 200 and "The end of the period must be today or in the past" in page.get_data(
        as_text=True
    )


def test_an_unknown_list_is_not_found(client, as_auditor):
    response = client.get("/audit/ilacs/list-2.csv")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_managers_can_download(client, mash, cases):
    sign_in(client, mash["manager"].email)
    assert client.get("/audit/ilacs").status_code == 200
    assert len(read_csv(client.get("/audit/ilacs/list-5.csv"))) == 3


@pytest.mark.parametrize("role", [RoleName.POLICE, RoleName.SOCIAL_CARE, RoleName.HEALTH])
def test_front_line_roles_are_forbidden_everywhere(client, login_as, role):
    login_as(role)
    for url in (
        "/audit/ilacs",
        "/audit/ilacs/list-1.csv",
        "/audit/ilacs/list-3.csv",
        "/audit/ilacs/list-5.csv",
        "/audit/ilacs/nope.csv",
    ):
        assert client.get(url).status_code == 403, url


def test_signed_out_users_are_sent_to_sign_in(client):
    response = client.get("/audit/ilacs/list-1.csv")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_exports_take_a_fixed_number_of_queries(client, as_auditor, cases, start_journey):
    def statements(url: str) -> int:
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get(url).get_data()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))])

    before = {slug: statements(f"/audit/ilacs/{slug}.csv") for slug in ilacs.LISTS}
    for i in range(3):
        journey = start_journey(children=[steps.child(f"Extra Child{i}", date(2013, 1, 1 + i))]).to_threshold(
            harm=True
        )
        journey.do("threshold_decision", steps.threshold("s47"))
        journey.do("strategy_discussion", steps.strategy())
    after = {slug: statements(f"/audit/ilacs/{slug}.csv") for slug in ilacs.LISTS}
    assert after == before


# --- The CSV helper -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_cells_that_a_spreadsheet_would_run_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_other_cells_are_written_as_they_are():
    assert [safe_cell(v) for v in ("Plain", "a=b", 3, -1, None, True, False)] == [
        "Plain",
        "a=b",
        3,
        -1,
        "",
        "Yes",
        "No",
    ]
    text = "".join(csv_lines(["Name", "=Heading"], [["=cmd|' /C calc'!A0", 'say "hi", then go']]))
    assert text == 'Name,\'=Heading\r\n\'=cmd|\' /C calc\'!A0,"say ""hi"", then go"\r\n'


def test_the_ethnicity_code_is_the_census_not_obtained_code():
    assert cin_codes.label("ethnicity", ilacs.ETHNICITY_NOT_OBTAINED) == "Information not yet obtained"
