"""What the web layer relies on in the BPMN, beyond XSD validity: checked when a
version is parsed, so that an edit in a modeler that breaks the contract is refused
at start-up rather than when someone first reaches the step."""

from __future__ import annotations

import ast
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins import ExclusiveGatewayMixin, ManualTaskMixin, UserTaskMixin
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin

from .contract import DECISION_ID, LANES, START_EVENT_ID, TIMERS, USER_TASKS, WAITS


def contract_problems(spec: Any) -> list[str]:
    """Check what the web layer relies on, beyond XSD validity.

    A partnership editing the files in a modeler can break these without
    breaking the XML: a renamed task id, a task dragged into another lane,
    a gateway without a default flow (a dead end when no condition matches).
    """
    problems: list[str] = []
    by_bpmn_id = {s.bpmn_id: s for s in spec.task_specs.values() if getattr(s, "bpmn_id", None)}
    if START_EVENT_ID not in by_bpmn_id:
        problems.append(f"Start event '{START_EVENT_ID}' is missing.")
    rule_task = by_bpmn_id.get(DECISION_ID)
    if not isinstance(rule_task, BusinessRuleTaskMixin):
        problems.append(f"Business rule task '{DECISION_ID}' is missing.")
    for bpmn_id, contract in USER_TASKS.items():
        task_spec = by_bpmn_id.get(bpmn_id)
        if not isinstance(task_spec, UserTaskMixin):
            problems.append(f"User task '{bpmn_id}' is missing.")
        elif task_spec.lane != contract.lane:
            problems.append(
                f"User task '{bpmn_id}' is in lane {task_spec.lane!r}, expected {contract.lane!r}."
            )
    for bpmn_id, task_spec in by_bpmn_id.items():
        if task_spec.lane not in LANES:
            problems.append(
                f"'{bpmn_id}' is in lane {task_spec.lane!r}; lanes must be one of {', '.join(LANES)}."
            )
        if isinstance(task_spec, UserTaskMixin):
            if bpmn_id not in USER_TASKS:
                problems.append(f"User task '{bpmn_id}' is not known to the web layer.")
            if not task_spec.bpmn_name:
                problems.append(f"User task '{bpmn_id}' has no name.")
        if (
            isinstance(task_spec, ExclusiveGatewayMixin)
            and len(task_spec.outputs) > 1
            and task_spec.default_task_spec is None
        ):
            problems.append(f"Exclusive gateway '{bpmn_id}' has no default flow.")
        if isinstance(task_spec, BoundaryEvent) and bpmn_id not in TIMERS:
            problems.append(f"Boundary event '{bpmn_id}' is not known to the web layer.")
    for bpmn_id in WAITS:
        if not isinstance(by_bpmn_id.get(bpmn_id), ManualTaskMixin):
            problems.append(f"Manual task '{bpmn_id}' is missing.")
    for bpmn_id, contract in TIMERS.items():
        problems.extend(_timer_problems(spec, by_bpmn_id, bpmn_id, contract))
    return problems


def _timer_problems(spec: Any, by_bpmn_id: dict, bpmn_id: str, contract: Any) -> list[str]:
    timer = by_bpmn_id.get(bpmn_id)
    if not isinstance(timer, BoundaryEvent) or not isinstance(timer.event_definition, TimerEventDefinition):
        return [f"Boundary timer '{bpmn_id}' is missing."]
    problems = []
    if timer.cancel_activity:
        problems.append(f"Timer '{bpmn_id}' must be non-interrupting: the late work stays open.")
    split = spec.task_specs.get(f"{contract.attached_to}.BoundaryEventSplit")
    if split is None or timer not in split.outputs:
        problems.append(f"Timer '{bpmn_id}' must be attached to '{contract.attached_to}'.")
    if [getattr(o, "bpmn_id", None) for o in timer.outputs if getattr(o, "bpmn_id", None)] != [
        contract.raises
    ]:
        problems.append(f"Timer '{bpmn_id}' must lead straight to '{contract.raises}'.")
    expression = timer.event_definition.expression or ""
    expected = f'due_times["{contract.attached_to}"]["at"]'
    if expression.strip() != expected and not _is_quoted_iso(expression):
        problems.append(
            f"Timer '{bpmn_id}' has the expression {expression!r}: use {expected} (the due time the app "
            'writes) or a quoted ISO 8601 value such as "PT24H" (with the quotes).'
        )
    return problems


def _is_quoted_iso(expression: str) -> bool:
    try:
        node = ast.parse(expression.strip(), mode="eval").body
    except SyntaxError:
        return False
    if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
        return False
    try:
        TimerEventDefinition.parse_time_or_duration(node.value)
    except Exception:  # noqa: BLE001 - Spiff raises bare Exception for a bad duration
        return False
    return True
