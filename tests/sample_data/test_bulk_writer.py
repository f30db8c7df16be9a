"""The bulk writer takes its columns from the models, and refuses rows that have drifted from them."""

from __future__ import annotations

import pytest

from app.models import StepRecord
from app.sample_data.bulk_writer import insert_columns

STEP = {
    "referral_id": 1,
    "step": "triage",
    "title": "Triage",
    "lane": "Police",
    "actor_id": None,
    "agency_id": None,
    "at": None,
    "answers": {},
}


def test_columns_come_in_the_tables_order_with_the_id_left_to_the_database():
    shuffled = dict(reversed(STEP.items()))
    assert insert_columns(StepRecord.__table__, shuffled) == tuple(STEP)


def test_a_nullable_column_without_a_default_may_be_left_out():
    row = {k: v for k, v in STEP.items() if k != "lane"}
    assert "lane" not in insert_columns(StepRecord.__table__, row)


def test_a_column_the_table_does_not_have_is_refused():
    with pytest.raises(ValueError, match=r"step_records rows give \['colour'\]"):
        insert_columns(StepRecord.__table__, {**STEP, "colour": "red"})


@pytest.mark.parametrize("column", ["step", "at", "answers"])
def test_a_column_the_table_needs_is_refused_when_left_out(column):
    # `at` and `answers` have defaults the ORM would apply, which a bulk insert would not.
    row = {k: v for k, v in STEP.items() if k != column}
    with pytest.raises(ValueError, match=rf"step_records rows leave out \['{column}'\]"):
        insert_columns(StepRecord.__table__, row)
