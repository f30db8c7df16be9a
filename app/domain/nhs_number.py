"""NHS numbers: 10 digits, the last a modulus 11 check digit.

People type NHS numbers with spaces ("943 476 5919") or hyphens, so every
function here accepts those and compares the digits alone.
"""

import re

NHS_NUMBER_LENGTH = 10

# Error messages follow the GOV.UK Design System's NHS number pattern. The
# example is the Design System's, and is a format example only: its check
# digit does not match.
WRONG_LENGTH_MESSAGE = "Enter an NHS number with 10 digits, like 485 777 3456"
CHECK_DIGIT_MESSAGE = "This is not a real NHS number. Check each digit and enter it again"

_SEPARATORS = re.compile(r"[\s-]+")
_TEN_DIGITS = re.compile(r"[0-9]{10}")  # not \d, which also matches non-ASCII digits
# Weights 10, 9, ..., 2 for the first nine digits.
_WEIGHTS = range(NHS_NUMBER_LENGTH, 1, -1)


def normalise_nhs_number(nhs_number: str) -> str:
    """``nhs_number`` without its spaces and hyphens."""
    return _SEPARATORS.sub("", nhs_number)


def _check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit for nine digits, or None if none can be valid."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_error(nhs_number: str) -> str | None:
    """The message to show a user for an invalid NHS number, or None if it is valid."""
    digits = normalise_nhs_number(nhs_number)
    if not _TEN_DIGITS.fullmatch(digits):
        return WRONG_LENGTH_MESSAGE
    if _check_digit(digits[:9]) != int(digits[9]):
        return CHECK_DIGIT_MESSAGE
    return None


def is_valid_nhs_number(nhs_number: str) -> bool:
    return nhs_number_error(nhs_number) is None


def format_nhs_number(nhs_number: str) -> str:
    """``nhs_number`` in the 3-3-4 form people read, like "943 476 5919".

    Raises ValueError unless it has 10 digits. The check digit is not checked,
    so that a stored number is always shown.
    """
    digits = normalise_nhs_number(nhs_number)
    if not _TEN_DIGITS.fullmatch(digits):
        # The number itself stays out of the message, which may reach logs.
        raise ValueError("An NHS number must have 10 digits to be formatted")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
