"""The cases planted in each gap of docs/audit-rules.md, one function a gap, in that document's order.

How many are planted
    k = max(1, n // 40) cases per gap, so 0.5% to 2.5% of cases per gap and
    at least one in every gap from n = 30 up (twice the number of gaps). Below
    that only the first n // 2 gaps get one case each, so that at least half the
    cases stay gap-free. The earlier cases a planted history needs (gaps 12, 14
    and 15) are gap-free and count among the rest.

Each function gives variant `v` of its gap's case: a route, an incident, a window
of receipt, the flags that plant what the route alone does not, and every gap the
case is in by the rules. Some rules overlap by definition and say so: a
police-protection case planted without a strategy discussion is also in
`s47-no-strategy-discussion`, and one planted with a discussion but no plan in
force is also in `strategy-discussion-no-plan`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from app.models import AgencyKind
from app.sample_data.case_mix import (
    ACTIVE,
    HISTORY,
    PLAIN_INCIDENTS,
    Window,
    non_s47_route,
    pick_incident,
    s47_route,
)
from app.sample_data.case_templates import Route

# A planted case: its route, incident, window, flags, and every gap it is in.
Planted = tuple[Route, str, Window, dict, tuple[str, ...]]


def _s47_no_strategy_discussion(slug: str, v: int, rng: random.Random) -> Planted:
    if v % 2 == 0:
        route, incident = s47_route(rng, main=True, stop="strategy_discussion", sd=None)
    else:  # police disagreed with s17, the manager decided s47, and nobody has met since
        route = Route(rag="amber", decision="s17", disagree="police", final="s47", stop="strategy_discussion")
        incident = pick_incident(rng, PLAIN_INCIDENTS)
    return route, incident, (200, 1), {}, (slug,)


def _strategy_discussion_no_plan(slug: str, v: int, rng: random.Random) -> Planted:
    rounds, stop = [
        ((), "protective_plan"),
        (((None, None),), "police_confirm_plan"),
        (((True, None),), "health_confirm_plan"),
        (((False, True),), "protective_plan"),
    ][v % 4]
    route, incident = s47_route(rng, main=True, rounds=rounds, stop=stop)
    return route, incident, (45, 0), {}, (slug,)


def _strategy_discussion_missing_agency(slug: str, v: int, rng: random.Random) -> Planted:
    route, incident = s47_route(rng, main=True, rounds=((True, True),))
    flags = {
        "missing_agency": [AgencyKind.POLICE, AgencyKind.HEALTH, AgencyKind.CHILDRENS_SOCIAL_CARE][v % 3]
    }
    if v % 2:
        return replace(route, stop="close_plan"), incident, ACTIVE, flags, (slug,)
    return route, incident, HISTORY, flags, (slug,)


def _overdue_actions(slug: str, v: int, rng: random.Random) -> Planted:
    route, incident = s47_route(rng, main=True, rounds=((True, True),), stop="close_plan")
    return route, incident, (100, 25), {"overdue_action": True}, (slug,)


def _late_threshold_decision(slug: str, v: int, rng: random.Random) -> Planted:
    if v % 3 == 2:  # no decision yet, long past its due time
        stop = rng.choice(["triage", "research", "threshold_decision"])
        rag = "green" if stop == "triage" else rng.choice(["amber", "green"])
        route = Route(rag=rag, stop=stop, research_done=rng.randrange(3) if stop == "research" else 3)
        return route, pick_incident(rng, PLAIN_INCIDENTS), (60, 3), {"past_due": True}, (slug,)
    route = Route(rag="amber", decision="s17") if v % 3 == 0 else Route(decision="nfa")
    return route, pick_incident(rng, PLAIN_INCIDENTS), HISTORY, {"late_decision": True}, (slug,)


def _child_not_heard(slug: str, v: int, rng: random.Random) -> Planted:
    route, incident = non_s47_route(rng, outcome=rng.choice(["nfa", "s17"]))
    if route.cls == "custody":
        route, incident = Route(rag="amber", decision="s17"), pick_incident(rng, PLAIN_INCIDENTS)
    return route, incident, HISTORY, {"not_heard": ("spoken_to", "voice", "demeanour")[v % 3]}, (slug,)


def _da_standard_nfa_no_research(slug: str, v: int, rng: random.Random) -> Planted:
    route = Route(cls="da_standard", decision="nfa", research=False)
    return route, "domestic_abuse", HISTORY, {}, (slug,)


def _children_in_custody(slug: str, v: int, rng: random.Random) -> Planted:
    if v % 3 == 0:  # (a) no referral to social care followed: the manager agreed with nfa or early help
        route = Route(cls="custody", decision="nfa", final=rng.choice(["nfa", "early_help"]))
        return route, "child_in_custody", HISTORY, {}, (slug,)
    route = Route(cls="custody", rag=rng.choice(["green", "amber"]), decision="s17")
    if v % 3 == 1:  # (b) the appropriate adult was late, or never came
        return route, "child_in_custody", HISTORY, {"aa": "absent" if v % 6 == 4 else "late"}, (slug,)
    return route, "child_in_custody", HISTORY, {"refusal_not_escalated": True}, (slug,)  # (c)


def _police_protection(slug: str, v: int, rng: random.Random) -> Planted:
    base = Route(cls="pp", rag="red", harm=True, decision="immediate_protection", sd="joint_investigation")
    if v % 3 == 0:  # (a) no time rescinded recorded
        route = replace(base, rounds=((True, True),))
        return route, "police_protection", (300, 5), {"pp_not_rescinded": True}, (slug,)
    if v % 3 == 1:  # (b) no strategy discussion
        route = replace(base, sd=None, stop="strategy_discussion")
        return route, "police_protection", (300, 5), {}, (slug, "s47-no-strategy-discussion")
    route = replace(base, stop="protective_plan")  # (c) no plan in force
    return route, "police_protection", (45, 5), {}, (slug, "strategy-discussion-no-plan")


def _icpc_overdue(slug: str, v: int, rng: random.Random) -> Planted:
    route, incident = s47_route(
        rng,
        main=True,
        sd=rng.choice(["joint_investigation", "single_agency_s47"]),
        rounds=((True, True),),
    )
    if v % 2:
        return replace(route, stop="close_plan"), incident, (100, 40), {"icpc": "overdue"}, (slug,)
    return route, incident, (355, 130), {"icpc": "overdue"}, (slug,)


def _unresolved_escalations(slug: str, v: int, rng: random.Random) -> Planted:
    if v % 2 == 0:
        route = Route(rag="amber", decision=rng.choice(["early_help", "s47"]), stop="resolve_disagreement")
    else:
        route = Route(decision="nfa", disagree=rng.choice(["police", "health"]), stop="resolve_disagreement")
    return route, pick_incident(rng, PLAIN_INCIDENTS), (120, 1), {}, (slug,)


# Gaps 12, 14 and 15 are about a child's history: the planted case comes with the earlier
# cases about the same child (`history_for`), gap-free themselves, all with the same family
# key in their flags, so that `app.sample_data.people` names the same child on each.
MISSING_ROUTE = Route(rag="amber", decision="s17")


def _repeat_missing_no_strategy_discussion(slug: str, v: int, rng: random.Random) -> Planted:
    # The third missing episode in 90 days, decided child in need: no strategy discussion.
    return MISSING_ROUTE, "missing", (30, 26), {"family": f"{slug}-{v}"}, (slug,)


def _return_home_interview_overdue(slug: str, v: int, rng: random.Random) -> Planted:
    route = MISSING_ROUTE if v % 2 else Route(decision="nfa")
    flags = {"interview": "offered" if v % 2 else "not_yet"}
    return route, "missing", (100, 5), flags, (slug,)


def _repeat_no_further_action(slug: str, v: int, rng: random.Random) -> Planted:
    incident = pick_incident(rng, {k: w for k, w in PLAIN_INCIDENTS.items() if k != "missing"})
    return Route(decision="nfa"), incident, (150, 10), {"family": f"{slug}-{v}"}, (slug,)


def _possible_match_unresolved(slug: str, v: int, rng: random.Random) -> Planted:
    route = Route(rag="amber", decision="s17")
    return route, pick_incident(rng, PLAIN_INCIDENTS), (120, 5), {"match_of": f"{slug}-{v}"}, (slug,)


def _notification_delayed(slug: str, v: int, rng: random.Random) -> Planted:
    route = Route(rag="amber", decision="s17") if v % 2 == 0 else Route(decision="nfa")
    incident = pick_incident(rng, {k: w for k, w in PLAIN_INCIDENTS.items() if k != "missing"})
    return route, incident, (90, 5), {"waited_hours": 30 + 11 * (v % 5)}, (slug,)


# The earlier, gap-free cases a planted case's history needs: (route, incident, window, flags).
History = list[tuple[Route, str, Window, dict]]


def history_for(slug: str, v: int, rng: random.Random) -> History:
    family = {"family": f"{slug}-{v}"}
    if slug == "repeat-missing-no-strategy-discussion":  # two earlier episodes, weeks apart
        return [(MISSING_ROUTE, "missing", (70, 66), family), (MISSING_ROUTE, "missing", (50, 46), family)]
    if slug == "repeat-no-further-action":  # closed with no further action months before
        incident = pick_incident(rng, {k: w for k, w in PLAIN_INCIDENTS.items() if k != "missing"})
        return [(Route(decision="nfa"), incident, (330, 250), family)]
    if slug == "possible-match-unresolved":  # the child already known
        return [(Route(rag="amber", decision="s17"), pick_incident(rng, PLAIN_INCIDENTS), (350, 200), family)]
    return []


# The gaps of docs/audit-rules.md, in its order, each with what plants a case in it.
PLANTERS: dict[str, Callable[[str, int, random.Random], Planted]] = {
    "s47-no-strategy-discussion": _s47_no_strategy_discussion,
    "strategy-discussion-no-plan": _strategy_discussion_no_plan,
    "strategy-discussion-missing-agency": _strategy_discussion_missing_agency,
    "overdue-actions": _overdue_actions,
    "late-threshold-decision": _late_threshold_decision,
    "child-not-heard": _child_not_heard,
    "da-standard-nfa-no-research": _da_standard_nfa_no_research,
    "children-in-custody": _children_in_custody,
    "police-protection": _police_protection,
    "icpc-overdue": _icpc_overdue,
    "unresolved-escalations": _unresolved_escalations,
    "repeat-missing-no-strategy-discussion": _repeat_missing_no_strategy_discussion,
    "return-home-interview-overdue": _return_home_interview_overdue,
    "repeat-no-further-action": _repeat_no_further_action,
    "possible-match-unresolved": _possible_match_unresolved,
    "notification-delayed": _notification_delayed,
}
GAP_SLUGS: tuple[str, ...] = tuple(PLANTERS)


def plants_per_gap(n: int) -> list[int]:
    """How many cases are planted in each gap, in GAP_SLUGS order (see the module docstring)."""
    if n >= 2 * len(GAP_SLUGS):
        return [max(1, n // 40)] * len(GAP_SLUGS)
    first = n // 2
    return [1] * first + [0] * (len(GAP_SLUGS) - first)


def planted_case(slug: str, v: int, rng: random.Random) -> Planted:
    """Variant `v` of a case planted in gap `slug`, with every gap it is in by the rules."""
    try:
        plant = PLANTERS[slug]
    except KeyError:
        raise ValueError(f"Unknown gap {slug!r}") from None
    return plant(slug, v, rng)
