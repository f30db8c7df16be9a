"""What each generated case is: its route through the process, incident, area and when it came in.

`gap_free_case` draws a case in no gap, by roughly a MASH's mix; `app.sample_data.planting`
draws the cases planted in each gap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime

from app.sample_data.case_templates import Route

# Received between these many days before now (older, newer).
Window = tuple[float, float]


@dataclass(slots=True)
class Plan:
    """One case to generate: its route, what it is about, when, and what is planted in it."""

    route: Route  # the template's route (before the decision, with a neutral class and rating)
    incident: str
    area: str
    window: Window
    seed: int
    slugs: tuple[str, ...] = ()
    flags: dict = field(default_factory=dict)
    received_at: datetime | None = None
    cls: str = "plain"  # the case's own class and rating (the route's, except before the decision)
    rag: str = "green"

    def __post_init__(self) -> None:
        self.cls, self.rag = self.route.cls, self.route.rag
        if self.route.stop in ("triage", "research"):
            # Nothing has read them yet: one template serves every class and rating,
            # and the copies' states are given the case's own values.
            self.route = Route(stop=self.route.stop, research_done=self.route.research_done)


PLAIN_INCIDENTS = {
    "physical_abuse": 14,
    "neglect": 14,
    "emotional_abuse": 8,
    "sexual_abuse": 4,
    "missing": 14,
    "online_abuse": 6,
    "person_posing_risk": 5,
    "other": 4,
}
HARM_INCIDENTS = {
    "physical_abuse": 10,
    "sexual_abuse": 6,
    "neglect": 6,
    "online_abuse": 3,
    "emotional_abuse": 2,
}
CUSTODY_INCIDENTS = {"child_in_custody": 5, "cse": 3, "cce": 3}

# Windows of receipt.
RECENT = (0.75, 0.01)  # received in the last 18 hours: the decision is not yet due
RECENT_DAYS = (4.0, 0.1)
HISTORY = (355.0, 0.0)
ACTIVE = (100.0, 0.0)


def pick_incident(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _class_and_incident(rng: random.Random, harm: bool = False) -> tuple[str, str]:
    roll = rng.random()
    if harm:
        if roll < 0.2:
            return "da_high", "domestic_abuse"
        return "plain", pick_incident(rng, HARM_INCIDENTS)
    if roll < 0.3:
        return rng.choice(["da_standard", "da_standard", "da_medium"]), "domestic_abuse"
    if roll < 0.4:
        return "custody", pick_incident(rng, CUSTODY_INCIDENTS)
    return "plain", pick_incident(rng, PLAIN_INCIDENTS)


def s47_route(rng: random.Random, main: bool = False, **changes) -> tuple[Route, str]:
    """A route the table sends to s47 (significant harm, red, or high-risk domestic abuse), decided as recommended.

    `main`: the commonest triage and a joint investigation, for the rarer shapes (fewer templates).
    """
    variant = 0 if main else rng.choices([0, 1, 2], [5, 3, 2])[0]
    if variant == 2:
        route, incident = Route(cls="da_high", rag="red", decision="s47"), "domestic_abuse"
    else:
        route, incident = (
            Route(rag=("red", "amber")[variant], harm=True, decision="s47"),
            pick_incident(rng, HARM_INCIDENTS),
        )
    sd = (
        "joint_investigation"
        if main
        else rng.choice(["joint_investigation", "joint_investigation", "single_agency_s47"])
    )
    return replace(route, **{"sd": sd, **changes}), incident


def gap_free_case(rng: random.Random) -> tuple[Route, str, Window, dict]:
    """A gap-free case, by weighted shape.

    Roughly a MASH's mix: a third no further action, a quarter child in need, an
    eighth early help, about one in eight reaching a strategy discussion; a few
    received in the last hours and not yet decided.
    """
    kind = rng.choices(
        [
            "triage",
            "research",
            "decision",
            "record",
            "nfa",
            "nfa_quick",
            "nfa_da",
            "nfa_da_absent",
            "early_help",
            "s17",
            "escalated",
            "no_s47",
            "in_force",
            "plan_closed",
            "revised",
            "escalated_s47",
            "pp",
        ],
        [1.2, 1.2, 1.0, 0.6, 24, 7, 7, 0.4, 12, 22, 4, 3, 2.5, 5, 0.8, 0.5, 1],
    )[0]
    if kind in ("triage", "research", "decision"):
        if rng.random() < 0.06:
            cls, incident = "pp", "police_protection"
        else:
            cls, incident = _class_and_incident(rng)
        stop = {"triage": "triage", "research": "research", "decision": "threshold_decision"}[kind]
        rag = (
            "green" if stop == "triage" else rng.choice(["red", "amber", "amber", "green", "green", "green"])
        )
        if stop == "threshold_decision" and cls != "pp":
            rag = rng.choice(["amber", "green"])  # fewer templates: the recommendation is in the state
        done = rng.randrange(3) if stop == "research" else 3
        return Route(cls=cls, rag=rag, stop=stop, research_done=done), incident, RECENT, {}
    if kind == "record":
        route, incident = non_s47_route(rng)
        return replace(route, stop="record_outcome"), incident, RECENT_DAYS, {}
    if kind == "nfa":
        return Route(decision="nfa"), pick_incident(rng, PLAIN_INCIDENTS), HISTORY, {}
    if kind == "nfa_quick":  # triage saw no need for checks
        return Route(decision="nfa", research=False), pick_incident(rng, PLAIN_INCIDENTS), HISTORY, {}
    if kind == "nfa_da":
        return Route(cls="da_standard", decision="nfa"), "domestic_abuse", HISTORY, {}
    if kind == "nfa_da_absent":  # standard DA, no checks, but no child was present: not rule 7
        return (
            Route(cls="da_standard", decision="nfa", research=False),
            "domestic_abuse",
            HISTORY,
            {"none_present": True},
        )
    if kind == "early_help":
        return Route(cls="da_medium", decision="early_help"), "domestic_abuse", HISTORY, {}
    if kind == "s17":
        route, incident = non_s47_route(rng, outcome="s17")
        return route, incident, HISTORY, {}
    if kind == "escalated":
        variant = rng.randrange(3)
        if variant == 0:
            route = Route(rag="amber", decision="early_help", final=rng.choice(["s17", "early_help"]))
        elif variant == 1:
            route = Route(decision="nfa", disagree="police", final="s17")
        else:
            route = Route(cls="da_medium", decision="early_help", disagree="health", final="s17")
        incident = "domestic_abuse" if route.cls == "da_medium" else pick_incident(rng, PLAIN_INCIDENTS)
        return route, incident, HISTORY, {}
    if kind == "no_s47":
        route, incident = s47_route(rng, sd="no_s47")
        return route, incident, HISTORY, {}
    if kind in ("in_force", "plan_closed", "revised", "escalated_s47"):
        route, incident = s47_route(
            rng, main=kind != "plan_closed" and kind != "in_force", rounds=((True, True),)
        )
        if kind == "revised":
            route = replace(route, rounds=(rng.choice([(False, True), (True, False)]), (True, True)))
        if kind == "escalated_s47":  # police disagreed with s17; the manager decided s47
            route = replace(
                route, cls="plain", rag="amber", harm=False, decision="s17", disagree="police", final="s47"
            )
            incident = pick_incident(rng, PLAIN_INCIDENTS)
        if kind == "in_force" or (kind == "revised" and rng.random() < 0.3):
            return replace(route, stop="close_plan"), incident, ACTIVE, {}
        return route, incident, HISTORY, {}
    # police protection, done properly: rescinded, discussion, plan in force
    route = Route(
        cls="pp",
        rag="red",
        harm=True,
        decision="immediate_protection",
        sd="joint_investigation",
        rounds=((True, True),),
    )
    if rng.random() < 0.3:
        return replace(route, stop="close_plan"), "police_protection", ACTIVE, {}
    return route, "police_protection", HISTORY, {}


def non_s47_route(rng: random.Random, outcome: str | None = None) -> tuple[Route, str]:
    """A route whose decision is `outcome` (or nfa, early help or s17) as the table recommends."""
    outcome = outcome or rng.choice(["nfa", "early_help", "s17", "s17"])
    if outcome == "nfa":
        return Route(decision="nfa"), pick_incident(rng, PLAIN_INCIDENTS)
    if outcome == "early_help":
        return Route(cls="da_medium", decision="early_help"), "domestic_abuse"
    roll = rng.random()
    if roll < 0.55:
        return Route(rag="amber", decision="s17"), pick_incident(rng, PLAIN_INCIDENTS)
    if roll < 0.75:
        return Route(
            cls=rng.choice(["da_standard", "da_medium"]), rag="amber", decision="s17"
        ), "domestic_abuse"
    return Route(cls="custody", rag=rng.choice(["green", "amber"]), decision="s17"), pick_incident(
        rng, CUSTODY_INCIDENTS
    )
