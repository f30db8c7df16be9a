"""Whole numbers typed in: digits 0 to 9 only."""

from __future__ import annotations


def is_whole_number(text: str) -> bool:
    """True for text of the digits 0 to 9 only. ``str.isdigit`` also takes "¹" and "²",
    which ``int`` refuses with a ValueError: a 500 where the user should be told."""
    return text.isascii() and text.isdigit()
