"""Placeholder module: replaced by its owner."""

from app.audit import bp  # noqa: F401
