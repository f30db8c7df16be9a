"""The task forms: what each gives the service, its messages, its buttons and its page."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template
from werkzeug.datastructures import MultiDict

from app.forms import BaseForm, apply_errors
from app.tasks import TASK_FORMS
from app.tasks.forms import (
    OUTCOME_LABELS,
    RAG_LABELS,
    ConfirmPlanForm,
    ProtectivePlanForm,
    ResearchForm,
    StrategyDiscussionForm,
    strategy,
)
from app.workflow.contract import OUTCOMES, RAG_RATINGS, RAISED_BY, STRATEGY_DECISIONS, USER_TASKS

OUT_OF_DATE = "This page is out of date. Reload it and try again"
CONTRACT_DOC = Path(__file__).resolve().parents[2] / "docs" / "contract-forms.md"

# "Now" for the tests that compare with today: Tuesday 10 March 2026, noon in London (GMT).
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def fixed_now(clock):
    clock.set(NOW)


@contextmanager
def posted(app, form_class, pairs):
    """A form built from a POST of ``pairs`` (CSRF is off in the test config)."""
    with app.test_request_context("/tasks/1", method="POST", data=MultiDict(pairs)):
        yield form_class()


def date_parts(name: str, day: date) -> list[tuple[str, str]]:
    return [(name, str(day.day)), (name, str(day.month)), (name, str(day.year))]


def attendee(i: int, name: str = "", kind: str = "", role: str = "") -> list[tuple[str, str]]:
    return [
        (f"attendees-{i}-name", name),
        (f"attendees-{i}-agency_kind", kind),
        (f"attendees-{i}-role", role),
    ]


def action(i: int, description="", kind="", owner="", due: date | None = None) -> list[tuple[str, str]]:
    due_parts = date_parts(f"actions-{i}-due_date", due) if due else [(f"actions-{i}-due_date", "")] * 3
    return [
        (f"actions-{i}-description", description),
        (f"actions-{i}-owning_agency_kind", kind),
        (f"actions-{i}-owner", owner),
        *due_parts,
    ]


# --- A valid submission for every step, and exactly what the service gets ------

STRATEGY_VALID = [
    ("version", "7"),
    *date_parts("held_at", date(2025, 7, 1)),
    ("held_time", "14:30"),
    ("chair", " Jo Manager "),
    *attendee(0, "Jo Manager", "childrens_social_care", "Team manager"),
    *attendee(1),  # left blank: ignored
    *attendee(2, "DS Kay", "police", "Detective sergeant"),
    *attendee(3, "Lee Nurse", "health", "Named nurse"),
    ("social_care_absence_reason", ""),
    ("police_absence_reason", ""),
    ("health_absence_reason", "  "),
    ("information_shared", "Police history of domestic abuse."),
    ("decision", "joint_investigation"),
    ("criminal_investigation", "yes"),
    ("criminal_investigation_plan", "Interview under ABE on Thursday."),
    ("immediate_actions", "Social worker visits today."),
    ("legal_action_considered", "no"),
    ("legal_action_notes", "typed before choosing no"),
    ("other_children_considered", "yes"),
    ("other_children_notes", "Sibling aged 3 at the same address."),
    ("icpc_required", "yes"),
]

PLAN_VALID = [
    ("version", "2"),
    ("summary", "Keep Amy safe at home."),
    *date_parts("review_date", TODAY + timedelta(days=28)),
    *action(0, "Home visit", "childrens_social_care", "Sam Social", TODAY),
    *action(1),  # blank
    *action(2, "Check police systems weekly", "police", "PC Lane", TODAY + timedelta(days=7)),
]

VALID: dict[str, tuple[list, dict]] = {
    "triage": (
        [
            ("version", "3"),
            ("rag", "amber"),
            ("rag_reason", " Repeat incidents "),
            ("significant_harm_suspected", "no"),
            ("research_needed", "yes"),
            ("research_not_needed_reason", "Ignored when checks are needed."),
            ("mash_dash_level", "high"),
            ("mash_dash_reason", " Third incident this year "),
            ("assessment_factors", "3A"),
            ("assessment_factors", "22A"),
        ],
        {
            "rag": "amber",
            "rag_reason": "Repeat incidents",
            "significant_harm_suspected": False,
            "research_needed": True,
            "research_not_needed_reason": None,
            "mash_dash_level": "high",
            "mash_dash_reason": "Third incident this year",
            "assessment_factors": ["3A", "22A"],
        },
    ),
    "police_research": (
        [
            ("version", "3"),
            ("findings", "Two previous call-outs."),
            ("information_shared", "Call-out dates."),
            ("shared_with", "MASH social worker"),
            ("purpose", "To inform the threshold decision."),
            ("lawful_basis", "dpa_2018_safeguarding"),
            ("disagrees", "yes"),
            ("disagreement_reason", "Risk is higher than amber."),
        ],
        {
            "findings": "Two previous call-outs.",
            "information_shared": "Call-out dates.",
            "shared_with": "MASH social worker",
            "purpose": "To inform the threshold decision.",
            "lawful_basis": "dpa_2018_safeguarding",
            "lawful_basis_detail": None,
            "disagrees": True,
            "disagreement_reason": "Risk is higher than amber.",
        },
    ),
    "health_research": (
        [
            ("version", "3"),
            ("findings", "Missed health visitor appointments."),
            ("information_shared", "Appointment history."),
            ("shared_with", "MASH"),
            ("purpose", "Safeguarding."),
            ("lawful_basis", "other"),
            ("lawful_basis_detail", " NHS Act 2006, section 251 "),
            ("disagrees", "no"),
            ("disagreement_reason", "left over from changing my mind"),
        ],
        {
            "findings": "Missed health visitor appointments.",
            "information_shared": "Appointment history.",
            "shared_with": "MASH",
            "purpose": "Safeguarding.",
            "lawful_basis": "other",
            "lawful_basis_detail": "NHS Act 2006, section 251",
            "disagrees": False,
            "disagreement_reason": None,
        },
    ),
    "social_care_research": (
        [
            ("version", "3"),
            ("findings", "Open to early help in 2024."),
            ("information_shared", "Early help closure summary."),
            ("shared_with", "Police and health in the MASH"),
            ("purpose", "Threshold decision."),
            ("lawful_basis", "children_act_1989_s47"),
            ("disagrees", "no"),
        ],
        {
            "findings": "Open to early help in 2024.",
            "information_shared": "Early help closure summary.",
            "shared_with": "Police and health in the MASH",
            "purpose": "Threshold decision.",
            "lawful_basis": "children_act_1989_s47",
            "lawful_basis_detail": None,
            "disagrees": False,
            "disagreement_reason": None,
        },
    ),
    "threshold_decision": (
        [
            ("version", "4"),
            ("outcome", "s47"),
            ("rationale", "Injury consistent with assault."),
            ("history_weighed", " Two earlier call-outs. "),
            ("assessment_factors", "3A"),
        ],
        {
            "outcome": "s47",
            "rationale": "Injury consistent with assault.",
            "history_weighed": "Two earlier call-outs.",
            "assessment_factors": ["3A"],
            "disagreement_raised": False,
            "disagreement_reason": None,
        },
    ),
    "resolve_disagreement": (
        [("version", "5"), ("outcome", "s17"), ("resolution", "Agreed after a call with police.")],
        {"outcome": "s17", "resolution": "Agreed after a call with police."},
    ),
    "manager_sign_off": (
        [
            ("version", "6"),
            ("signed_off", "no"),
            ("outcome", "s17"),
            ("note", " Fourth call-out this year. "),
        ],
        {"signed_off": False, "outcome": "s17", "note": "Fourth call-out this year."},
    ),
    "record_outcome": (
        [
            ("version", "6"),
            ("primary_need", "N1"),
            ("next_step", "Early help referral."),
            ("closure_reason", ""),
        ],
        {"primary_need": "N1", "next_step": "Early help referral.", "closure_reason": None},
    ),
    "strategy_discussion": (
        STRATEGY_VALID,
        {
            "held_at": datetime(2025, 7, 1, 13, 30, tzinfo=UTC),  # 14:30 BST
            "chair": "Jo Manager",
            "attendees": [
                {"name": "Jo Manager", "agency_kind": "childrens_social_care", "role": "Team manager"},
                {"name": "DS Kay", "agency_kind": "police", "role": "Detective sergeant"},
                {"name": "Lee Nurse", "agency_kind": "health", "role": "Named nurse"},
            ],
            "social_care_absence_reason": None,
            "police_absence_reason": None,
            "health_absence_reason": None,
            "information_shared": "Police history of domestic abuse.",
            "decision": "joint_investigation",
            "criminal_investigation": True,
            "criminal_investigation_plan": "Interview under ABE on Thursday.",
            "immediate_actions": "Social worker visits today.",
            "legal_action_considered": False,
            "legal_action_notes": None,
            "other_children_considered": True,
            "other_children_notes": "Sibling aged 3 at the same address.",
            "icpc_required": True,
            "assessment_factors": [],
        },
    ),
    "protective_plan": (
        PLAN_VALID,
        {
            "summary": "Keep Amy safe at home.",
            "review_date": TODAY + timedelta(days=28),
            "actions": [
                {
                    "description": "Home visit",
                    "owning_agency_kind": "childrens_social_care",
                    "owner": "Sam Social",
                    "due_date": TODAY,
                },
                {
                    "description": "Check police systems weekly",
                    "owning_agency_kind": "police",
                    "owner": "PC Lane",
                    "due_date": TODAY + timedelta(days=7),
                },
            ],
        },
    ),
    "police_confirm_plan": (
        [("version", "8"), ("confirmed", "no"), ("response", "Police cannot visit daily.")],
        {"confirmed": False, "response": "Police cannot visit daily."},
    ),
    "health_confirm_plan": (
        [("version", "8"), ("confirmed", "yes"), ("response", "typed, then chose yes")],
        {"confirmed": True, "response": None},
    ),
    "close_plan": (
        [("version", "9"), ("closure_summary", "All actions done; risk reduced."), ("closure_reason", "RC8")],
        {"closure_summary": "All actions done; risk reduced.", "closure_reason": "RC8"},
    ),
    "assessment_outcome": (
        [
            ("version", "10"),
            *date_parts("completed_on", date(2025, 8, 1)),
            ("factors", "3A"),
            ("factors", "21"),
            ("outcome", "cin_plan"),
            ("summary", " Needs met with a plan. "),
        ],
        {
            "completed_on": date(2025, 8, 1),
            "factors": ["3A", "21"],
            "outcome": "cin_plan",
            "summary": "Needs met with a plan.",
        },
    ),
    "police_protection_review": (
        [
            ("version", "3"),
            *date_parts("ended_date", date(2025, 7, 1)),
            ("ended_time", "14:30"),
            ("long_term_plan", "Returned home with a safety plan."),
        ],
        {
            "ended_at": datetime(2025, 7, 1, 13, 30, tzinfo=UTC),
            "long_term_plan": "Returned home with a safety plan.",
        },
    ),
}
ESCALATION_VALID = (
    [
        ("version", "4"),
        ("action", "extended"),
        ("note", "Waiting for the GP's records."),
        ("reassign_to", ""),
        *date_parts("extend_date", date(2025, 7, 1)),
        ("extend_time", "16:00"),
    ],
    {
        "action": "extended",
        "note": "Waiting for the GP's records.",
        "reassign_to": None,
        "extend_to": datetime(2025, 7, 1, 15, 0, tzinfo=UTC),
    },
)
VALID |= {step: ESCALATION_VALID for step in RAISED_BY if step.startswith("escalate_")}


def test_registry_covers_every_user_task_with_base_forms():
    assert set(TASK_FORMS) == set(USER_TASKS)
    assert (
        TASK_FORMS["police_research"] is TASK_FORMS["health_research"] is TASK_FORMS["social_care_research"]
    )
    assert TASK_FORMS["police_research"] is ResearchForm
    assert TASK_FORMS["police_confirm_plan"] is TASK_FORMS["health_confirm_plan"] is ConfirmPlanForm
    for form_class in TASK_FORMS.values():
        assert issubclass(form_class, BaseForm)


def test_labels_cover_the_contract_values():
    assert tuple(RAG_LABELS) == RAG_RATINGS
    assert tuple(OUTCOME_LABELS) == OUTCOMES
    assert tuple(strategy.DECISION_LABELS) == STRATEGY_DECISIONS
    assert OUTCOME_LABELS["s17"] == "Child in need (s17) assessment"


def documented_keys() -> dict[str, tuple[set[str], dict[str, set[str]]]]:
    """Each step's keys (and the keys inside its lists) from the complete_task section of the contract."""
    section = CONTRACT_DOC.read_text(encoding="utf-8").split("## complete_task", 1)[1]
    bullets: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("- "):
            bullets.append(line[2:])
        elif line.startswith("  ") and bullets:
            bullets[-1] += " " + line.strip()
    steps: dict[str, tuple[set[str], dict[str, set[str]]]] = {}
    for bullet in bullets:
        names, fields = bullet.split(":", 1)
        nested = {
            m.group(1): {k.strip() for k in m.group(2).split(",")}
            for m in re.finditer(r"(\w+) \[\{([^}]*)\}\]", fields)
        }
        fields = re.sub(r"\[\{[^}]*\}\]", "", fields)
        while re.search(r"\([^()]*\)", fields):
            fields = re.sub(r"\([^()]*\)", "", fields)
        keys = {f.strip() for f in fields.split(",") if f.strip()}
        for name in names.split("/"):
            steps[name.strip()] = (keys, nested)
    return steps


def test_valid_cases_cover_every_step_in_the_contract():
    assert set(documented_keys()) == set(TASK_FORMS) == set(VALID)


@pytest.mark.parametrize("step", sorted(VALID))
def test_valid_input_gives_exactly_the_contract_data(app, step):
    pairs, expected = VALID[step]
    keys, nested = documented_keys()[step]
    assert set(expected) == keys
    with posted(app, TASK_FORMS[step], pairs) as form:
        assert form.validate(), form.errors
        data = form.to_service_data()
        assert form.version.data == int(dict(pairs)["version"])
    assert data == expected
    assert "version" not in data and "csrf_token" not in data
    for list_name, row_keys in nested.items():
        assert data[list_name]
        assert all(set(row) == row_keys for row in data[list_name])


# --- The version ---------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "", "abc", "0"])
def test_a_missing_or_broken_version_is_refused(app, version):
    pairs = [p for p in VALID["triage"][0] if p[0] != "version"]
    if version is not None:
        pairs.append(("version", version))
    with posted(app, TASK_FORMS["triage"], pairs) as form:
        assert not form.validate()
        assert form.errors == {"version": [OUT_OF_DATE]}


# --- Specific messages on the right field -------------------------------------


def replace(pairs, **changes):
    """The pairs with the named fields changed (None removes the field)."""
    kept = [(k, v) for k, v in pairs if k not in changes]
    return kept + [(k, v) for k, v in changes.items() if v is not None]


INVALID = [
    ("triage", {"rag": None}, "rag", "Select a RAG rating"),
    ("triage", {"rag": "purple"}, "rag", "Select a RAG rating"),
    ("triage", {"rag_reason": "  "}, "rag_reason", "Enter the reason for the RAG rating"),
    (
        "triage",
        {"significant_harm_suspected": None},
        "significant_harm_suspected",
        "Select yes if significant harm is suspected",
    ),
    (
        "triage",
        {"research_needed": "no", "research_not_needed_reason": " "},
        "research_not_needed_reason",
        "Explain why checks by police, health and social care are not needed",
    ),
    (
        "triage",
        {"research_needed": "maybe"},
        "research_needed",
        "Select yes if checks by police, health and social care are needed",
    ),
    ("police_research", {"findings": ""}, "findings", "Enter what your checks found"),
    ("police_research", {"purpose": ""}, "purpose", "Enter why the information was shared"),
    (
        "police_research",
        {"lawful_basis": None},
        "lawful_basis",
        "Select the lawful basis for sharing the information",
    ),
    (
        "police_research",
        {"disagreement_reason": ""},
        "disagreement_reason",
        "Explain why you disagree with the triage",
    ),
    ("threshold_decision", {"outcome": None}, "outcome", "Select a threshold decision"),
    ("threshold_decision", {"outcome": "maybe"}, "outcome", "Select a threshold decision"),
    ("threshold_decision", {"rationale": ""}, "rationale", "Enter the reasons for your decision"),
    (
        "threshold_decision",
        {"disagreement_raised": "perhaps"},
        "disagreement_raised",
        "Select yes if an agency disagrees with this decision",
    ),
    ("manager_sign_off", {"signed_off": None}, "signed_off", "Select yes if you sign off this decision"),
    (
        "manager_sign_off",
        {"outcome": None},
        "outcome",
        "Select the threshold decision you are changing it to",
    ),
    (
        "manager_sign_off",
        {"outcome": "later"},
        "outcome",
        "Select the threshold decision you are changing it to",
    ),
    ("manager_sign_off", {"note": ""}, "note", "Enter your reasons"),
    ("resolve_disagreement", {"outcome": None}, "outcome", "Select the final threshold decision"),
    ("resolve_disagreement", {"resolution": ""}, "resolution", "Enter how the disagreement was resolved"),
    ("record_outcome", {"next_step": ""}, "next_step", "Enter the next step or handover"),
    ("record_outcome", {"primary_need": "N99"}, "primary_need", "Select a primary need from the list"),
    (
        "record_outcome",
        {"closure_reason": "RC0"},
        "closure_reason",
        "Select a reason for closure from the list",
    ),
    (
        "police_confirm_plan",
        {"confirmed": None},
        "confirmed",
        "Select yes if your agency agrees to this plan",
    ),
    (
        "police_confirm_plan",
        {"response": " "},
        "response",
        "Explain why your agency does not confirm the plan",
    ),
    ("close_plan", {"closure_summary": ""}, "closure_summary", "Enter a summary of why the plan is closing"),
    ("close_plan", {"closure_reason": ""}, "closure_reason", "Select a reason for closure"),
    (
        "strategy_discussion",
        {"chair": ""},
        "chair",
        "Enter the name of the person who chaired the discussion",
    ),
    ("strategy_discussion", {"held_time": ""}, "held_time", "Enter the time the strategy discussion started"),
    (
        "strategy_discussion",
        {"held_time": "25:10"},
        "held_time",
        "Enter a real time, like 14:30 or 2:30pm",
    ),
    (
        "strategy_discussion",
        {"information_shared": ""},
        "information_shared",
        "Enter the information shared at the discussion",
    ),
    ("strategy_discussion", {"decision": None}, "decision", "Select the decision about section 47 enquiries"),
    (
        "strategy_discussion",
        {"criminal_investigation_plan": ""},
        "criminal_investigation_plan",
        "Say how and when the criminal investigation will be conducted",
    ),
    (
        "strategy_discussion",
        {"immediate_actions": ""},
        "immediate_actions",
        "Enter the immediate actions: who will do what, and by when",
    ),
    (
        "strategy_discussion",
        {"other_children_notes": ""},
        "other_children_notes",
        "Say which other children were considered and what was decided",
    ),
    (
        "strategy_discussion",
        {"legal_action_considered": "yes", "legal_action_notes": ""},
        "legal_action_notes",
        "Say what legal action was considered and what was decided",
    ),
    (
        "strategy_discussion",
        {"icpc_required": None},
        "icpc_required",
        "Select yes if an initial child protection conference is needed",
    ),
    ("protective_plan", {"summary": ""}, "summary", "Enter a summary of the plan"),
    ("protective_plan", {"review_date": None}, "review_date", "Enter the review date"),
]


@pytest.mark.parametrize(("step", "changes", "field", "message"), INVALID)
def test_invalid_input_gives_its_message_on_its_field(app, step, changes, field, message):
    pairs = replace(VALID[step][0], **changes)
    with posted(app, TASK_FORMS[step], pairs) as form:
        assert not form.validate()
        assert form.errors == {field: [message]}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # Not sent at all: API callers and pages opened before the question existed.
        ({"research_needed": None, "research_not_needed_reason": None}, (True, None)),
        (
            {"research_needed": "no", "research_not_needed_reason": " For information only. "},
            (False, "For information only."),
        ),
    ],
    ids=["not-sent-means-yes", "no-with-reason"],
)
def test_triage_research_needed(app, changes, expected):
    pairs = replace(VALID["triage"][0], **changes)
    with posted(app, TASK_FORMS["triage"], pairs) as form:
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert (data["research_needed"], data["research_not_needed_reason"]) == expected


def test_other_children_notes_are_allowed_when_no_other_children_were_considered(app):
    pairs = replace(STRATEGY_VALID, other_children_considered="no", other_children_notes="No other children.")
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["other_children_considered"] is False
    assert data["other_children_notes"] == "No other children."


# --- Strategy discussion ------------------------------------------------------


def strategy_with_attendees(*rows, **changes):
    pairs = [(k, v) for k, v in STRATEGY_VALID if not k.startswith("attendees-")]
    for i, row in enumerate(rows):
        pairs += attendee(i, *row)
    return replace(pairs, **changes)


def test_police_neither_present_nor_explained_is_an_error_on_the_police_reason(app):
    pairs = strategy_with_attendees(
        ("Jo Manager", "childrens_social_care", "Team manager"), ("Lee Nurse", "health", "Named nurse")
    )
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "police_absence_reason": [
                "Police were not at the discussion: record a police attendee or give the reason police were absent"
            ]
        }


def test_a_reason_for_absence_is_accepted_in_place_of_an_attendee(app):
    pairs = strategy_with_attendees(
        ("Jo Manager", "childrens_social_care", "Team manager"),
        police_absence_reason="No officer available; police views given by phone.",
        health_absence_reason="GP surgery closed.",
    )
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.validate(), form.errors
        data = form.to_service_data()
    assert data["police_absence_reason"] == "No officer available; police views given by phone."
    assert data["health_absence_reason"] == "GP surgery closed."
    assert [a["agency_kind"] for a in data["attendees"]] == ["childrens_social_care"]


def test_social_care_and_health_absence_messages(app):
    pairs = strategy_with_attendees(("DS Kay", "police", "Detective sergeant"))
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "social_care_absence_reason": [
                "Social care was not at the discussion: record a social care attendee "
                "or give the reason social care was absent"
            ],
            "health_absence_reason": [
                "Health was not at the discussion: record a health attendee or give the reason health was absent"
            ],
        }


def test_half_filled_attendee_rows_get_specific_messages(app):
    pairs = strategy_with_attendees(
        ("Jo Manager", "childrens_social_care", "Team manager"),
        ("DS Kay", "police", "Detective sergeant"),
        ("Lee Nurse", "health", "Named nurse"),
        ("Ann Other", "", ""),
        ("", "education", "Head teacher"),
    )
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "attendees": [
                {},
                {},
                {},
                {"agency_kind": ["Select the attendee's agency"], "role": ["Enter the attendee's role"]},
                {"name": ["Enter the attendee's name"]},
            ]
        }


def test_no_attendees_at_all(app):
    pairs = strategy_with_attendees(
        social_care_absence_reason="x", police_absence_reason="y", health_absence_reason="z"
    )
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {"attendees": [{"name": ["Add at least one attendee"]}, {}, {}]}


def test_strategy_discussion_in_the_future_is_refused(app):
    pairs = replace(STRATEGY_VALID, held_at=None) + date_parts("held_at", TODAY + timedelta(days=1))
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {"held_at": ["The strategy discussion date must be today or in the past"]}


def test_strategy_discussion_later_today_is_refused_on_the_time(app):
    pairs = replace(STRATEGY_VALID, held_at=None, held_time="12:30") + date_parts("held_at", TODAY)
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {"held_time": ["The strategy discussion time must be now or in the past"]}


def test_strategy_discussion_earlier_today_is_accepted_and_converted_from_gmt(app):
    pairs = replace(STRATEGY_VALID, held_at=None, held_time="9.05") + date_parts("held_at", TODAY)
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.validate(), form.errors
        held_at = form.to_service_data()["held_at"]
    assert held_at == datetime(2026, 3, 10, 9, 5, tzinfo=UTC)
    assert held_at.tzinfo is not None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (["1", "", "2025"], "The strategy discussion date must include a month"),
        (["", "", "2025"], "The strategy discussion date must include a day and month"),
        (["31", "2", "2025"], "The strategy discussion date must be a real date"),
        (["1", "7", "25"], "The strategy discussion date must be a real date"),
        (["", "", ""], "Enter the date of the strategy discussion"),
    ],
)
def test_date_messages(app, parts, message):
    pairs = replace(STRATEGY_VALID, held_at=None) + [("held_at", p) for p in parts]
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {"held_at": [message]}


def test_a_single_iso_date_is_accepted(app):
    pairs = replace(PLAN_VALID, review_date=(TODAY + timedelta(days=1)).isoformat())
    with posted(app, ProtectivePlanForm, pairs) as form:
        assert form.validate(), form.errors
        assert form.to_service_data()["review_date"] == TODAY + timedelta(days=1)


def test_icpc_target_is_fifteen_working_days_after_the_discussion(app):
    with posted(app, StrategyDiscussionForm, STRATEGY_VALID) as form:
        # 1 July 2025 is a Tuesday; 15 working days later (no bank holidays) is Tuesday 22 July.
        assert form.icpc_target() == date(2025, 7, 22)


# --- Protective plan ----------------------------------------------------------


def plan_with_actions(*rows, **changes):
    pairs = [(k, v) for k, v in PLAN_VALID if not k.startswith("actions-")]
    for i, row in enumerate(rows):
        pairs += action(i, *row)
    return replace(pairs, **changes)


def test_action_without_owner_or_due_date(app):
    pairs = plan_with_actions(
        ("Home visit", "childrens_social_care", "", TODAY),
        ("School check", "education", "Head teacher", None),
    )
    with posted(app, ProtectivePlanForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "actions": [
                {"owner": ["Enter who owns this action"]},
                {"due_date": ["Enter the date action 2 is due"]},
                {},
            ]
        }


def test_action_due_in_the_past_and_review_in_the_past(app):
    pairs = plan_with_actions(
        ("Home visit", "childrens_social_care", "Sam Social", TODAY - timedelta(days=1)),
        review_date=None,
    ) + date_parts("review_date", TODAY - timedelta(days=1))
    with posted(app, ProtectivePlanForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "review_date": ["The review date must be today or in the future"],
            "actions": [{"due_date": ["The due date of action 1 must be today or in the future"]}, {}, {}],
        }


def test_action_with_only_a_due_date_needs_the_rest(app):
    pairs = plan_with_actions(("", "", "", TODAY))
    with posted(app, ProtectivePlanForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {
            "actions": [
                {
                    "description": ["Enter what needs to be done"],
                    "owning_agency_kind": ["Select the agency that owns this action"],
                    "owner": ["Enter who owns this action"],
                },
                {},
                {},
            ]
        }


def test_plan_needs_at_least_one_action(app):
    pairs = plan_with_actions(("", "", "", None), ("", "", "", None), ("", "", "", None))
    with posted(app, ProtectivePlanForm, pairs) as form:
        assert not form.validate()
        assert form.errors == {"actions": [{"description": ["Add at least one action"]}, {}, {}]}


# --- Add and remove buttons ---------------------------------------------------


def names(form) -> list[str]:
    return [entry.form["name"].data for entry in form.attendees]


def test_no_list_button_pressed(app):
    with posted(app, StrategyDiscussionForm, STRATEGY_VALID) as form:
        assert form.handle_list_buttons() is False
    with posted(app, TASK_FORMS["triage"], VALID["triage"][0]) as form:
        assert form.handle_list_buttons() is False


def test_add_another_attendee_keeps_what_was_typed(app):
    pairs = strategy_with_attendees(("A", "police", "PC"), ("B", "", ""), ("C", "", ""), add_attendee="1")
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.handle_list_buttons() is True
        assert names(form) == ["A", "B", "C", None]
        assert form.attendees[3].form["name"].id == "attendees-3-name"
        assert form.errors == {}


def test_remove_an_attendee_renumbers_the_rest_and_keeps_three_rows(app):
    pairs = strategy_with_attendees(
        ("A", "police", "PC"), ("B", "health", "Nurse"), ("C", "", ""), remove_attendee="1"
    )
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.handle_list_buttons() is True
        assert names(form) == ["A", "C", None]
        assert form.attendees[1].form["name"].name == "attendees-1-name"
        assert form.attendees[1].form["name"].id == "attendees-1-name"


def test_remove_with_a_broken_index_changes_nothing(app):
    pairs = strategy_with_attendees(("A", "", ""), ("B", "", ""), ("C", "", ""), remove_attendee="x")
    with posted(app, StrategyDiscussionForm, pairs) as form:
        assert form.handle_list_buttons() is True
        assert names(form) == ["A", "B", "C"]


def test_add_and_remove_plan_actions(app):
    with posted(app, ProtectivePlanForm, replace(PLAN_VALID, add_action="1")) as form:
        assert form.handle_list_buttons() is True
        assert len(form.actions) == 4
    with posted(app, ProtectivePlanForm, replace(PLAN_VALID, remove_action="0")) as form:
        assert form.handle_list_buttons() is True
        assert [e.form["description"].data for e in form.actions] == ["", "Check police systems weekly", None]
        assert form.actions[1].form["due_date"].data == TODAY + timedelta(days=7)


def test_rows_have_no_csrf_token_of_their_own(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with app.test_request_context("/tasks/1"):
            form = StrategyDiscussionForm()
            assert "csrf_token" in form._fields
            assert "csrf_token" not in form.attendees[0].form._fields
            assert "csrf_token" not in ProtectivePlanForm().actions[0].form._fields
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- Errors coming back from the service ---------------------------------------


def test_service_errors_land_on_the_fields_they_name(app):
    with posted(app, StrategyDiscussionForm, STRATEGY_VALID) as form:
        assert form.validate()
        unplaced = form.apply_service_errors(
            {"attendees.1.role": "Role problem", "held_at": "Date problem", "_": "Engine problem"}
        )
        assert unplaced == ["Engine problem"]
        # The second attendee filled in; the blank row between was moved to the end.
        assert form.errors == {
            "held_at": ["Date problem"],
            "attendees": [{}, {"role": ["Role problem"]}, {}],
        }
        assert form.attendees[1].form["name"].data == "DS Kay"


def test_once_valid_the_rows_sent_to_the_service_come_first(app):
    with posted(app, StrategyDiscussionForm, STRATEGY_VALID) as form:
        assert form.validate()
        sent = [a["name"] for a in form.to_service_data()["attendees"]]
        assert names(form)[: len(sent)] == sent == ["Jo Manager", "DS Kay", "Lee Nurse"]
        # So the generic dotted-name helper finds the same row as the service meant.
        apply_errors(form, {"attendees.2.role": "Role problem"})
        assert form.attendees[2].form["role"].errors == ["Role problem"]
        assert form.attendees[2].form["name"].data == "Lee Nurse"


# --- Pages -------------------------------------------------------------------

REFERRAL = SimpleNamespace(
    reference="FD-26-TEST42",
    children=[
        SimpleNamespace(full_name="Amy Example", date_of_birth=date(2015, 4, 2)),
        SimpleNamespace(full_name="Ben Example", date_of_birth=date(2019, 8, 30)),
    ],
    notification=SimpleNamespace(incident_type=SimpleNamespace(label="Domestic abuse")),
)
PLAN = SimpleNamespace(
    summary="Amy stays with her grandmother.",
    review_date=date(2026, 4, 7),
    actions=[
        SimpleNamespace(
            description="Daily safe-and-well visit",
            owning_agency_kind=SimpleNamespace(label="Police force", value="police"),
            owner="PC Lane",
            due_date=date(2026, 3, 20),
            status=SimpleNamespace(value="in_progress"),
        )
    ],
)

KEY_TEXT = {
    "triage": [
        "RAG rating",
        "local RAG timescales",
        "Why did you give this rating?",
        "significant harm",
        "Are checks by police, health and social care needed?",
        "Why are checks not needed?",
    ],
    "police_research": ["What did your police checks find?", "Why it was shared", "Lawful basis for sharing"],
    "health_research": ["What did your health checks find?", "Who did you share it with?"],
    "social_care_research": [
        "What did your social care checks find?",
        "Does your agency disagree with the triage?",
    ],
    "threshold_decision": [
        "Recommended outcome: Child protection (s47) strategy discussion",
        "R2: significant harm suspected",
        "MASH manager",
        "Child in need (s17) assessment",
        "Immediate protection",
        "Does an agency disagree with this decision?",
    ],
    "resolve_disagreement": [
        "Recommended outcome: Child protection (s47) strategy discussion",
        "The social worker's decision",
        "Early help",
        "Police think the risk is higher",
        "How was the disagreement resolved?",
    ],
    "manager_sign_off": [
        "The decision to sign off",
        "Family engaging.",
        "Do you sign off this decision?",
        "What should the threshold decision be?",
        "Your reasons",
    ],
    "record_outcome": [
        "Next step or handover",
        "N1 – Abuse or neglect",
        "RC8 – Case closed after assessment",
    ],
    "strategy_discussion": [
        "Date of the strategy discussion",
        "Attendee 3",
        "Add another attendee",
        "15 working days",
        "Joint investigation with police",
        "Why were police not at the discussion?",
        "Local authority children&#39;s social care",
    ],
    "protective_plan": [
        "Summary of the plan",
        "Review date",
        "Action 3",
        "Add another action",
        "Who owns it",
    ],
    "police_confirm_plan": [
        "Does your agency agree to this plan?",
        "Amy stays with her grandmother.",
        "Daily safe-and-well visit",
        "Police force",
        "In progress",
    ],
    "health_confirm_plan": ["Does your agency agree to this plan?", "Daily safe-and-well visit"],
    "close_plan": ["Closure summary", "Reason for closure"],
    "assessment_outcome": ["Factors identified at the end of assessment", "Domestic violence"],
    "police_protection_review": [
        "Police protection lasts at most 72 hours",
        "The long-term plan for the child",
    ],
}
KEY_TEXT |= {
    step: ["What have you done?", "Extend the due time", "New due date"]
    for step in RAISED_BY
    if step.startswith("escalate_")
}


def render_task(step: str, form) -> str:
    task = SimpleNamespace(
        title=f"Title of {step}", due_at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC), lane="Social care"
    )
    return render_template(
        f"tasks/{step}.html",
        form=form,
        referral=REFERRAL,
        task=task,
        plan=PLAN,
        recommendation={"outcome": "s47", "rule": "R2: significant harm suspected -> s47 enquiry"},
        decision={"outcome": "early_help", "rationale": "Family engaging."},
        disagreements=[{"agency": "Police", "reason": "Police think the risk is higher"}],
    )


@pytest.mark.parametrize("step", sorted(TASK_FORMS))
def test_each_task_page_renders_its_header_and_form(app, step):
    with app.test_request_context("/tasks/1"):
        html = render_task(step, TASK_FORMS[step](version=12))
    assert f'<h1 class="govuk-heading-l">Title of {step}</h1>' in html
    assert "FD-26-TEST42" in html
    assert "Due 11 March 2026 at 9am" in html
    assert "Amy Example" in html and "Ben Example" in html
    assert '<input id="version" name="version" type="hidden" value="12">' in html
    assert '<form method="post" novalidate>' in html
    button = "Send response" if TASK_FORMS[step] is ConfirmPlanForm else "Save and continue"
    assert button in html
    for text in KEY_TEXT[step]:
        assert text in html, text


def test_radios_without_a_description_have_no_empty_hint(app):
    with app.test_request_context("/tasks/1"):
        html = render_task("triage", TASK_FORMS["triage"](version=1))
    assert 'id="significant_harm_suspected-hint"' not in html
    assert 'id="rag-hint"' in html


@pytest.mark.parametrize("step", ["strategy_discussion", "protective_plan"])
def test_enter_in_a_text_box_saves_rather_than_adding_or_removing_rows(app, step):
    with app.test_request_context("/tasks/1"):
        html = render_task(step, TASK_FORMS[step](version=1))
    first_button = re.search(r"<button[^>]*type=\"submit\"[^>]*>", html.split("<form", 1)[1]).group(0)
    assert "name=" not in first_button


@pytest.mark.parametrize(
    ("step", "pairs"),
    [
        (
            "strategy_discussion",
            strategy_with_attendees(("Ann Other", "", ""), held_at=None, chair="")
            + [("held_at", "1"), ("held_at", ""), ("held_at", "2025")],
        ),
        (
            "protective_plan",
            plan_with_actions(("Visit", "police", "", None), ("", "", "x", TODAY), review_date=None),
        ),
    ],
)
def test_every_error_summary_link_points_at_a_field_on_the_page(app, step, pairs):
    with posted(app, TASK_FORMS[step], pairs) as form:
        assert not form.validate()
        html = render_task(step, form)
    summary = html.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    hrefs = re.findall(r'href="#([^"]+)"', summary)
    assert len(hrefs) >= 4
    for target in hrefs:
        assert re.search(rf'<(input|textarea|select)[^>]* id="{re.escape(target)}"', html), target
