"""The data contract between the process files and the web layer.

The BPMN decides the route; this module says what each user task must
record and which values are allowed. It exists because the gateways read
task data as Python names: a missing or misspelt answer would otherwise
either crash a gateway mid-step or, worse, quietly send a referral down the
default path. Checking answers *before* a task runs keeps a refused
submission from touching the workflow at all.

Kept separate from engine.py so that forms, presenters and templates can
import the allowed values and their labels without pulling in SpiffWorkflow.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PROCESS_ID = "front_door"
DECISION_ID = "threshold_recommendation"
START_EVENT_ID = "notification_received"

LANES: tuple[str, ...] = ("Police", "Social care", "Health", "Manager")

# Each allowed value with the words pages show for it, in the order pages list them.
# The presenters, the task forms and the templates all take their labels from here.
OUTCOME_LABELS: dict[str, str] = {
    "nfa": "No further action / advice",
    "early_help": "Early help",
    "s17": "Child in need (s17) assessment",
    "s47": "Child protection (s47) strategy discussion",
    "immediate_protection": "Immediate protection",
}
RAG_LABELS: dict[str, str] = {"red": "Red", "amber": "Amber", "green": "Green"}
STRATEGY_DECISION_LABELS: dict[str, str] = {
    "no_s47": "No s47 enquiry",
    "single_agency_s47": "Single-agency s47 enquiry",
    "joint_investigation": "Joint investigation with police",
}

OUTCOMES: tuple[str, ...] = tuple(OUTCOME_LABELS)
RAG_RATINGS: tuple[str, ...] = tuple(RAG_LABELS)
DASH_LABELS: dict[str, str] = {"standard": "Standard", "medium": "Medium", "high": "High"}
DASH_LEVELS: tuple[str, ...] = tuple(DASH_LABELS)
STRATEGY_DECISIONS: tuple[str, ...] = tuple(STRATEGY_DECISION_LABELS)
#: Threshold outcomes that start with a strategy discussion.
S47_OUTCOMES: tuple[str, ...] = ("s47", "immediate_protection")
#: Strategy discussion decisions that start s47 enquiries.
S47_DECISIONS: tuple[str, ...] = ("single_agency_s47", "joint_investigation")

#: Written by the business rule task, never by a person.
DECISION_OUTPUTS: tuple[str, ...] = ("recommended_outcome", "recommendation_rule")

#: What a manager does about an escalation.
ESCALATION_ACTIONS: tuple[str, ...] = ("recorded", "reassigned", "extended")


@dataclass(frozen=True)
class TimerContract:
    """A non-interrupting boundary timer: what it is attached to, and the task it raises when it fires.

    Its expression must be ``due_times["<attached>"]["at"]``: the due time the
    web layer writes into the process data (with the quotes, so it is a Python
    subscript and not a name), or a quoted ISO 8601 literal such as ``"PT72H"``.
    """

    bpmn_id: str
    attached_to: str
    raises: str


TIMERS: dict[str, TimerContract] = {
    t.bpmn_id: t
    for t in (
        TimerContract("threshold_decision_overdue", "threshold_decision", "escalate_threshold_decision"),
        TimerContract("strategy_discussion_overdue", "strategy_discussion", "escalate_strategy_discussion"),
        TimerContract("police_confirm_plan_overdue", "police_confirm_plan", "escalate_police_confirm_plan"),
        TimerContract("health_confirm_plan_overdue", "health_confirm_plan", "escalate_health_confirm_plan"),
        TimerContract("police_protection_72_hours", "police_protection_in_force", "police_protection_review"),
    )
}
#: Raised task -> the timer that raises it.
RAISED_BY: dict[str, TimerContract] = {t.raises: t for t in TIMERS.values()}

#: Steps that wait for something the web layer records outside the process (manual tasks it ends).
WAITS: tuple[str, ...] = ("police_protection_in_force",)

#: Due times the process data carries (``due_times``), by the BPMN id of the task they time:
#: a mapping of task id to ``{"at": ISO 8601 with offset, "basis": text, "working_time": bool}``.


@dataclass(frozen=True)
class Field:
    """One named answer. ``kind`` is checked strictly: the web layer converts form strings first."""

    name: str
    kind: type
    choices: tuple[Any, ...] | None = None
    required: bool = True
    default: Any = None
    nullable: bool = False
    #: A further check of the value's shape: returns a problem, or None.
    check: Callable[[Any], str | None] | None = None


@dataclass(frozen=True)
class UserTaskContract:
    bpmn_id: str
    lane: str
    fields: tuple[Field, ...] = ()


def due_times_problem(value: Any) -> str | None:
    """``due_times`` maps task ids to {"at": an ISO 8601 instant with its offset, ...}: what timers read."""
    for key, due in value.items():
        at = due.get("at") if isinstance(due, dict) else None
        try:
            parsed = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            return f"'due_times' entry {key!r} needs 'at': an ISO 8601 date and time with its UTC offset."
    return None


#: The children's history across referrals, as the threshold DMN reads it
#: (app/people/history.py). Set at intake, and worked out again when triage is
#: completed, so that the possible matches confirmed at triage reach the decision.
HISTORY_FIELDS: tuple[Field, ...] = (
    Field("prior_notifications_12m", int, required=False, default=0),
    Field("infant_injured", bool, required=False, default=False),
    Field("suspect_linked_to_other_children", int, required=False, default=0),
    Field("household_domestic_abuse_12m", int, required=False, default=0),
    Field("missing_episodes_90d", int, required=False, default=0),
    Field("missing_episodes_ever", int, required=False, default=0),
    Field("earlier_nfa_12m", int, required=False, default=0),
    Field("earlier_s47", int, required=False, default=0),
)
HISTORY_OWNERS: tuple[str, ...] = ("triage",)

START_FIELDS: tuple[Field, ...] = (
    Field("incident_type", str, required=False, default="other"),
    Field("police_protection_used", bool, required=False, default=False),
    # Police protection used and not yet ended when the referral arrives: its 72-hour clock runs.
    Field("police_protection_in_force", bool, required=False, default=False),
    Field("due_times", dict, required=False, default={}, check=due_times_problem),
    Field("dash_level", str, DASH_LEVELS, required=False, default=None, nullable=True),
    *HISTORY_FIELDS,
    Field("referral_source", str, required=False, default=None, nullable=True),
)

_OUTCOME = Field("threshold_outcome", str, OUTCOMES)
# Steps that start a clock a BPMN timer waits for send the due times so far with the new ones added.
_DUE_TIMES = Field("due_times", dict, check=due_times_problem)
_ESCALATION = (Field("escalation_action", str, ESCALATION_ACTIONS),)
# Worked out by the app, never posted: the outcome gateway sends no further action or early help
# to a manager's sign-off while it is true.
_SIGN_OFF_NEEDED = Field("manager_sign_off_needed", bool, required=False, default=False)

USER_TASKS: dict[str, UserTaskContract] = {
    c.bpmn_id: c
    for c in (
        UserTaskContract(
            "triage",
            "Social care",
            (
                Field("rag", str, RAG_RATINGS),
                Field("significant_harm_suspected", bool),
                # False sends the referral straight to the threshold recommendation,
                # skipping the three research tasks. Missing (API callers, pages
                # opened before the question existed) means research happens.
                Field("research_needed", bool, required=False, default=True),
                _DUE_TIMES,
            ),
        ),
        UserTaskContract("police_research", "Police", (Field("police_disagrees", bool),)),
        UserTaskContract("health_research", "Health", (Field("health_disagrees", bool),)),
        UserTaskContract("social_care_research", "Social care", (Field("social_care_disagrees", bool),)),
        UserTaskContract(
            "threshold_decision",
            "Social care",
            (
                _OUTCOME,
                Field("disagreement_raised", bool, required=False, default=False),
                _SIGN_OFF_NEEDED,
                _DUE_TIMES,
            ),
        ),
        UserTaskContract("resolve_disagreement", "Manager", (_OUTCOME, _SIGN_OFF_NEEDED, _DUE_TIMES)),
        UserTaskContract(
            "manager_sign_off", "Manager", (Field("signed_off", bool), _OUTCOME, _SIGN_OFF_NEEDED, _DUE_TIMES)
        ),
        UserTaskContract("record_outcome", "Social care"),
        UserTaskContract(
            "strategy_discussion", "Social care", (Field("strategy_decision", str, STRATEGY_DECISIONS),)
        ),
        UserTaskContract("protective_plan", "Social care", (_DUE_TIMES,)),
        UserTaskContract("police_confirm_plan", "Police", (Field("police_confirmed", bool),)),
        UserTaskContract("health_confirm_plan", "Health", (Field("health_confirmed", bool),)),
        UserTaskContract("close_plan", "Social care"),
        UserTaskContract("assessment_outcome", "Social care"),
        UserTaskContract("police_protection_review", "Police"),
        *(
            UserTaskContract(t.raises, "Manager", _ESCALATION)
            for t in TIMERS.values()
            if t.raises.startswith("escalate_")
        ),
    )
}

#: Every key some step of the process owns. A task may add extra keys (notes,
#: references) but may not overwrite another step's answer: otherwise, say, a
#: triage form could post ``recommended_outcome`` and steer a later gateway.
OWNED_KEYS: dict[str, frozenset[str]] = {}
for _owner, _keys in (
    ("start", [f.name for f in START_FIELDS]),
    (DECISION_ID, list(DECISION_OUTPUTS)),
    *((c.bpmn_id, [f.name for f in c.fields]) for c in USER_TASKS.values()),
    *((owner, [f.name for f in HISTORY_FIELDS]) for owner in HISTORY_OWNERS),
):
    for _key in _keys:
        OWNED_KEYS[_key] = OWNED_KEYS.get(_key, frozenset()) | {_owner}
del _owner, _keys, _key


def _json_safe(value: Any, depth: int = 0) -> bool:
    if depth > 20:
        return False
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_safe(v, depth + 1) for k, v in value.items())
    return False


def check_fields(
    fields: tuple[Field, ...],
    data: Mapping[str, Any],
    *,
    owner: str,
    reserved: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], list[str]]:
    """Return (clean data with defaults filled in, problems).

    ``owner`` is the step submitting (a bpmn id or "start"): it may write its
    own fields and free extra keys, but not keys owned by another step, nor
    names in ``reserved`` (the script globals, which a data key would shadow).
    """
    if not isinstance(data, Mapping):
        return {}, ["Data must be a mapping of names to values."]
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for field in fields:
        if field.name not in data or (data[field.name] is None and not field.nullable):
            if field.required:
                problems.append(f"'{field.name}' is required.")
            else:
                clean[field.name] = field.default
            continue
        value = data[field.name]
        if value is None:
            clean[field.name] = None
            continue
        # bool is a subclass of int: a True must not pass as a count.
        if not isinstance(value, field.kind) or (field.kind is int and isinstance(value, bool)):
            problems.append(f"'{field.name}' must be a {field.kind.__name__}, not {type(value).__name__}.")
            continue
        if field.choices is not None and value not in field.choices:
            problems.append(f"'{field.name}' must be one of: {', '.join(map(str, field.choices))}.")
            continue
        if field.kind is int and value < 0:
            problems.append(f"'{field.name}' cannot be negative.")
            continue
        problem = field.check(value) if field.check is not None else None
        if problem is not None:
            problems.append(problem)
            continue
        clean[field.name] = value
    own = {f.name for f in fields}
    for key, value in data.items():
        if key in own:
            continue
        if (
            not isinstance(key, str)
            or not key.isidentifier()
            or keyword.iskeyword(key)
            or key.startswith("_")
        ):
            problems.append(f"{key!r} is not an allowed data name.")
        elif key in reserved:
            problems.append(f"'{key}' is reserved for process scripts.")
        elif key in OWNED_KEYS and owner not in OWNED_KEYS[key]:
            problems.append(f"'{key}' is recorded by another step ({', '.join(sorted(OWNED_KEYS[key]))}).")
        elif not _json_safe(value):
            problems.append(f"'{key}' must be plain data (text, numbers, yes/no, lists).")
        else:
            clean[key] = value
    return clean, problems
