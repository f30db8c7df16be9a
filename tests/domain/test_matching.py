"""Matching a newly named person to people already known: the scoring rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.matching import Identity, Name, date_of_birth_variants, postcodes_in, score

BORN = date(2012, 3, 4)


def match(new_names, known_names, new_born=BORN, known_born=BORN, **known):
    return score(Identity.of(new_names, new_born), Identity.of(known_names, known_born, **known))


@pytest.mark.parametrize(
    ("new", "known", "new_born"),
    [
        (["Kasey Fictional"], ["Casey Fictional"], BORN),  # spelt differently, sounds the same
        (["Casey Ann Fictional"], ["Casey Fictional"], BORN),  # a middle name on one side
        (["Casey  Fictional"], ["casey fictional"], BORN),  # a double space, lower case
        (["Casey Fictional"], ["Casey Fictional"], date(2012, 4, 3)),  # day and month swapped
        (["Casey Fictional"], ["Casey Fictional"], date(2012, 3, 5)),  # one day out
        (["Casey Fictional"], ["Casey Fictional"], date(2013, 3, 4)),  # one digit of the year
        (["Casey Fictional"], ["Casey Fictional-Example"], BORN),  # a double-barrelled surname
        (["Casey Example"], ["Casey Fictional", "Casey Example"], BORN),  # an earlier surname
        (["Liz Fictional"], ["Elizabeth Fictional"], BORN),  # a short form
        (["Fictional Casey"], ["Casey Fictional"], BORN),  # names the wrong way round
        (["Casey Fictionl"], ["Casey Fictional"], BORN),  # a typing slip
    ],
)
def test_a_variant_of_the_same_child_is_a_possible_match(new, known, new_born):
    result = match(new, known, new_born=new_born)
    assert result.is_possible_match, result


@pytest.mark.parametrize(
    ("new", "known", "new_born"),
    [
        (["Olivia Fictional"], ["Amelia Fictional"], BORN),  # twins: same surname, same birthday
        (["Oliver Fictional"], ["Oliver Fictional"], date(2014, 9, 17)),  # common name, another child
        (["Casey Fictional"], ["Morgan Example"], BORN),  # same birthday, nobody alike
    ],
)
def test_different_children_are_not_offered(new, known, new_born):
    result = match(new, known, new_born=new_born)
    assert not result.is_possible_match, result


def test_a_shared_past_postcode_strengthens_a_match():
    without = match(["Casey Fictionl"], ["Casey Fictional"], new_born=date(2012, 3, 5))
    new = Identity.of(["Casey Fictionl"], date(2012, 3, 5), addresses=["2 New Road, Testtown, ZZ9 9ZZ"])
    known = Identity.of(
        ["Casey Fictional"], BORN, addresses=["1 Old Lane, Testtown, ZZ1 1ZZ", "2 New Road, ZZ9 9ZZ"]
    )
    with_postcode = score(new, known)
    assert with_postcode.total > without.total
    assert "same postcode, now or before" in with_postcode.reasons


def test_a_surname_changed_untold_matches_only_with_the_same_address_or_school():
    known = Identity.of(["Casey Fictional"], BORN, addresses=["1 Old Lane, Testtown, ZZ1 1ZZ"])
    elsewhere = score(Identity.of(["Casey Example"], BORN, addresses=["9 Far Road, ZZ8 8ZZ"]), known)
    at_home = score(Identity.of(["Casey Example"], BORN, addresses=["1 Old Lane, ZZ1 1ZZ"]), known)
    assert not elsewhere.is_possible_match
    assert at_home.is_possible_match
    assert "same given name; surname differs (changed?)" in at_home.reasons
    sibling = score(Identity.of(["Morgan Example"], BORN, addresses=["1 Old Lane, ZZ1 1ZZ"]), known)
    assert not sibling.is_possible_match


def test_a_different_sex_counts_against():
    same = score(Identity.of(["Sam Fictional"], BORN, sex="M"), Identity.of(["Sam Fictional"], BORN, sex="M"))
    other = score(
        Identity.of(["Sam Fictional"], BORN, sex="M"), Identity.of(["Sam Fictional"], BORN, sex="F")
    )
    assert other.total < same.total


def test_names_are_parsed_with_hyphenated_surnames_and_middle_names():
    assert Name.parse("Ann-Marie Jo Fictional-Example") == Name(
        given="ann", middle=("marie", "jo"), surname_parts=("fictional", "example")
    )
    assert Name.parse("  ") is None
    assert Name.parse("Zoë  O'Fictional") == Name(given="zoe", middle=(), surname_parts=("ofictional",))


def test_postcodes_are_found_and_normalised():
    assert postcodes_in("1 High Street, Testtown, zz9 9zz") == {"ZZ9 9ZZ"}
    assert postcodes_in("Flat 2, SW1A1AA") == {"SW1A 1AA"}
    assert postcodes_in("No postcode here") == set()


def test_the_date_variants_cover_what_the_score_accepts():
    assert date_of_birth_variants(date(2012, 3, 4)) == {
        date(2012, 3, 3),
        date(2012, 3, 4),
        date(2012, 3, 5),
        date(2012, 4, 3),
    }
    assert date(2012, 2, 29) in date_of_birth_variants(date(2012, 3, 1))  # across a leap day
    assert date_of_birth_variants(date(2012, 5, 25)) == {
        date(2012, 5, 24),
        date(2012, 5, 25),
        date(2012, 5, 26),
    }


GIVEN = st.sampled_from(["Casey", "Morgan", "Riley", "Jordan", "Alex", "Taylor", "Jamie", "Sam"])
SURNAME = st.sampled_from(["Fictional", "Example", "Sample", "Madeup", "Testperson"])
BIRTHDAYS = st.dates(min_value=date(2008, 1, 1), max_value=date(2026, 1, 1))


@given(GIVEN, SURNAME, BIRTHDAYS)
def test_a_record_always_matches_itself(first, last, born):
    assert match([f"{first} {last}"], [f"{first} {last}"], born, born).is_possible_match


@given(GIVEN, SURNAME, BIRTHDAYS, st.sampled_from(["  ", " Middle ", "\t"]), st.booleans())
def test_spacing_case_and_a_middle_name_never_lose_a_match(first, last, born, between, upper):
    recorded = f"{first}{between}{last}"
    recorded = recorded.upper() if upper else recorded
    assert match([recorded], [f"{first} {last}"], born, born).is_possible_match


@given(GIVEN, SURNAME, BIRTHDAYS, st.integers(min_value=40, max_value=4000))
def test_a_plainly_different_date_of_birth_is_never_a_match(first, last, born, days_apart):
    other = born + timedelta(days=days_apart)
    if other in date_of_birth_variants(born) or (other.month, other.day) == (born.month, born.day):
        return
    assert not match([f"{first} {last}"], [f"{first} {last}"], born, other).is_possible_match


def test_names_joined_only_by_hyphens_or_holding_digits_are_read_not_crashed_on():
    from app.domain.matching import Name

    assert Name.parse("Ann - Smith") == Name(given="ann", middle=(), surname_parts=("smith",))
    assert Name.parse("Sibling0-0 Fictional").given == "sibling"
    assert Name.parse("Mary-Jane - Smith - Jones").surname_parts[-1] == "jones"
