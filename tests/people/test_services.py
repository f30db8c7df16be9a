"""People across referrals: linking, possible matches, merging and the history decisions see."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Involvement, MatchStatus, Person, PersonMerge, PossibleMatch, Referral
from app.people import services as people
from app.people.history import decision_inputs, earlier_referrals, indicators
from tests.referrals import steps


def matches_for(referral) -> list[PossibleMatch]:
    return list(db.session.scalars(select(PossibleMatch).where(PossibleMatch.referral_id == referral.id)))


def child_person(referral) -> Person:
    involvement = db.session.scalar(
        select(Involvement).where(Involvement.referral_id == referral.id, Involvement.role == "child")
    )
    return involvement.person


def confirm_all(journey) -> None:
    for match in matches_for(journey.referral):
        if match.status is MatchStatus.OPEN:
            people.confirm_match(journey.users["social_care"], match)
    db.session.commit()


def test_a_misspelt_child_is_offered_as_a_possible_match_and_not_linked(start_journey):
    first = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    second = start_journey(children=[steps.child("Kasey  Fictional", date(2013, 4, 3))])
    [match] = matches_for(second.referral)
    assert match.candidate_id == child_person(first.referral).id
    assert match.status is MatchStatus.OPEN
    assert "similar name" in match.reasons
    # Nothing is linked until someone confirms it.
    assert child_person(second.referral).id != child_person(first.referral).id
    assert decision_inputs(second.referral)["prior_notifications_12m"] == 0


def test_an_equal_nhs_number_links_automatically(start_journey):
    first = start_journey(children=[steps.child("Casey Fictional", nhs_number="9434765919")])
    second = start_journey(children=[steps.child("Casey Smith", date(2012, 1, 1), nhs_number="9434765919")])
    assert child_person(second.referral).id == child_person(first.referral).id
    assert matches_for(second.referral) == []
    assert decision_inputs(second.referral)["prior_notifications_12m"] == 1


def test_a_weak_likeness_is_never_offered(start_journey):
    start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    other = start_journey(children=[steps.child("Morgan Fictional", date(2013, 3, 4))])
    assert matches_for(other.referral) == []


def test_confirmed_matches_raise_the_count_and_change_the_recommendation(start_journey):
    for _ in range(4):
        journey = start_journey(incident_type="other", dash_level=None)
        confirm_all(journey)
    fifth = start_journey(incident_type="other", dash_level=None)
    assert len(matches_for(fifth.referral)) == 1  # the earlier four are one person now
    confirm_all(fifth)
    assert decision_inputs(fifth.referral)["prior_notifications_12m"] == 4
    fifth.to_threshold(rag="green")
    [decision] = [t for t in fifth.referral.ready_tasks if t.step == "threshold_decision"]
    from app.referrals import workflow

    data = workflow.engine().data(workflow.load(fifth.referral))
    assert data["recommended_outcome"] == "s47"
    assert data["recommendation_rule"].startswith("R9:")
    history = earlier_referrals(fifth.referral)[child_person(fifth.referral).id]
    assert len(history) == 4 and decision


def test_a_suspect_named_on_other_childrens_referrals_is_counted(start_journey):
    suspect = {"role": "suspect", "full_name": "Dale Example", "date_of_birth": date(1985, 6, 1)}
    first = start_journey(children=[steps.child("Casey Fictional")], people=[suspect])
    second = start_journey(
        children=[steps.child("Robin Sample", date(2016, 9, 9))],
        people=[{**suspect, "full_name": "Dale Exampel"}],
    )
    confirm_all(second)
    assert child_person(first.referral).id != child_person(second.referral).id
    [child_indicators] = indicators(second.referral).values()
    assert child_indicators.adults == [("Dale Exampel", "Alleged perpetrator or suspect", 1)]
    assert decision_inputs(second.referral)["suspect_linked_to_other_children"] == 1


def test_merge_and_unmerge_restore_exactly_the_earlier_links(start_journey):
    first = start_journey(children=[steps.child("Casey Fictional")])
    second = start_journey(children=[steps.child("Casey Fictionl", address="9 New Street, ZZ9 9ZZ")])
    known, newer = child_person(first.referral), child_person(second.referral)
    before = {inv.id: inv.person_id for inv in db.session.scalars(select(Involvement))}
    names_before = sorted(n.full_name for n in known.names)
    addresses_before = sorted(a.address for a in known.addresses)
    [match] = matches_for(second.referral)
    record = people.confirm_match(second.users["social_care"], match)
    db.session.commit()
    assert child_person(second.referral).id == known.id
    assert sorted(n.full_name for n in known.names) == sorted([*names_before, "Casey Fictionl"])
    people.unmerge(second.users["manager"], record)
    db.session.commit()
    after = {inv.id: inv.person_id for inv in db.session.scalars(select(Involvement))}
    assert after == before
    known = db.session.get(Person, known.id)
    assert sorted(n.full_name for n in known.names) == names_before
    assert sorted(a.address for a in known.addresses) == addresses_before
    assert db.session.get(Person, newer.id).merged_into_id is None
    assert db.session.get(PossibleMatch, match.id).status is MatchStatus.OPEN
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "person_merged" in actions and "person_unmerged" in actions
    assert db.session.get(PersonMerge, record.id).undone_at is not None


def test_bad_merges_are_refused_and_change_nothing(start_journey, make_agency, make_user):
    first = start_journey()
    person = child_person(first.referral)
    with pytest.raises(people.PersonInvalid) as error:
        people.merge(first.users["manager"], person, person)
    assert error.value.errors == {"person": "A person cannot be merged with themselves"}
    elsewhere = Person(
        local_authority_area="Otherland", full_name="Casey Fictional", date_of_birth=date(2013, 3, 4)
    )
    db.session.add(elsewhere)
    db.session.flush()
    with pytest.raises(people.PersonInvalid) as error:
        people.merge(first.users["manager"], person, elsewhere)
    assert "different areas (Testshire and Otherland)" in error.value.errors["person"]
    assert db.session.scalars(select(PersonMerge)).all() == []
    assert elsewhere.merged_into_id is None


def test_an_adult_recorded_as_a_child_and_a_child_recorded_as_an_adult_are_refused(mash):
    from app.referrals import services

    data = steps.notification(
        children=[steps.child("Grown Up", date(2000, 1, 1))],
        people=[{"role": "parent_carer", "full_name": "Young Parent", "date_of_birth": date(2015, 1, 1)}],
    )
    with pytest.raises(services.StepInvalid) as error:
        services.create_referral(mash["police"], data)
    assert "was 18 or over on the date of the incident" in error.value.errors["children.0.date_of_birth"]
    assert "was under 18 on the date of the incident" in error.value.errors["people.0.date_of_birth"]
    db.session.rollback()
    assert db.session.scalars(select(Person)).all() == []


def test_triage_can_regrade_the_dash_risk_with_a_reason_and_codes_concerns(start_journey):
    from app.models import AssessmentFactor
    from app.referrals import services

    journey = start_journey()
    with pytest.raises(services.StepInvalid) as error:
        journey.do("triage", {**steps.triage(), "mash_dash_level": "high"})
    assert error.value.errors == {"mash_dash_reason": "Explain why you grade the DASH risk differently"}
    db.session.rollback()
    with pytest.raises(services.StepInvalid) as error:
        journey.do("triage", {**steps.triage(), "assessment_factors": ["3A", "99Z"]})
    assert error.value.errors == {"assessment_factors": "99Z is not a CIN census assessment factor"}
    db.session.rollback()
    journey.do(
        "triage",
        {
            **steps.triage(),
            "mash_dash_level": "high",
            "mash_dash_reason": "Third call-out.",
            "assessment_factors": ["3A", "22A"],
        },
    )
    notification = journey.referral.notification
    assert notification.dash_level == "medium" and notification.dash_level_in_force == "high"
    codes = sorted(
        f.code for f in db.session.query(AssessmentFactor).filter_by(referral_id=journey.referral.id)
    )
    assert codes == ["22A", "3A"]


def test_no_further_action_for_a_child_with_history_must_say_how_it_was_weighed(start_journey):
    from app.referrals import services

    casey = steps.child("Casey Fictional", nhs_number="9434765919")
    start_journey(children=[casey], incident_type="other", dash_level=None)
    journey = start_journey(children=[casey], incident_type="other", dash_level=None).to_threshold(
        rag="green"
    )
    with pytest.raises(services.StepInvalid) as error:
        journey.do("threshold_decision", steps.threshold("nfa"))
    assert "say how you weighed that history" in error.value.errors["history_weighed"]
    db.session.rollback()
    journey.do(
        "threshold_decision", {**steps.threshold("nfa"), "history_weighed": "One earlier low-level call."}
    )
    assert journey.referral.threshold_decision.outcome == "nfa"
    first_time = start_journey(
        children=[steps.child("Morgan Sample")], incident_type="other", dash_level=None
    )
    first_time.to_threshold(rag="green")
    first_time.do("threshold_decision", steps.threshold("nfa"))  # no history: no need


def test_a_new_referral_naming_someone_on_an_open_case_alerts_its_owner(start_journey):
    from app.models import Alert

    casey = steps.child("Casey Fictional", nhs_number="9434765919")
    first = start_journey(children=[casey])
    first.do("triage", steps.triage("green"))  # the social worker now owns the case
    owner = first.users["social_care"]
    start_journey(children=[casey], incident_type="other", dash_level=None)  # low risk on its own
    [pattern] = db.session.query(Alert).filter_by(kind="pattern").all()
    assert pattern.user_id == owner.id and pattern.referral_id == first.referral.id
    assert "Casey" not in pattern.text and first.referral.reference in pattern.text


def test_confirming_a_possible_match_alerts_the_owner_of_the_known_persons_case(start_journey):
    from app.models import Alert

    first = start_journey(children=[steps.child("Casey Fictional")])
    first.do("triage", steps.triage("green"))
    second = start_journey(children=[steps.child("Kasey Fictional")])
    assert db.session.query(Alert).filter_by(kind="pattern").count() == 0  # nothing linked yet
    confirm_all(second)
    [pattern] = db.session.query(Alert).filter_by(kind="pattern").all()
    assert pattern.referral_id == first.referral.id and second.referral.reference in pattern.text


def test_a_case_closed_over_a_year_ago_is_not_alerted(start_journey, clock):
    from datetime import UTC, datetime

    from app.models import Alert

    clock.set(datetime(2025, 1, 6, 10, tzinfo=UTC), tick=True)
    casey = steps.child("Casey Fictional", nhs_number="9434765919")
    old = start_journey(children=[casey], incident_type="other", dash_level=None)
    old.do(
        "triage", {**steps.triage("green"), "research_needed": False, "research_not_needed_reason": "Info."}
    )
    old.do("threshold_decision", steps.threshold("nfa"))
    old.do("record_outcome", steps.record_outcome())
    assert old.referral.status.value == "closed"
    clock.set(datetime(2026, 6, 1, 10, tzinfo=UTC), tick=True)
    start_journey(children=[casey])
    assert db.session.query(Alert).filter_by(kind="pattern").count() == 0


def test_a_family_named_many_times_is_scored_against_its_likeliest_records_only(start_journey):
    """The scorer reads at most MAX_CANDIDATES people, those sharing the most look-up keys: the
    record with the same date of birth is offered first however many near ones came later."""
    first = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    for _ in range(people.MAX_CANDIDATES + 5):  # the same name, born a year later: weaker likenesses
        start_journey(children=[steps.child("Casey Fictional", date(2014, 3, 4))])
    latest = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    person = child_person(latest.referral)
    scored = people.candidates_for(
        person.local_authority_area, people.identity_of(person), exclude=[person.id]
    )
    assert len(scored) == people.MAX_CANDIDATES
    assert scored[0][1] == child_person(first.referral).id
    offered = sorted(matches_for(latest.referral), key=lambda m: -m.score)
    assert offered[0].candidate_id == child_person(first.referral).id


def test_the_candidates_come_with_their_names_and_addresses_in_one_statement(start_journey):
    from app.domain.matching import score
    from app.models import NameKind
    from tests.statements import recorded_statements

    journeys = [
        start_journey(children=[steps.child("Casey Fictional", born, address="4 Pretend Street, AB1 2CD")])
        for born in (date(2013, 3, 4), date(2013, 3, 4), date(2014, 3, 4))
    ]
    # One of them known by two names at two addresses: every pair of them comes back in the join.
    known = child_person(journeys[0].referral)
    people._add_name(known, "Casey Madeup", NameKind.ALIAS)
    people._add_address(known, "9 Other Road, ZZ1 1ZZ")
    db.session.commit()
    latest = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    person = child_person(latest.referral)
    identity, area, person_id = people.identity_of(person), person.local_authority_area, person.id
    db.session.expire_all()
    with recorded_statements() as sent:
        scored = people.candidates_for(area, identity, exclude=[person_id])
    assert len(scored) == 3
    assert len(sent) == 1, "\n".join(sent)
    # Scored as the people's own records would be, with every name and address they hold.
    by_id = {person_id: s for s, person_id in scored}
    for person_id, s in by_id.items():
        assert s == score(identity, people.identity_of(db.session.get(Person, person_id)))


def test_a_referrals_open_matches_are_read_in_three_statements(start_journey):
    """The matches with their involvements and candidates, then the candidates' names, then their
    addresses: the same however many matches there are."""
    from tests.statements import recorded_statements

    for _ in range(3):
        start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))])
    referral_id = start_journey(children=[steps.child("Casey Fictional", date(2013, 3, 4))]).referral.id
    db.session.expunge_all()  # as in a new request
    referral = db.session.get(Referral, referral_id)
    with recorded_statements() as sent:
        found = people.open_matches(referral)
        shown = [
            (m.involvement.full_name, m.candidate.full_name, m.candidate.names, m.candidate.addresses)
            for m in found
        ]
    assert len(found) == people.MAX_OFFERED and all(names and addresses for *_, names, addresses in shown)
    reads = [s for s in sent if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(reads) == 3, "\n".join(reads)
