import pytest

from app.domain.nhs_number import (
    CHECK_DIGIT_MESSAGE,
    WRONG_LENGTH_MESSAGE,
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_error,
    normalise_nhs_number,
)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        (" 943 476 5919 ", "9434765919"),
        ("9434765919", "9434765919"),
        # Non-breaking spaces, as pasted from a letter.
        ("943\u00a0476\u00a05919", "9434765919"),
        ("", ""),
    ],
)
def test_normalise_nhs_number(typed, normalised):
    assert normalise_nhs_number(typed) == normalised


@pytest.mark.parametrize(
    "nhs_number",
    [
        # 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299;
        # 299 % 11 = 2 and 11 - 2 = 9, the last digit.
        "9434765919",
        "943 476 5919",
        "943-476-5919",
        # Weighted sum 308 = 28 * 11: 11 - 0 = 11, so the check digit is 0.
        "9434765870",
    ],
)
def test_valid_nhs_numbers(nhs_number):
    assert is_valid_nhs_number(nhs_number)
    assert nhs_number_error(nhs_number) is None


@pytest.mark.parametrize(
    "nhs_number",
    [
        "",
        "943476591",  # 9 digits
        "94347659190",  # 11 digits
        "943 476 591",
        "943476591X",  # a letter
        "943.476.5919",  # a separator other than space or hyphen
        # 9434765919 in Arabic-Indic digits.
        "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",
    ],
)
def test_nhs_numbers_without_10_digits(nhs_number):
    assert not is_valid_nhs_number(nhs_number)
    assert nhs_number_error(nhs_number) == WRONG_LENGTH_MESSAGE


@pytest.mark.parametrize(
    "nhs_number",
    [
        "9434765918",  # check digit should be 9
        "9434765910",
        "9434765871",  # check digit should be 0
        # The GOV.UK example: weighted sum 312, so the check digit would be 7.
        "4857773456",
        # Weighted sum of 943476596 is 342; 342 % 11 = 1, so 11 - 1 = 10 and no
        # check digit is valid.
        "9434765960",
        "9434765961",
        "9434765969",
    ],
)
def test_nhs_numbers_whose_check_digit_does_not_match(nhs_number):
    assert not is_valid_nhs_number(nhs_number)
    assert nhs_number_error(nhs_number) == CHECK_DIGIT_MESSAGE


@pytest.mark.parametrize(
    ("nhs_number", "formatted"),
    [
        ("9434765919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        ("  943 4765 919", "943 476 5919"),
        ("4857773456", "485 777 3456"),  # formatting does not check the check digit
    ],
)
def test_format_nhs_number(nhs_number, formatted):
    assert format_nhs_number(nhs_number) == formatted


@pytest.mark.parametrize("nhs_number", ["", "943476591", "943476591X"])
def test_format_nhs_number_rejects_anything_without_10_digits(nhs_number):
    with pytest.raises(ValueError, match="10 digits") as raised:
        format_nhs_number(nhs_number)
    if nhs_number:
        assert nhs_number not in str(raised.value)  # personal data stays out of logs


def test_error_messages():
    assert WRONG_LENGTH_MESSAGE == "Enter an NHS number with 10 digits, like 485 777 3456"
    assert CHECK_DIGIT_MESSAGE == "This is not a real NHS number. Check each digit and enter it again"
    assert "check digit" not in CHECK_DIGIT_MESSAGE.lower()
