import pytest

from app.domain import cin_codes


def test_the_data_file_is_the_dfe_list():
    assert cin_codes.list_names() == [
        "gender",
        "ethnicity",
        "disability",
        "referral_source",
        "category_of_abuse",
        "primary_need",
        "reason_for_closure",
        "assessment_factor",
    ]


@pytest.mark.parametrize(
    ("list_name", "count"),
    [
        ("gender", 4),
        ("ethnicity", 20),
        ("disability", 13),
        ("referral_source", 22),
        ("category_of_abuse", 5),
        ("primary_need", 10),
        ("reason_for_closure", 9),
        ("assessment_factor", 42),
    ],
)
def test_each_list_has_every_code_once(list_name, count):
    listed = [code for code, _ in cin_codes.codes(list_name)]
    assert len(listed) == count
    assert len(set(listed)) == count


@pytest.mark.parametrize(
    ("list_name", "code", "expected"),
    [
        ("referral_source", "6", "POLICE"),
        ("referral_source", "2A", "SCHOOLS"),
        # Quoted in the file because of its comma; note the en dash.
        ("referral_source", "1A", "INDIVIDUAL – family member, relative or carer"),
        ("category_of_abuse", "NEG", "Neglect"),
        ("primary_need", "N0", "Not stated"),
        (
            "reason_for_closure",
            "RC8",
            "Case closed after assessment, no further action",
        ),
        ("gender", "0", "Not recorded or unborn"),
        ("assessment_factor", "20", "Other"),
    ],
)
def test_label(list_name, code, expected):
    assert cin_codes.label(list_name, code) == expected


def test_codes_keep_the_dfe_order():
    assert cin_codes.codes("category_of_abuse") == [
        ("NEG", "Neglect"),
        ("PHY", "Physical abuse"),
        ("SAB", "Sexual abuse"),
        ("EMO", "Emotional abuse"),
        ("MUL", "Multiple/not recommended"),
    ]
    closure_codes = [code for code, _ in cin_codes.codes("reason_for_closure")]
    assert closure_codes == [f"RC{i}" for i in range(1, 10)]


def test_codes_returns_a_copy():
    cin_codes.codes("gender").clear()
    assert len(cin_codes.codes("gender")) == 4


@pytest.mark.parametrize(
    ("list_name", "code", "valid"),
    [
        ("referral_source", "6", True),
        ("referral_source", "2A", True),
        ("referral_source", "10", True),
        ("referral_source", "2a", False),  # codes are case-sensitive
        ("referral_source", "11", False),
        ("referral_source", "", False),
        ("category_of_abuse", "NEG", True),
        ("category_of_abuse", "N1", False),  # a primary need code, not a category
        ("primary_need", "N1", True),
        ("assessment_factor", "24A", True),
    ],
)
def test_is_valid(list_name, code, valid):
    assert cin_codes.is_valid(list_name, code) is valid


@pytest.mark.parametrize("call", [cin_codes.codes, lambda name: cin_codes.is_valid(name, "6")])
def test_an_unknown_list_name_is_a_key_error_naming_the_lists(call):
    with pytest.raises(KeyError, match="No CIN census code list called 'factors'.*assessment_factor"):
        call("factors")


def test_label_of_an_unknown_list_names_the_list_problem():
    with pytest.raises(KeyError, match="No CIN census code list called 'referral'"):
        cin_codes.label("referral", "6")


def test_label_of_an_unknown_code_is_a_key_error():
    with pytest.raises(KeyError, match="'99' is not a code in the CIN census 'referral_source' list"):
        cin_codes.label("referral_source", "99")


def test_the_file_is_read_once():
    cin_codes.codes("gender")
    before = cin_codes._code_lists.cache_info()
    cin_codes.codes("ethnicity")
    cin_codes.label("referral_source", "6")
    cin_codes.is_valid("primary_need", "N1")
    after = cin_codes._code_lists.cache_info()
    assert after.misses == before.misses
    assert after.currsize == 1
