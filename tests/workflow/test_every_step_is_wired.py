"""Every user task in the BPMN has what the web layer needs to show and complete it:
a form, a template and a step handler. Without this a missing handler would fail only
when someone first completes that task."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import TemplateNotFound
from lxml import etree

from app.referrals.services import STEP_HANDLERS
from app.tasks import TASK_FORMS

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def bpmn_user_tasks(app=None) -> list[str]:
    """The ids of every user task in every BPMN file, read from the XML itself."""
    ids = set()
    for path in WORKFLOWS.glob("*.bpmn"):
        tree = etree.parse(str(path))
        ids |= {element.get("id") for element in tree.iter("{*}userTask")}
    return sorted(ids)


def test_the_bpmn_has_user_tasks(app):
    assert "triage" in bpmn_user_tasks(app) and "threshold_decision" in bpmn_user_tasks(app)


@pytest.mark.parametrize("part", ["form", "template", "handler"])
def test_every_user_task_has_a_form_a_template_and_a_handler(app, part):
    missing = []
    for step in bpmn_user_tasks(app):
        if part == "form" and step not in TASK_FORMS or part == "handler" and step not in STEP_HANDLERS:
            missing.append(step)
        elif part == "template":
            try:
                app.jinja_env.get_template(f"tasks/{step}.html")
            except TemplateNotFound:
                missing.append(step)
    assert missing == [], f"user tasks without a {part}: {missing}"


def test_the_check_would_notice_a_step_without_a_handler(app, monkeypatch):
    monkeypatch.delitem(STEP_HANDLERS, "close_plan")
    assert "close_plan" in bpmn_user_tasks(app)
    assert "close_plan" not in STEP_HANDLERS
