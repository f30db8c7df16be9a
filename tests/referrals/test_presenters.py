"""What the referral page shows: the contract's labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.referrals.presenters import display_value, outcome_label, strategy_decision_label
from app.workflow.contract import OUTCOME_LABELS, STRATEGY_DECISION_LABELS

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def test_labels_come_from_the_contract():
    for value, label in OUTCOME_LABELS.items():
        assert outcome_label(value) == display_value("outcome", value) == label
    for value, label in STRATEGY_DECISION_LABELS.items():
        assert strategy_decision_label(value) == display_value("decision", value) == label
    assert outcome_label("not_a_value") == "not_a_value"


@pytest.mark.parametrize("label", [*OUTCOME_LABELS.values(), *STRATEGY_DECISION_LABELS.values()])
def test_no_template_writes_a_contract_label_itself(label):
    for template in TEMPLATES.rglob("*.html"):
        assert label not in template.read_text(encoding="utf-8"), template
