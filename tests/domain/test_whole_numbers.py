"""Whole numbers typed in: the digits 0 to 9 and nothing else."""

from __future__ import annotations

import pytest

from app.domain.whole_numbers import is_whole_number


@pytest.mark.parametrize("text", ["0", "7", "0123", "1000000"])
def test_digits_are_a_whole_number(text):
    assert is_whole_number(text)
    int(text)  # and int takes them


@pytest.mark.parametrize("text", ["", "\u00b9", "\u00b2", "1\u00b2", "-1", "1.5", " 1", "ten", "\u0661"])
def test_anything_else_is_not(text):
    assert not is_whole_number(text)
