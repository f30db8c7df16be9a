"""Every route through workflows/front_door.bpmn and threshold.dmn, on the real engine.

No Flask and no database: these drive app.workflow.engine directly, and by
default save and reload the instance between steps (as the web layer does),
so persistence is exercised on every path.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from app.domain.clock import utcnow
from app.workflow.contract import LANES, OUTCOMES, TIMERS, USER_TASKS
from app.workflow.engine import (
    SERIALIZER_VERSION,
    FrontDoorEngine,
    InvalidData,
    SpecInvalid,
    StepFailed,
    TaskNotReady,
    WorkflowError,
    WrongLane,
    build_script_engine,
)

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

RESEARCH_KEYS = {
    "police_research": "police_disagrees",
    "health_research": "health_disagrees",
    "social_care_research": "social_care_disagrees",
}


@pytest.fixture(scope="module")
def engine() -> FrontDoorEngine:
    return FrontDoorEngine(WORKFLOWS)


def far_due_times() -> dict:
    """Due times for every timer, a year away: these paths are not about lateness."""
    far = (utcnow() + timedelta(days=365)).isoformat()
    return {timer.attached_to: {"at": far} for timer in TIMERS.values()}


class Referral:
    """One referral driven through the engine, saved and reloaded between steps like the web layer does."""

    def __init__(self, engine: FrontDoorEngine, start: dict | None = None, *, round_trip: bool = True):
        self.engine = engine
        self.spec = engine.current
        self.round_trip = round_trip
        self.wf = engine.start(self.spec, start or {})
        self.seen: list[str] = [t.bpmn_id for t in engine.ready_tasks(self.wf)]

    def ready(self) -> dict[str, str]:
        """bpmn_id -> lane of every READY user task."""
        return {t.bpmn_id: t.lane for t in self.engine.ready_tasks(self.wf)}

    def do(self, bpmn_id: str, **data) -> None:
        if any(f.name == "due_times" for f in USER_TASKS[bpmn_id].fields):
            data.setdefault("due_times", far_due_times())
        matches = [t for t in self.engine.ready_tasks(self.wf) if t.bpmn_id == bpmn_id]
        assert matches, f"{bpmn_id} is not ready; ready: {self.ready()}"
        (task,) = matches
        done = self.engine.complete_task(self.wf, task.id, lane=task.lane, data=data)
        assert done.bpmn_id == bpmn_id
        if self.round_trip:
            state = self.engine.dump_state(self.wf)
            self.wf = self.engine.load(self.spec, state)
        self.seen.extend(t.bpmn_id for t in self.engine.ready_tasks(self.wf))

    def research(self, police=False, health=False, social_care=False) -> None:
        assert set(self.ready()) == set(RESEARCH_KEYS)
        self.do("police_research", police_disagrees=police)
        self.do("health_research", health_disagrees=health)
        self.do("social_care_research", social_care_disagrees=social_care)

    def to_decision(self, rag="green", harm=False, **research) -> None:
        self.do("triage", rag=rag, significant_harm_suspected=harm)
        self.research(**research)
        assert set(self.ready()) == {"threshold_decision"}

    @property
    def data(self) -> dict:
        return self.engine.data(self.wf)

    def completed_ids(self) -> set[str]:
        return {
            t.task_spec.bpmn_id
            for t in self.wf.get_tasks(state=TaskState.COMPLETED)
            if getattr(t.task_spec, "bpmn_id", None)
        }


# --------------------------------------------------------------------------- files and validation


def test_current_spec_parses_validates_and_is_versioned(engine):
    version = engine.current
    assert len(version.content_hash) == 64
    int(version.content_hash, 16)
    stored = json.loads(version.serialized)
    assert stored["content_hash"] == version.content_hash
    assert stored["spec"]["name"] == "front_door"
    assert engine.serializer_version == SERIALIZER_VERSION


def test_same_files_give_same_hash(workflows_copy, engine):
    assert FrontDoorEngine(workflows_copy).current.content_hash == engine.current.content_hash


def test_diagram_has_lanes_shapes_and_edges_for_everything():
    """bpmn-js can only draw what has DI; the web layer relies on the lane names."""
    from lxml import etree

    ns = {
        "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
        "di": "http://www.omg.org/spec/DD/20100524/DI",
    }
    root = etree.parse(str(WORKFLOWS / "front_door.bpmn")).getroot()
    (process,) = root.findall("bpmn:process", ns)
    assert process.get("id") == "front_door"
    assert process.get("name") == "Front door: notification to joint protective plan"
    assert [lane.get("name") for lane in process.iterfind("bpmn:laneSet/bpmn:lane", ns)] == list(LANES)
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", ns)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    flows = list(process.iterfind("bpmn:sequenceFlow", ns))
    nodes = [el for el in process if el.get("id") and el not in flows and not el.tag.endswith("laneSet")]
    in_lanes = {ref.text for ref in process.iterfind("bpmn:laneSet/bpmn:lane/bpmn:flowNodeRef", ns)}
    for node in nodes:
        assert node.get("id") in shapes, f"no shape for {node.get('id')}"
        assert node.get("id") in in_lanes, f"{node.get('id')} is in no lane"
    for flow in flows:
        assert len(edges[flow.get("id")].findall("di:waypoint", ns)) >= 2
    for lane in process.iterfind("bpmn:laneSet/bpmn:lane", ns):
        assert lane.get("id") in shapes
    for gateway in process.iterfind("bpmn:exclusiveGateway", ns):
        outgoing = {o.text for o in gateway.findall("bpmn:outgoing", ns)}
        assert gateway.get("default") in outgoing, f"{gateway.get('id')} has no default flow"
    user_tasks = {t.get("id"): t.get("name") for t in process.iterfind("bpmn:userTask", ns)}
    assert set(user_tasks) == set(USER_TASKS)
    assert all(user_tasks.values())


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("filename", "old", "new", "message"),
    [
        pytest.param(
            "front_door.bpmn",
            '<bpmn:userTask id="triage"',
            '<bpmn:bogusTask id="bogus" />\n    <bpmn:userTask id="triage"',
            "invalid",
            id="element-not-in-schema",
        ),
        pytest.param("front_door.bpmn", "</bpmn:process>", "", "XML", id="not-well-formed"),
        pytest.param(
            "front_door.bpmn",
            '<bpmn:exclusiveGateway id="disagreement_check" name="Disagreement?" default="flow_agreed">',
            '<bpmn:exclusiveGateway id="disagreement_check" name="Disagreement?">',
            "default",
            id="unconditional-flow-not-default",
        ),
        pytest.param("front_door.bpmn", 'name="Health">', 'name="NHS">', "lane", id="lane-renamed"),
        pytest.param(
            "threshold.dmn", 'hitPolicy="FIRST">', 'hitPolicy="FIRST"><bogus/>', "invalid", id="dmn-schema"
        ),
    ],
)
def test_broken_files_raise_spec_invalid(workflows_copy, filename, old, new, message):
    _edit(workflows_copy / filename, old, new)
    with pytest.raises(SpecInvalid) as excinfo:
        FrontDoorEngine(workflows_copy)
    assert message.lower() in str(excinfo.value).lower()


def test_gateway_with_only_conditional_flows_needs_a_default(workflows_copy):
    """Valid BPMN, but a referral matching no condition would stop dead at the gateway."""
    path = workflows_copy / "front_door.bpmn"
    _edit(path, 'name="Disagreement?" default="flow_agreed">', 'name="Disagreement?">')
    _edit(
        path,
        'sourceRef="disagreement_check" targetRef="disagreement_merge" />',
        'sourceRef="disagreement_check" targetRef="disagreement_merge">'
        "<bpmn:conditionExpression>not disagreement_raised</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    with pytest.raises(SpecInvalid, match="'disagreement_check' has no default flow"):
        FrontDoorEngine(workflows_copy)


def test_renamed_user_task_breaks_the_contract(workflows_copy):
    path = workflows_copy / "front_door.bpmn"
    # Rename the element and every reference to it, so the XML stays valid and only the contract breaks.
    path.write_text(path.read_text().replace("strategy_discussion", "strategy_meeting"))
    with pytest.raises(SpecInvalid, match="strategy_discussion"):
        FrontDoorEngine(workflows_copy)


def test_missing_dmn_file_raises_spec_invalid(workflows_copy):
    (workflows_copy / "threshold.dmn").unlink()
    with pytest.raises(SpecInvalid, match="threshold_recommendation"):
        FrontDoorEngine(workflows_copy)


def test_missing_folder_or_bpmn_raises_spec_invalid(tmp_path):
    with pytest.raises(SpecInvalid):
        FrontDoorEngine(tmp_path / "nowhere")
    with pytest.raises(SpecInvalid, match="bpmn"):
        FrontDoorEngine(tmp_path)


# --------------------------------------------------------------------------- the threshold table


DMN_CASES = [
    # start data, triage (rag, harm), expected outcome, expected rule prefix
    (
        {"police_protection_used": True, "incident_type": "police_protection"},
        ("green", False),
        "immediate_protection",
        "R1:",
    ),
    ({"police_protection_used": True}, ("red", True), "immediate_protection", "R1:"),  # first hit wins
    ({}, ("green", True), "s47", "R2:"),
    ({}, ("red", False), "s47", "R3:"),
    ({"dash_level": "high", "incident_type": "domestic_abuse"}, ("green", False), "s47", "R4:"),
    ({"infant_injured": True}, ("green", False), "s47", "R5:"),
    ({"suspect_linked_to_other_children": 2}, ("amber", False), "s47", "R6:"),
    ({"household_domestic_abuse_12m": 3, "dash_level": "standard"}, ("green", False), "s47", "R7:"),
    ({"household_domestic_abuse_12m": 2, "dash_level": "standard"}, ("green", False), "nfa", "R17:"),
    ({"missing_episodes_90d": 3, "missing_episodes_ever": 3}, ("green", False), "s47", "R8:"),
    ({"prior_notifications_12m": 4}, ("amber", False), "s47", "R9:"),  # a fifth incident outranks amber
    ({}, ("amber", False), "s17", "R10:"),
    ({"dash_level": "medium"}, ("amber", False), "s17", "R10:"),  # amber outranks DASH medium
    ({"prior_notifications_12m": 3}, ("green", False), "s17", "R11:"),
    ({"missing_episodes_ever": 7, "missing_episodes_90d": 1}, ("green", False), "s17", "R12:"),
    ({"earlier_nfa_12m": 2}, ("green", False), "s17", "R13:"),
    ({"incident_type": "child_in_custody"}, ("green", False), "s17", "R14:"),
    ({"incident_type": "cse"}, ("green", False), "s17", "R14:"),
    ({"incident_type": "cce", "dash_level": "medium"}, ("green", False), "s17", "R14:"),
    ({"dash_level": "medium", "incident_type": "domestic_abuse"}, ("green", False), "early_help", "R15:"),
    ({"prior_notifications_12m": 1}, ("green", False), "early_help", "R16:"),
    ({"prior_notifications_12m": 2, "incident_type": "missing"}, ("green", False), "early_help", "R16:"),
    ({}, ("green", False), "nfa", "R17:"),
    (
        {"dash_level": "standard", "incident_type": "contact", "referral_source": "2A"},
        ("green", False),
        "nfa",
        "R17:",
    ),
]


@pytest.mark.parametrize(
    ("start", "triage", "outcome", "rule"),
    DMN_CASES,
    ids=[f"{case[3].rstrip(':')}-{case[2]}-{n}" for n, case in enumerate(DMN_CASES)],
)
def test_threshold_table(engine, start, triage, outcome, rule):
    referral = Referral(engine, start, round_trip=False)
    referral.to_decision(rag=triage[0], harm=triage[1])
    data = referral.data
    assert data["recommended_outcome"] == outcome
    assert data["recommendation_rule"].startswith(rule)


def test_rule_texts_are_readable(engine):
    referral = Referral(engine, {"police_protection_used": True}, round_trip=False)
    referral.to_decision()
    assert referral.data["recommendation_rule"] == "R1: Police protection used -> immediate protection"
    catch_all = Referral(engine, round_trip=False)
    catch_all.to_decision()
    assert "No other rule matched" in catch_all.data["recommendation_rule"]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("start", "rag", "outcome"),
    [({}, "green", "nfa"), ({"prior_notifications_12m": 1}, "green", "early_help"), ({}, "amber", "s17")],
)
def test_agreed_outcome_below_s47_closes(engine, start, rag, outcome):
    referral = Referral(engine, start)
    referral.to_decision(rag=rag)
    assert referral.data["recommended_outcome"] == outcome
    referral.do("threshold_decision", threshold_outcome=outcome)
    assert referral.ready() == {"record_outcome": "Social care"}
    referral.do("record_outcome")
    if outcome == "s17":  # handed over for a child in need assessment: its outcome ends the referral
        assert referral.ready() == {"assessment_outcome": "Social care"}
        referral.do("assessment_outcome")
    assert engine.is_completed(referral.wf)
    assert engine.ready_tasks(referral.wf) == []
    assert engine.active_step_ids(referral.wf) == []
    end = "assessment_completed" if outcome == "s17" else "closed_without_s47"
    assert end in referral.completed_ids()
    assert "resolve_disagreement" not in referral.seen
    assert "strategy_discussion" not in referral.seen
    assert referral.data["threshold_outcome"] == outcome
    assert referral.data["disagreement_raised"] is False


def test_decision_differs_from_recommendation_goes_to_manager(engine):
    referral = Referral(engine)
    referral.to_decision(rag="amber")  # recommends s17
    referral.do("threshold_decision", threshold_outcome="early_help")
    assert referral.ready() == {"resolve_disagreement": "Manager"}
    assert engine.active_step_ids(referral.wf) == ["resolve_disagreement"]
    referral.do("resolve_disagreement", threshold_outcome="s17")
    assert referral.ready() == {"record_outcome": "Social care"}
    assert referral.data["threshold_outcome"] == "s17"  # the manager's answer wins
    referral.do("record_outcome")
    referral.do("assessment_outcome")
    assert engine.is_completed(referral.wf)


def test_manager_can_escalate_to_s47(engine):
    referral = Referral(engine)
    referral.to_decision(rag="green")  # recommends nfa
    referral.do("threshold_decision", threshold_outcome="s17")
    referral.do("resolve_disagreement", threshold_outcome="s47")
    assert referral.ready() == {"strategy_discussion": "Social care"}


@pytest.mark.parametrize(
    ("research", "raised", "escalates"),
    [
        ({"health": True}, False, True),
        ({"police": True}, False, True),
        ({}, True, True),
        ({"police": True, "health": True}, True, True),
        ({"social_care": True}, False, True),  # its research disagreed with its own triage: a manager looks
        ({}, False, False),
    ],
)
def test_partner_disagreement_escalates(engine, research, raised, escalates):
    referral = Referral(engine)
    referral.to_decision(rag="amber", **research)
    referral.do("threshold_decision", threshold_outcome="s17", disagreement_raised=raised)
    expected = {"resolve_disagreement": "Manager"} if escalates else {"record_outcome": "Social care"}
    assert referral.ready() == expected


@pytest.mark.parametrize("outcome", ["nfa", "early_help"])
def test_no_further_action_needing_sign_off_waits_for_a_manager_then_closes(engine, outcome):
    start = {"prior_notifications_12m": 1} if outcome == "early_help" else {}
    referral = Referral(engine, start)
    referral.to_decision(rag="green")
    referral.do("threshold_decision", threshold_outcome=outcome, manager_sign_off_needed=True)
    assert referral.ready() == {"manager_sign_off": "Manager"}
    assert not engine.is_completed(referral.wf)
    referral.do("manager_sign_off", signed_off=True, threshold_outcome=outcome, manager_sign_off_needed=False)
    assert referral.ready() == {"record_outcome": "Social care"}
    referral.do("record_outcome")
    assert engine.is_completed(referral.wf)
    assert "closed_without_s47" in referral.completed_ids()


@pytest.mark.parametrize(
    ("changed_to", "next_task"),
    [("s47", "strategy_discussion"), ("s17", "record_outcome"), ("early_help", "record_outcome")],
)
def test_a_manager_who_changes_the_decision_sends_it_down_the_new_route(engine, changed_to, next_task):
    referral = Referral(engine)
    referral.to_decision(rag="green")  # recommends nfa
    referral.do("threshold_decision", threshold_outcome="nfa", manager_sign_off_needed=True)
    referral.do(
        "manager_sign_off", signed_off=False, threshold_outcome=changed_to, manager_sign_off_needed=False
    )
    assert referral.ready() == {next_task: "Social care"}
    assert referral.data["threshold_outcome"] == changed_to


@pytest.mark.parametrize("outcome", ["s17", "s47"])
def test_sign_off_is_only_for_closing_or_stepping_down(engine, outcome):
    referral = Referral(engine)
    referral.to_decision(rag="amber" if outcome == "s17" else "red", harm=outcome == "s47")
    referral.do("threshold_decision", threshold_outcome=outcome, manager_sign_off_needed=True)
    assert "manager_sign_off" not in referral.ready()


def test_a_resolved_disagreement_needs_no_second_sign_off(engine):
    referral = Referral(engine)
    referral.to_decision(rag="green", police=True)
    referral.do("threshold_decision", threshold_outcome="nfa", manager_sign_off_needed=True)
    assert referral.ready() == {"resolve_disagreement": "Manager"}
    referral.do("resolve_disagreement", threshold_outcome="nfa", manager_sign_off_needed=False)
    assert referral.ready() == {"record_outcome": "Social care"}


def test_s47_strategy_discussion_decides_no_s47(engine):
    referral = Referral(engine)
    referral.to_decision(rag="red")
    referral.do("threshold_decision", threshold_outcome="s47")
    assert referral.ready() == {"strategy_discussion": "Social care"}
    referral.do("strategy_discussion", strategy_decision="no_s47")
    assert referral.ready() == {"record_outcome": "Social care"}
    referral.do("record_outcome")
    assert engine.is_completed(referral.wf)
    assert "closed_without_s47" in referral.completed_ids()
    assert "protective_plan" not in referral.seen


@pytest.mark.parametrize("decision", ["joint_investigation", "single_agency_s47"])
def test_s47_protective_plan_confirmed_and_closed(engine, decision):
    referral = Referral(engine)
    referral.to_decision(rag="red")
    referral.do("threshold_decision", threshold_outcome="s47")
    referral.do("strategy_discussion", strategy_decision=decision)
    # The s47 enquiry's assessment clock runs beside the plan.
    assert referral.ready() == {"protective_plan": "Social care", "assessment_outcome": "Social care"}
    referral.do("protective_plan")
    assert referral.ready() == {
        "police_confirm_plan": "Police",
        "health_confirm_plan": "Health",
        "assessment_outcome": "Social care",
    }
    referral.do("police_confirm_plan", police_confirmed=True)
    referral.do("health_confirm_plan", health_confirmed=True)
    assert referral.ready() == {"close_plan": "Social care", "assessment_outcome": "Social care"}
    referral.do("close_plan")
    assert not engine.is_completed(referral.wf)
    referral.do("assessment_outcome")
    assert engine.is_completed(referral.wf)
    assert {"plan_closed", "assessment_completed"} <= referral.completed_ids()
    assert "closed_without_s47" not in referral.completed_ids()
    assert referral.data["strategy_decision"] == decision


@pytest.mark.parametrize(("police", "health"), [(False, True), (True, False), (False, False)])
def test_declined_plan_goes_back_for_revision(engine, police, health):
    referral = Referral(engine)
    referral.to_decision(rag="red")
    referral.do("threshold_decision", threshold_outcome="s47")
    referral.do("strategy_discussion", strategy_decision="joint_investigation")
    referral.do("protective_plan")
    referral.do("assessment_outcome")
    referral.do("police_confirm_plan", police_confirmed=police)
    referral.do("health_confirm_plan", health_confirmed=health)
    assert referral.ready() == {"protective_plan": "Social care"}
    assert not engine.is_completed(referral.wf)
    # Second round: both agencies must confirm again; the first round's answers do not carry over.
    referral.do("protective_plan")
    assert referral.ready() == {"police_confirm_plan": "Police", "health_confirm_plan": "Health"}
    referral.do("police_confirm_plan", police_confirmed=True)
    referral.do("health_confirm_plan", health_confirmed=True)
    referral.do("close_plan")
    assert engine.is_completed(referral.wf)
    assert referral.seen.count("protective_plan") == 2


def test_immediate_protection_goes_to_strategy_discussion(engine):
    referral = Referral(engine, {"police_protection_used": True, "incident_type": "police_protection"})
    referral.to_decision(rag="red")
    assert referral.data["recommended_outcome"] == "immediate_protection"
    referral.do("threshold_decision", threshold_outcome="immediate_protection")
    assert referral.ready() == {"strategy_discussion": "Social care"}


def test_research_tasks_are_ready_together_in_their_lanes(engine):
    referral = Referral(engine, {"incident_type": "domestic_abuse"})
    assert referral.ready() == {"triage": "Social care"}
    assert engine.active_step_ids(referral.wf) == ["triage"]
    referral.do("triage", rag="amber", significant_harm_suspected=False)
    assert referral.ready() == {
        "police_research": "Police",
        "social_care_research": "Social care",
        "health_research": "Health",
    }
    titles = {t.bpmn_id: t.title for t in engine.ready_tasks(referral.wf)}
    assert titles["police_research"] == "Police research"
    referral.do("health_research", health_disagrees=False)
    assert set(referral.ready()) == {"police_research", "social_care_research"}
    # The join waiting for the other branches is not highlighted as work.
    assert set(engine.active_step_ids(referral.wf)) == {"police_research", "social_care_research"}


def _never_ready(referral: Referral, bpmn_ids) -> None:
    """None of these steps was ever READY, and none has a live or finished task in the tree."""
    assert not set(bpmn_ids) & set(referral.seen)
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.COMPLETED
    in_tree = {getattr(t.task_spec, "bpmn_id", None) for t in referral.wf.get_tasks(state=live)}
    assert not set(bpmn_ids) & in_tree


def test_triage_can_decide_no_research_is_needed(engine):
    """Information only: green, DASH standard, no history -> straight to the recommendation (R10, nfa)."""
    referral = Referral(engine, {"incident_type": "domestic_abuse", "dash_level": "standard"})
    referral.do("triage", rag="green", significant_harm_suspected=False, research_needed=False)
    assert referral.ready() == {"threshold_decision": "Social care"}
    assert engine.active_step_ids(referral.wf) == ["threshold_decision"]
    data = referral.data
    assert data["research_needed"] is False
    assert data["recommended_outcome"] == "nfa"
    assert data["recommendation_rule"].startswith("R17:")
    # No partner was asked, so none disagrees: the disagreement gateway can read these.
    assert {data[key] for key in RESEARCH_KEYS.values()} == {False}
    referral.do("threshold_decision", threshold_outcome="nfa")
    assert referral.ready() == {"record_outcome": "Social care"}
    referral.do("record_outcome")
    assert engine.is_completed(referral.wf)
    assert {"no_research", "threshold_recommendation", "closed_without_s47"} <= referral.completed_ids()
    _never_ready(referral, RESEARCH_KEYS)
    assert "resolve_disagreement" not in referral.seen


def test_without_research_a_different_decision_still_goes_to_a_manager(engine):
    referral = Referral(engine)
    # Amber recommends s17.
    referral.do("triage", rag="amber", significant_harm_suspected=False, research_needed=False)
    referral.do("threshold_decision", threshold_outcome="nfa")
    assert referral.ready() == {"resolve_disagreement": "Manager"}
    _never_ready(referral, RESEARCH_KEYS)


def test_without_research_significant_harm_still_reaches_strategy_discussion(engine):
    referral = Referral(engine)
    referral.do("triage", rag="red", significant_harm_suspected=True, research_needed=False)
    assert referral.data["recommended_outcome"] == "s47"
    referral.do("threshold_decision", threshold_outcome="s47")
    assert referral.ready() == {"strategy_discussion": "Social care"}


@pytest.mark.parametrize("answer", [{"research_needed": True}, {}], ids=["yes", "not-given"])
def test_research_needed_or_not_given_runs_the_research(engine, answer):
    referral = Referral(engine)
    referral.do("triage", rag="green", significant_harm_suspected=False, **answer)
    assert set(referral.ready()) == set(RESEARCH_KEYS)
    assert referral.data["research_needed"] is True
    referral.research()
    assert referral.ready() == {"threshold_decision": "Social care"}
    assert "no_research" not in referral.completed_ids()


@pytest.mark.parametrize("bad", ["no", 0, None, "False"])
def test_research_needed_must_be_a_bool(engine, bad):
    referral = Referral(engine, round_trip=False)
    (triage,) = engine.ready_tasks(referral.wf)
    data = {
        "rag": "green",
        "significant_harm_suspected": False,
        "research_needed": bad,
        "due_times": far_due_times(),
    }
    if bad is None:  # None counts as not given: the default (research) applies
        engine.complete_task(referral.wf, triage.id, data=data)
        assert set(referral.ready()) == set(RESEARCH_KEYS)
        return
    with pytest.raises(InvalidData, match="research_needed"):
        engine.complete_task(referral.wf, triage.id, data=data)


# --------------------------------------------------------------------------- refusals


def test_complete_task_refusals_leave_workflow_unchanged(engine):
    referral = Referral(engine, round_trip=False)
    wf = referral.wf
    (triage,) = engine.ready_tasks(wf)
    before = engine.dump_state(wf)

    with pytest.raises(TaskNotReady):
        engine.complete_task(wf, str(uuid.uuid4()), data={})
    with pytest.raises(TaskNotReady):
        engine.complete_task(wf, "not-a-uuid", data={})
    with pytest.raises(TaskNotReady):  # the root task exists but is not a person's task
        engine.complete_task(wf, str(wf.task_tree.id), data={})
    with pytest.raises(WrongLane, match="Social care"):
        engine.complete_task(
            wf, triage.id, lane="Police", data={"rag": "red", "significant_harm_suspected": True}
        )
    for bad in (
        {},
        {"rag": "purple", "significant_harm_suspected": False},
        {"rag": "red", "significant_harm_suspected": "yes"},
        {"rag": "red", "significant_harm_suspected": False, "recommended_outcome": "nfa"},
        {"rag": "red", "significant_harm_suspected": False, "threshold_outcome": "s47"},
        {"rag": "red", "significant_harm_suspected": False, "all_true": 1},
        {"rag": "red", "significant_harm_suspected": False, "__builtins__": {}},
        {"rag": "red", "significant_harm_suspected": False, "note": object()},
    ):
        with pytest.raises(InvalidData):
            engine.complete_task(wf, triage.id, lane="Social care", data=bad)
    assert engine.dump_state(wf) == before

    engine.complete_task(
        wf,
        triage.id,
        lane="Social care",
        data={"rag": "red", "significant_harm_suspected": True, "note": "seen", "due_times": far_due_times()},
    )
    after = engine.dump_state(wf)
    with pytest.raises(TaskNotReady, match="not waiting"):
        engine.complete_task(wf, triage.id, data={"rag": "green", "significant_harm_suspected": False})
    assert engine.dump_state(wf) == after
    assert engine.data(wf)["rag"] == "red"
    assert engine.data(wf)["note"] == "seen"


def test_start_data_is_checked_and_defaulted(engine):
    with pytest.raises(InvalidData):
        engine.start(engine.current, {"prior_notifications_12m": "three"})
    with pytest.raises(InvalidData):
        engine.start(engine.current, {"dash_level": "extreme"})
    with pytest.raises(InvalidData):
        engine.start(engine.current, {"police_protection_used": 1})
    data = engine.data(engine.start(engine.current, {"referral_source": "6"}))
    assert data["police_protection_used"] is False
    assert data["prior_notifications_12m"] == 0
    assert data["dash_level"] is None
    assert data["referral_source"] == "6"


def test_errors_share_a_base_class():
    for cls in (TaskNotReady, WrongLane, SpecInvalid, InvalidData, StepFailed):
        assert issubclass(cls, WorkflowError)


# --------------------------------------------------------------------------- persistence and versions


def test_round_trip_mid_process_and_state_excludes_spec(engine):
    referral = Referral(engine, round_trip=False)
    referral.do("triage", rag="amber", significant_harm_suspected=False)
    referral.do("police_research", police_disagrees=True)
    state = engine.dump_state(referral.wf)
    stored = json.loads(state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert '"task_specs"' not in state
    assert len(state) < len(engine.current.serialized)

    restored = engine.load(engine.current, state)
    assert restored.script_engine is engine.script_engine
    assert {t.bpmn_id for t in engine.ready_tasks(restored)} == {"health_research", "social_care_research"}
    assert engine.dump_state(restored) == state
    for task in engine.ready_tasks(restored):
        engine.complete_task(restored, task.id, data={RESEARCH_KEYS[task.bpmn_id]: False})
    # police_disagrees from before the save reaches the gateway after the join.
    (decision,) = engine.ready_tasks(restored)
    engine.complete_task(
        restored, decision.id, data={"threshold_outcome": "s17", "due_times": far_due_times()}
    )
    assert {t.bpmn_id for t in engine.ready_tasks(restored)} == {"resolve_disagreement"}


def test_unreadable_state_raises_workflow_error(engine):
    with pytest.raises(WorkflowError):
        engine.load(engine.current, "{not json")
    with pytest.raises(WorkflowError):
        engine.load(engine.current, json.dumps({"tasks": {}}))


def test_older_spiff_state_takes_migration_path(engine):
    referral = Referral(engine, round_trip=False)
    state = json.loads(engine.dump_state(referral.wf))
    state["serializer_version"] = "1.4"
    restored = engine.load(engine.current, json.dumps(state))
    assert restored.script_engine is engine.script_engine
    assert [t.bpmn_id for t in engine.ready_tasks(restored)] == ["triage"]


def test_load_spec_is_cached_and_checked(engine):
    first = engine.load_spec(engine.current.serialized)
    assert engine.load_spec(engine.current.serialized, engine.current.content_hash) is first
    with pytest.raises(SpecInvalid):
        engine.load_spec(engine.current.serialized, "0" * 64)
    with pytest.raises(SpecInvalid):
        engine.load_spec("[]")


class CountingSpec:
    """A stored version that counts reads of its serialized spec (a lazily loaded column in the app)."""

    def __init__(self, version):
        self.content_hash = version.content_hash
        self._serialized = version.serialized
        self.reads = 0

    @property
    def serialized(self) -> str:
        self.reads += 1
        return self._serialized


def test_a_cached_version_is_not_read_again(engine, workflows_copy):
    state = engine.dump_state(Referral(engine, round_trip=False).wf)
    stored = CountingSpec(engine.current)
    for _ in range(3):
        engine.load(stored, state)
    assert stored.reads == 0  # parsed when the engine started, cached by content hash
    # Another process (a new engine) that has never seen the version reads it once.
    _edit(workflows_copy / "threshold.dmn", '"R10:', '"R10 (edited):')
    other = FrontDoorEngine(workflows_copy)
    for _ in range(3):
        workflow = other.load(stored, state)
    assert stored.reads == 1
    assert workflow.spec is other.spec_objects(stored)[0]


def test_running_referrals_leave_the_shared_spec_unchanged():
    """Every workflow on a version shares one set of spec objects, so running must never change them."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    engine = FrontDoorEngine(WORKFLOWS)
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    spec, subprocess_specs = engine.spec_objects(engine.current)

    def as_stored() -> dict:
        return json.loads(
            json.dumps(
                {
                    "spec": registry.convert(spec),
                    "subprocess_specs": {k: registry.convert(v) for k, v in subprocess_specs.items()},
                },
                sort_keys=True,
            )
        )

    stored = json.loads(engine.current.serialized)
    assert as_stored() == {"spec": stored["spec"], "subprocess_specs": stored["subprocess_specs"]}
    # Every kind of route: research skipped, escalation, the plan declined and revised.
    skipped = Referral(engine, {"dash_level": "standard"})
    skipped.do("triage", rag="green", significant_harm_suspected=False, research_needed=False)
    skipped.do("threshold_decision", threshold_outcome="s17")
    skipped.do("resolve_disagreement", threshold_outcome="nfa")
    skipped.do("record_outcome")
    plan = Referral(
        engine,
        {"police_protection_used": True, "police_protection_in_force": True, "due_times": far_due_times()},
    )
    plan.to_decision(rag="red", police=True)
    plan.do("threshold_decision", threshold_outcome="immediate_protection")
    plan.do("resolve_disagreement", threshold_outcome="s47")
    plan.do("strategy_discussion", strategy_decision="joint_investigation")
    for police in (False, True):
        plan.do("protective_plan")
        plan.do("police_confirm_plan", police_confirmed=police)
        plan.do("health_confirm_plan", health_confirmed=True)
    plan.do("close_plan")
    plan.do("assessment_outcome")
    assert engine.end_wait(plan.wf, "police_protection_in_force")
    assert engine.is_completed(skipped.wf) and engine.is_completed(plan.wf)
    assert skipped.wf.spec is spec and plan.wf.spec is spec
    assert as_stored() == {"spec": stored["spec"], "subprocess_specs": stored["subprocess_specs"]}


def test_new_version_leaves_running_referrals_on_the_old_rules(engine, workflows_copy):
    old = engine.current
    # Partnership edit: amber now recommends early help.
    _edit(
        workflows_copy / "threshold.dmn",
        '<outputEntry id="r10_out1"><text>"s17"</text></outputEntry>',
        '<outputEntry id="r10_out1"><text>"early_help"</text></outputEntry>',
    )
    new_engine = FrontDoorEngine(workflows_copy)
    new = new_engine.current
    assert new.content_hash != old.content_hash

    running = Referral(engine, round_trip=False)  # started before the edit
    running.do("triage", rag="amber", significant_harm_suspected=False)
    state = engine.dump_state(running.wf)

    # After a deploy, a fresh engine process only has the stored old version to go on.
    resumed = Referral.__new__(Referral)
    resumed.engine, resumed.spec, resumed.round_trip, resumed.seen = new_engine, old, True, []
    resumed.wf = new_engine.load(old, state)
    resumed.research()
    assert resumed.data["recommended_outcome"] == "s17"

    fresh = Referral(new_engine)
    assert fresh.spec == new
    fresh.to_decision(rag="amber")
    assert fresh.data["recommended_outcome"] == "early_help"


# --------------------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    "expression",
    [
        "open('/etc/passwd')",
        "__import__('os')",
        "eval('1')",
        "exec('x = 1')",
        "getattr(1, 'real')",
        "globals()",
    ],
)
def test_expressions_cannot_reach_dangerous_builtins(expression):
    environment = build_script_engine().environment
    with pytest.raises(NameError):
        environment.evaluate(expression, {"rag": "red"})


def test_scripts_cannot_import_and_helpers_work():
    environment = build_script_engine().environment
    with pytest.raises(ImportError):
        environment.execute("import os", {})
    context = {"a": True, "b": None}
    environment.execute("both = all_true(a, b)\nn = count_true(a, b, True)", context)
    assert context == {"a": True, "b": None, "both": False, "n": 2}
    assert environment.evaluate("one_of(rag, ['red', 'amber'])", {"rag": "red"}) is True
    # Task data cannot smuggle in its own builtins.
    with pytest.raises(NameError):
        environment.evaluate("open('x')", {"__builtins__": {"open": open}})


def test_a_condition_calling_open_fails_the_step(engine, workflows_copy):
    _edit(
        workflows_copy / "front_door.bpmn",
        "threshold_outcome != recommended_outcome or",
        'open("/etc/passwd") is None or threshold_outcome != recommended_outcome or',
    )
    tampered = FrontDoorEngine(workflows_copy)
    referral = Referral(tampered, round_trip=False)
    referral.to_decision(rag="amber")
    (decision,) = tampered.ready_tasks(referral.wf)
    with pytest.raises(StepFailed, match="open"):
        tampered.complete_task(
            referral.wf, decision.id, data={"threshold_outcome": "s17", "due_times": far_due_times()}
        )


def test_every_outcome_value_routes_somewhere(engine):
    """Guard the gateways against an outcome value the conditions forget."""
    after_decision = {outcome: "record_outcome" for outcome in ("nfa", "early_help", "s17")}
    after_decision |= {"s47": "strategy_discussion", "immediate_protection": "strategy_discussion"}
    assert set(after_decision) == set(OUTCOMES)
    for outcome, route in after_decision.items():
        referral = Referral(engine, round_trip=False)
        referral.to_decision(rag="amber")  # recommends s17
        referral.do("threshold_decision", threshold_outcome=outcome)
        if outcome != "s17":
            assert set(referral.ready()) == {"resolve_disagreement"}
            referral.do("resolve_disagreement", threshold_outcome=outcome)
        assert set(referral.ready()) == {route}, outcome


@pytest.mark.parametrize("who", ["police", "health", "social_care"])
def test_any_agency_whose_research_disagrees_reaches_a_manager(engine, who):
    """Social care's own disagreement escalates too, as its form tells the user it will."""
    referral = Referral(engine)
    referral.to_decision(rag="amber", **{who: True})
    referral.do("threshold_decision", threshold_outcome=referral.data["recommended_outcome"])
    assert "resolve_disagreement" in referral.ready()
