"""Fictional front-door data for the managers' audit, with known gaps planted.

`generate(n, seed=1, now=None)` adds `n` clearly fictional referrals spread over
the 12 months before `now`, in two local authority areas (Northshire, the demo
area, and Southvale), and returns, for each gap slug in docs/audit-rules.md, the
exact set of referral ids planted in it. Every other generated case is gap-free
as of `now`. It adds rows and flushes; the caller commits once.

How many are planted, and in which gaps: `app.sample_data.planting`.

How it stays fast
    The workflow engine does not run per referral. Each distinct route
    through the process is driven once through the real services, as a
    template (`app.sample_data.case_templates`). The generated referrals copy
    the template's workflow state, spec version and ready tasks (the incident
    type and referral source in the copied state are replaced by the case's
    own; before the decision, which is the first step to read them, so are
    the class and RAG rating), and get their own notification, children,
    timeline and records (`app.sample_data.cases`), written in batches of
    2,000 referrals straight to the driver (`app.sample_data.bulk_writer`,
    COPY on PostgreSQL). About 70 templates cover every shape.
"""

from __future__ import annotations

import gc
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, select
from sqlalchemy import text as sql

from app.audit.facts import bring_up_to_date, write_new_referrals
from app.domain.clock import utcnow
from app.extensions import db
from app.models import (
    AgencyAbsence,
    AgencyKind,
    Child,
    Notification,
    PlanAction,
    ProtectivePlan,
    ReadyTask,
    Referral,
    StepRecord,
    StrategyAttendee,
    StrategyDiscussion,
    ThresholdDecision,
)
from app.models.referrals import Participation, referral_agencies
from app.sample_data.areas import AREA_WEIGHTS, ensure_areas
from app.sample_data.bulk_writer import BulkWriter
from app.sample_data.case_mix import RECENT, RECENT_DAYS, Plan, gap_free_case
from app.sample_data.case_templates import build_templates
from app.sample_data.cases import Case, build_case
from app.sample_data.people import PeopleRegister
from app.sample_data.planting import GAP_SLUGS, history_for, planted_case, plants_per_gap
from app.sample_data.timeline import london_day, max_span_days, threshold_due

__all__ = ["GAP_SLUGS", "MAX_REFERRALS", "generate", "plants_per_gap"]

BATCH_SIZE = 2_000
# From this many referrals on PostgreSQL, the loaded tables' indexes and foreign keys are made
# once at the end rather than kept row by row (app.sample_data.bulk_writer).
DEFER_UPKEEP_FROM = 50_000
MAX_REFERRALS = 1_000_000


def generate(
    n: int, *, seed: int = 1, now: datetime | None = None, defer_upkeep: bool | None = None
) -> dict[str, set[int]]:
    """Add `n` fictional referrals with known gaps planted; return each gap's planted referral ids.

    Flushes, does not commit. Every referral not in a returned set is gap-free as of `now`.
    `defer_upkeep` (on PostgreSQL; by default from DEFER_UPKEEP_FROM referrals) drops the
    indexes and foreign keys of the tables written and makes them again at the end: the
    tables are locked against other sessions until the commit.
    """
    if n < 1:
        raise ValueError("The number of referrals must be 1 or more.")
    if n > MAX_REFERRALS:
        raise ValueError(f"At most {MAX_REFERRALS:,} referrals can be generated at a time.")
    now = (now or utcnow()).astimezone(UTC)
    # Millions of short-lived dicts and no reference cycles: the cyclic collector
    # would only slow this down (by about a third).
    collecting = gc.isenabled()
    gc.disable()
    try:
        if defer_upkeep is None:
            defer_upkeep = n >= DEFER_UPKEEP_FROM
        with BulkWriter(defer_upkeep) as writer:
            return _generate(n, random.Random(seed), now, writer)
    finally:
        if collecting:
            gc.enable()


def _generate(n: int, rng: random.Random, now: datetime, writer: BulkWriter) -> dict[str, set[int]]:
    areas = ensure_areas()
    new_reference = _References(rng, set(db.session.scalars(select(Referral.reference))))
    plans = plan_cases(n, rng, now)
    templates = build_templates({p.route for p in plans}, areas["Northshire"])
    # Settle now what the staff and templates changed: left to the commit, the new staff would
    # bring every referral they are named on, which is every generated one, to be worked out again.
    bring_up_to_date()
    people = PeopleRegister(now)
    planted: dict[str, set[int]] = {slug: set() for slug in GAP_SLUGS}
    today = london_day(now)
    first_referral_id = None
    for start in range(0, len(plans), BATCH_SIZE):
        cases = [
            build_case(plan, templates[plan.route], areas[plan.area], now, today, new_reference)
            for plan in plans[start : start + BATCH_SIZE]
        ]
        for case in cases:  # in the order of receipt: a family named again is one known already
            people.name_people(case)
        first_in_batch = _write_batch(writer, cases, planted, people)
        first_referral_id = first_referral_id or first_in_batch
    writer.finish()
    db.session.flush()
    # The bulk inserts passed the session by, so the audit facts are worked out
    # here, once for every generated referral, with fresh planner statistics:
    # the tables have just grown from nothing.
    db.session.execute(sql("ANALYZE"))
    write_new_referrals(first_referral_id)
    return planted


def plan_cases(n: int, rng: random.Random, now: datetime) -> list[Plan]:
    """What each of the `n` cases is, and when it was received, in the order of receipt."""

    def area() -> str:
        return rng.choices(list(AREA_WEIGHTS), list(AREA_WEIGHTS.values()))[0]

    plans: list[Plan] = []
    for slug, count in zip(GAP_SLUGS, plants_per_gap(n), strict=True):
        for v in range(count):
            route, incident, window, flags, slugs = planted_case(slug, v, rng)
            where = area()  # a child's earlier cases are in the same area
            plans.append(Plan(route, incident, where, window, rng.randrange(2**32), slugs, flags))
            for route, incident, window, flags in history_for(slug, v, rng):
                plans.append(Plan(route, incident, where, window, rng.randrange(2**32), (), flags))
    while len(plans) < n:
        route, incident, window, flags = gap_free_case(rng)
        plans.append(Plan(route, incident, area(), window, rng.randrange(2**32), (), flags))
    for plan in plans:
        older, newer = plan.window
        if plan.window not in (RECENT, RECENT_DAYS):  # those squeeze their few steps in before now
            newer = max(newer, max_span_days(plan.route, plan.flags))
            older = max(older, newer + 0.5)
        plan.received_at = (now - timedelta(days=rng.uniform(newer, older))).replace(microsecond=0)
        if plan.flags.get("past_due"):  # a few days is not always enough: Easter, Christmas
            while threshold_due(plan.received_at) > now - timedelta(hours=1):
                plan.received_at -= timedelta(days=1)
    plans.sort(key=lambda p: p.received_at)  # ids follow the order of receipt
    return plans


class _References:
    """New referral references, as the services make them, none already taken."""

    ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as the services' references

    def __init__(self, rng: random.Random, taken: set[str]) -> None:
        self.rng = rng
        self.taken = taken

    def __call__(self, received: datetime) -> str:
        while True:
            number = int(self.rng.random() * 32**6)
            reference = f"FD-{received.year % 100:02d}-" + "".join(
                self.ALPHABET[(number >> (5 * i)) & 31] for i in range(6)
            )
            if reference not in self.taken:
                self.taken.add(reference)
                return reference


def _invited_to_discuss(case: Case) -> dict | None:
    """An agency from outside the MASH (the school) at one of the case's strategy discussions takes
    part by invitation, as the service requires: invited to the first discussion it attended."""
    mash = set(case.area.mash_agency_ids)
    for discussion, attendees, _absences in case.discussions:
        for attendee in attendees:
            agency_id = case.area.agency_ids_by_kind.get(AgencyKind(attendee["agency_kind"]))
            if agency_id is not None and agency_id not in mash:
                return {
                    "agency_id": agency_id,
                    "basis": Participation.STRATEGY_DISCUSSION.value,
                    "invited_at": discussion["held_at"],
                    "reason": "The child's school knows the family and was asked to join the discussion.",
                }
    return None


def _write_batch(
    writer: BulkWriter, cases: list[Case], planted: dict[str, set[int]], people: PeopleRegister
) -> int:
    """Give the cases' rows their ids, note the planted ones, and insert them; returns the first referral id."""
    referral_ids = writer.reserve_ids(Referral.__table__, len(cases))
    discussion_ids = iter(
        writer.reserve_ids(StrategyDiscussion.__table__, sum(len(c.discussions) for c in cases))
    )
    plan_ids = iter(writer.reserve_ids(ProtectivePlan.__table__, sum(len(c.plans) for c in cases)))
    rows: defaultdict[Table, list[dict]] = defaultdict(list)
    for case, referral_id in zip(cases, referral_ids, strict=True):
        case.referral["id"] = referral_id
        rows[Referral.__table__].append(case.referral)
        for slug in case.plan.slugs:
            planted[slug].add(referral_id)
        rows[referral_agencies] += [
            {
                "referral_id": referral_id,
                "agency_id": a,
                "basis": Participation.MASH.value,
                "invited_at": None,
                "reason": None,
            }
            for a in case.area.mash_agency_ids
        ]
        for table, items in (
            (Notification.__table__, [case.notification]),
            (Child.__table__, case.children),
            (StepRecord.__table__, case.steps),
            (ReadyTask.__table__, case.ready),
            (ThresholdDecision.__table__, case.decisions),
        ):
            for item in items:
                item["referral_id"] = referral_id
            rows[table] += items
        invited = _invited_to_discuss(case)
        if invited is not None:
            rows[referral_agencies].append({"referral_id": referral_id, **invited})
        for discussion, attendees, absences in case.discussions:
            discussion["id"] = discussion_id = next(discussion_ids)
            discussion["referral_id"] = referral_id
            for row in (*attendees, *absences):
                row["discussion_id"] = discussion_id
            rows[StrategyDiscussion.__table__].append(discussion)
            rows[StrategyAttendee.__table__] += attendees
            rows[AgencyAbsence.__table__] += absences
        for plan_row, actions in case.plans:
            plan_row["id"] = plan_id = next(plan_ids)
            plan_row["referral_id"] = referral_id
            for row in actions:
                row["plan_id"] = plan_id
            rows[ProtectivePlan.__table__].append(plan_row)
            rows[PlanAction.__table__] += actions
    people.write(writer, {id(case): rid for case, rid in zip(cases, referral_ids, strict=True)}, rows)
    writer.insert_all(rows)
    return referral_ids[0]
