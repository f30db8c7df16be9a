"""The gaps managers audit: one set-based query per gap, as defined in docs/audit-rules.md.

Each gap turns an `AuditScope` into `GapRow`s: one row per thing found (a
case, a strategy discussion, an overdue action...). Counts are of cases
(distinct referrals). Nothing is cached: a case leaves a list as soon as what
the rule looks for is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import Float

from app.audit.scope import AuditScope
from app.domain.clock import LONDON, start_of_london_day
from app.domain.working_days import ICPC_WORKING_DAYS, add_working_days, is_working_day, working_days_between
from app.extensions import db
from app.models import (
    ActionStatus,
    Agency,
    AgencyAbsence,
    Child,
    IncidentType,
    Notification,
    PlanAction,
    PlanStatus,
    ProtectivePlan,
    Referral,
    ReferralStatus,
    StepRecord,
    StrategyAttendee,
    StrategyDiscussion,
    ThresholdDecision,
    User,
)
from app.models.people import AgencyKind
from app.models.referrals import referral_agencies
from app.workflow.contract import S47_DECISIONS, S47_OUTCOMES

NOT_REFERRED_OUTCOMES = ("nfa", "early_help")
RESEARCH_STEPS = ("police_research", "health_research", "social_care_research")
POLICE_PROTECTION_HOURS = 72

# Who owns the next step, for the breakdown by agency.
SOCIAL_CARE, POLICE, HEALTH, MANAGER, OTHER = "social_care", "police", "health", "manager", "other"
OWNER_LABELS = {
    SOCIAL_CARE: "Social care",
    POLICE: "Police",
    HEALTH: "Health",
    MANAGER: "Manager",
    OTHER: "Other",
}
KIND_OWNER = {
    AgencyKind.CHILDRENS_SOCIAL_CARE: SOCIAL_CARE,
    AgencyKind.POLICE: POLICE,
    AgencyKind.HEALTH: HEALTH,
}


class hours_between(ColumnElement):
    """Hours from `start` to `end` (float), in each database's own date arithmetic."""

    inherit_cache = True
    type = Float()

    def __init__(self, end, start):
        self.end = end
        self.start = start


@compiles(hours_between, "sqlite")
def _hours_sqlite(element, compiler, **kw):
    return f"((julianday({compiler.process(element.end, **kw)}) - julianday({compiler.process(element.start, **kw)})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_postgresql(element, compiler, **kw):
    return f"(EXTRACT(EPOCH FROM ({compiler.process(element.end, **kw)} - {compiler.process(element.start, **kw)})) / 3600.0)"


@dataclass
class GapRow:
    referral_id: int
    reference: str
    received_at: datetime
    area: str | None
    owners: tuple[str, ...]
    detail: str
    how_long: str = ""
    sort_key: float = 0
    children: list[str] = field(default_factory=list)

    @property
    def owner_labels(self) -> str:
        return ", ".join(OWNER_LABELS[o] for o in self.owners)


@dataclass(frozen=True)
class Gap:
    number: int
    slug: str
    title: str
    counts: str  # what the list counts, shown on the page
    # query(scope, brief=False): brief rows carry owners but no detail, for counting.
    query: Callable[..., list[GapRow]]
    how_long_heading: str = "How long"
    detail_heading: str = "What is missing"


# ---------------------------------------------------------------- helpers


def london_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def working_days(count: int) -> str:
    return f"{count} working day" + ("" if count == 1 else "s")


def next_working_day_after(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def latest_overdue_due_date(today: date) -> date:
    """The latest due date that is overdue today: its next working day is today or earlier."""
    day = today - timedelta(days=1)
    while next_working_day_after(day) > today:
        day -= timedelta(days=1)
    return day


def latest_date_past_target(today: date, working_days_allowed: int) -> date:
    """The latest start date whose target (start + n working days) is before today."""
    day = today - timedelta(days=1)
    while add_working_days(day, working_days_allowed) >= today:
        day -= timedelta(days=1)
    return day


def _base(scope: AuditScope, *columns):
    """Referral columns, then `columns`, for the referrals in scope.

    The agency's cases are joined rather than matched with IN: the planner can
    then read the referrals from the covering index ix_referrals_audit and
    check each one's agency by primary key, without touching the wide rows.
    """
    query = select(
        Referral.id, Referral.reference, Referral.received_at, Referral.local_authority_area, *columns
    ).where(*scope.conditions(include_agency=False))
    if scope.agency_id is not None:
        query = query.join(
            referral_agencies,
            and_(
                referral_agencies.c.referral_id == Referral.id,
                referral_agencies.c.agency_id == scope.agency_id,
            ),
        )
    return query


def _row(result, owners: Iterable[str], detail: str = "", how_long: str = "", sort_key: float = 0) -> GapRow:
    return GapRow(
        referral_id=result[0],
        reference=result[1],
        received_at=result[2],
        area=result[3],
        owners=tuple(owners),
        detail=detail,
        how_long=how_long,
        sort_key=sort_key,
    )


def _has_strategy_discussion():
    return exists().where(StrategyDiscussion.referral_id == Referral.id)


def _has_plan_in_force():
    return exists().where(ProtectivePlan.referral_id == Referral.id, ProtectivePlan.in_force_at.is_not(None))


# ---------------------------------------------------------------- the gaps


def s47_no_strategy_discussion(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    decided = func.coalesce(ThresholdDecision.resolved_at, ThresholdDecision.decided_at)
    query = (
        _base(scope, decided, Referral.outcome)
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(
            Referral.outcome.in_(S47_OUTCOMES),
            or_(ThresholdDecision.escalated.is_(False), ThresholdDecision.resolved_at.is_not(None)),
            not_(_has_strategy_discussion()),
        )
    )
    rows = []
    for r in db.session.execute(query):
        if brief:
            rows.append(_row(r, [SOCIAL_CARE]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        label = "Immediate protection" if r[5] == "immediate_protection" else "s47 enquiry"
        rows.append(
            _row(
                r,
                [SOCIAL_CARE],
                f"{label} decided {london_date(r[4]):%-d %b %Y}; no strategy discussion",
                working_days(days),
                days,
            )
        )
    return rows


def strategy_discussion_no_plan(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        _base(scope, StrategyDiscussion.held_at)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(StrategyDiscussion.decision != "no_s47", not_(_has_plan_in_force()))
    )
    found = db.session.execute(query).all()
    # The latest plan of each case, to say who holds it up (one query for all of them).
    plans: dict[int, tuple[bool | None, bool | None]] = {}
    ids = [r[0] for r in found]
    for chunk in _chunks(ids):
        for referral_id, police, health in db.session.execute(
            select(
                ProtectivePlan.referral_id, ProtectivePlan.police_confirmed, ProtectivePlan.health_confirmed
            )
            .where(ProtectivePlan.referral_id.in_(chunk))
            .order_by(ProtectivePlan.id)
        ):
            plans[referral_id] = (police, health)
    rows = []
    for r in found:
        plan = plans.get(r[0])
        if plan is None:
            owners, detail = [SOCIAL_CARE], "No joint protective plan recorded"
        elif False in plan:
            owners, detail = [SOCIAL_CARE], "Plan declined by a partner: awaiting revision"
        else:
            owners = [o for o, ok in zip((POLICE, HEALTH), plan, strict=True) if not ok]
            detail = "Plan awaiting confirmation by " + " and ".join(OWNER_LABELS[o].lower() for o in owners)
        if brief:
            rows.append(_row(r, owners or [SOCIAL_CARE]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        rows.append(_row(r, owners or [SOCIAL_CARE], detail, working_days(days), days))
    return rows


def strategy_discussion_missing_agency(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    kinds = (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.POLICE, AgencyKind.HEALTH)
    # Which agencies attended each discussion, worked out once for all discussions.
    attended = (
        select(
            StrategyAttendee.discussion_id,
            *(
                func.max(case((StrategyAttendee.agency_kind == k, 1), else_=0)).label(f"k{i}")
                for i, k in enumerate(kinds)
            ),
        )
        .group_by(StrategyAttendee.discussion_id)
        .subquery()
    )
    flags = [func.coalesce(attended.c[f"k{i}"], 0) for i in range(len(kinds))]
    query = (
        _base(scope, StrategyDiscussion.id, StrategyDiscussion.held_at, *flags)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .outerjoin(attended, attended.c.discussion_id == StrategyDiscussion.id)
        .where(or_(*(flag == 0 for flag in flags)))
    )
    found = db.session.execute(query).all()
    reasons: dict[tuple[int, AgencyKind], str] = {}
    for chunk in [] if brief else _chunks([r[4] for r in found]):
        for absence in db.session.scalars(
            select(AgencyAbsence).where(AgencyAbsence.discussion_id.in_(chunk))
        ):
            reasons[(absence.discussion_id, absence.agency_kind)] = absence.reason
    rows = []
    for r in found:
        missing = [k for k, n in zip(kinds, r[6:9], strict=True) if not n]
        if brief:
            rows.append(_row(r, [KIND_OWNER[k] for k in missing]))
            continue
        parts = []
        for kind in missing:
            reason = reasons.get((r[4], kind))
            name = OWNER_LABELS[KIND_OWNER[kind]]
            parts.append(
                f"{name} not present" + (f" (reason given: {reason})" if reason else " (no reason recorded)")
            )
        rows.append(
            _row(
                r,
                [KIND_OWNER[k] for k in missing],
                "; ".join(parts),
                f"Held {london_date(r[5]):%-d %b %Y}",
                -r[5].timestamp(),
            )
        )
    return rows


def overdue_actions(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    cutoff = latest_overdue_due_date(scope.today)
    query = (
        _base(
            scope,
            PlanAction.description,
            PlanAction.owning_agency_kind,
            PlanAction.owner,
            PlanAction.due_date,
        )
        .join(ProtectivePlan, ProtectivePlan.referral_id == Referral.id)
        .join(PlanAction, PlanAction.plan_id == ProtectivePlan.id)
        .where(
            ProtectivePlan.status != PlanStatus.CLOSED,
            PlanAction.status.not_in((ActionStatus.DONE, ActionStatus.CANCELLED)),
            PlanAction.due_date <= cutoff,
        )
    )
    rows = []
    for r in db.session.execute(query):
        owner = KIND_OWNER.get(r[5], OTHER)
        if brief:
            rows.append(_row(r, [owner]))
            continue
        days = working_days_between(r[7], scope.today)
        detail = f"{r[4]} (owner: {r[6]}, due {r[7]:%-d %b %Y})"
        rows.append(_row(r, [owner], detail, working_days(days) + " overdue", days))
    return rows


def late_threshold_decision(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    decided_late = (
        _base(scope, Referral.threshold_due_at, ThresholdDecision.decided_at)
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(ThresholdDecision.decided_at > Referral.threshold_due_at)
    )
    awaiting = _base(scope, Referral.threshold_due_at, literal(None)).where(
        Referral.status == ReferralStatus.OPEN,
        Referral.threshold_due_at < scope.now,
        not_(exists().where(ThresholdDecision.referral_id == Referral.id)),
    )
    rows = []
    if brief:
        return [_row(r, [SOCIAL_CARE]) for q in (decided_late, awaiting) for r in db.session.execute(q)]
    for r in db.session.execute(decided_late):
        days = working_days_between(london_date(r[4]), london_date(r[5]))
        rows.append(
            _row(
                r,
                [SOCIAL_CARE],
                f"Decided {r[5].astimezone(LONDON):%-d %b %Y %H:%M}, due {r[4].astimezone(LONDON):%-d %b %Y %H:%M}",
                working_days(days) + " late",
                days,
            )
        )
    for r in db.session.execute(awaiting):
        days = working_days_between(london_date(r[4]), scope.today)
        rows.append(
            _row(
                r,
                [SOCIAL_CARE],
                f"Still awaiting a decision, due {r[4].astimezone(LONDON):%-d %b %Y %H:%M}",
                working_days(days) + " late",
                days,
            )
        )
    return rows


def child_not_heard(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        _base(
            scope,
            Child.full_name,
            Child.spoken_to,
            Child.not_spoken_to_reason,
            Child.voice.is_(None),
            Child.voice_not_recorded_reason,
            Child.demeanour.is_(None),
            Child.demeanour_not_recorded_reason,
            Agency.kind,
        )
        .join(Child, Child.referral_id == Referral.id)
        .join(Notification, Notification.referral_id == Referral.id)
        .outerjoin(User, User.id == Notification.submitted_by_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(or_(Child.spoken_to.is_(False), Child.voice.is_(None), Child.demeanour.is_(None)))
        .order_by(Referral.id, Child.id)
    )
    by_case: dict[int, GapRow] = {}
    for r in db.session.execute(query):
        if brief:
            by_case.setdefault(r[0], _row(r, [KIND_OWNER.get(r[11], OTHER)]))
            continue
        parts = []
        if not r[5]:
            parts.append(f"not spoken to ({r[6]})")
        if r[7]:
            parts.append(f"voice not recorded ({r[8]})")
        if r[9]:
            parts.append(f"behaviour and demeanour not recorded ({r[10]})")
        text = f"{r[4]}: " + "; ".join(parts)
        if r[0] in by_case:
            by_case[r[0]].detail += " | " + text
        else:
            by_case[r[0]] = _row(r, [KIND_OWNER.get(r[11], OTHER)], text, "", -r[2].timestamp())
    return list(by_case.values())


def da_standard_nfa_no_research(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        _base(scope, Referral.closed_at)
        .join(Notification, Notification.referral_id == Referral.id)
        .where(
            Notification.incident_type == IncidentType.DOMESTIC_ABUSE,
            Notification.dash_level == "standard",
            Referral.status == ReferralStatus.CLOSED,
            Referral.outcome == "nfa",
            exists().where(Child.referral_id == Referral.id, Child.present.is_(True)),
            not_(exists().where(StepRecord.referral_id == Referral.id, StepRecord.step.in_(RESEARCH_STEPS))),
        )
    )
    if brief:
        return [_row(r, [SOCIAL_CARE]) for r in db.session.execute(query)]
    return [
        _row(
            r,
            [SOCIAL_CARE],
            "Standard-risk domestic abuse with a child present, closed with no further action and no agency research",
            f"Closed {london_date(r[4]):%-d %b %Y}" if r[4] else "",
            -r[2].timestamp(),
        )
        for r in db.session.execute(query)
    ]


def children_in_custody(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    limit_hours = float(current_app.config.get("AUDIT_APPROPRIATE_ADULT_HOURS", 4))
    no_decision = not_(exists().where(ThresholdDecision.referral_id == Referral.id))
    not_referred = and_(
        Notification.incident_type == IncidentType.CHILD_IN_CUSTODY,
        or_(
            Referral.outcome.in_(NOT_REFERRED_OUTCOMES),
            and_(no_decision, Referral.threshold_due_at < scope.now),
        ),
    )
    aa_hours = hours_between(Notification.custody_aa_arrived_at, Notification.custody_aa_requested_at)
    aa_late = and_(
        Notification.custody_aa_requested_at.is_not(None),
        or_(
            and_(Notification.custody_aa_arrived_at.is_not(None), aa_hours > limit_hours),
            and_(
                Notification.custody_aa_arrived_at.is_(None),
                Notification.custody_aa_requested_at < scope.now - timedelta(hours=limit_hours),
            ),
        ),
    )
    refusal = and_(
        Notification.custody_accommodation_refused.is_(True),
        Notification.custody_refusal_escalated.is_not(True),
    )
    query = (
        _base(
            scope,
            case((not_referred, true()), else_=false()),
            case((aa_late, true()), else_=false()),
            case((refusal, true()), else_=false()),
            Notification.custody_aa_requested_at,
            Notification.custody_aa_arrived_at,
            Referral.outcome,
        )
        .join(Notification, Notification.referral_id == Referral.id)
        .where(or_(not_referred, aa_late, refusal))
    )
    rows = []
    for r in db.session.execute(query):
        owners, parts, hours = [], [], 0.0
        if r[4]:
            owners.append(SOCIAL_CARE)
            parts.append(
                "No referral to children's social care"
                + (f" (outcome: {r[9]})" if r[9] else " (no decision)")
            )
        if r[5]:
            owners.append(POLICE)
            end = r[8] or scope.now
            hours = (end - r[7]).total_seconds() / 3600
            parts.append(
                f"Appropriate adult {'arrived' if r[8] else 'not arrived after'} {hours:.1f} hours after being requested"
            )
        if r[6]:
            if POLICE not in owners:
                owners.append(POLICE)
            parts.append("Alternative accommodation refused and not escalated")
        rows.append(_row(r, owners, "; ".join(parts), f"{hours:.1f} hours" if r[5] else "", hours))
    return rows


def police_protection(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    has_sd = _has_strategy_discussion()
    has_plan = _has_plan_in_force()
    query = (
        _base(
            scope,
            Notification.pp_started_at,
            Notification.pp_rescinded_at.is_(None),
            case((has_sd, true()), else_=false()),
            case((has_plan, true()), else_=false()),
        )
        .join(Notification, Notification.referral_id == Referral.id)
        .where(
            Notification.pp_started_at.is_not(None),
            Notification.pp_started_at < scope.now - timedelta(hours=POLICE_PROTECTION_HOURS),
            or_(Notification.pp_rescinded_at.is_(None), not_(has_sd), not_(has_plan)),
        )
    )
    rows = []
    for r in db.session.execute(query):
        owners, parts = [], []
        if r[5]:
            owners.append(POLICE)
            parts.append("No time rescinded recorded")
        if not r[6]:
            parts.append("no strategy discussion")
        if not r[7]:
            parts.append("no joint protective plan in force")
        if not r[6] or not r[7]:
            owners.append(SOCIAL_CARE)
        hours = (scope.now - r[4]).total_seconds() / 3600
        detail = "; ".join(parts)
        rows.append(
            _row(r, owners, detail[:1].upper() + detail[1:], f"{hours:.0f} hours since it started", hours)
        )
    return rows


def icpc_overdue(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    cutoff = latest_date_past_target(scope.today, ICPC_WORKING_DAYS)
    query = (
        _base(scope, StrategyDiscussion.held_at)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(
            StrategyDiscussion.decision.in_(S47_DECISIONS),
            StrategyDiscussion.icpc_required.is_not(False),
            StrategyDiscussion.icpc_held_on.is_(None),
            StrategyDiscussion.icpc_not_required_reason.is_(None),
            StrategyDiscussion.held_at < start_of_london_day(cutoff + timedelta(days=1)),
        )
    )
    rows = []
    for r in db.session.execute(query):
        if brief:
            rows.append(_row(r, [SOCIAL_CARE]))
            continue
        held = london_date(r[4])
        target = add_working_days(held, ICPC_WORKING_DAYS)
        days = working_days_between(target, scope.today)
        detail = f"Strategy discussion {held:%-d %b %Y}; conference due by {target:%-d %b %Y}; none recorded"
        rows.append(_row(r, [SOCIAL_CARE], detail, working_days(days) + " past the target", days))
    return rows


def unresolved_escalations(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        _base(
            scope,
            ThresholdDecision.decided_at,
            ThresholdDecision.outcome,
            ThresholdDecision.recommended_outcome,
        )
        .join(ThresholdDecision, ThresholdDecision.referral_id == Referral.id)
        .where(ThresholdDecision.escalated.is_(True), ThresholdDecision.resolved_at.is_(None))
    )
    rows = []
    for r in db.session.execute(query):
        if brief:
            rows.append(_row(r, [MANAGER]))
            continue
        days = working_days_between(london_date(r[4]), scope.today)
        detail = f"Decision {r[5]} (recommended {r[6]}) escalated {london_date(r[4]):%-d %b %Y}; not resolved"
        rows.append(_row(r, [MANAGER], detail, working_days(days), days))
    return rows


GAPS: list[Gap] = [
    Gap(1, "s47-no-strategy-discussion", "s47 decisions with no strategy discussion",
        "Cases whose threshold outcome is an s47 enquiry or immediate protection (not awaiting a manager's "
        "resolution) and which have no strategy discussion recorded. How long: working days since the decision.",
        s47_no_strategy_discussion, "Working days since the decision"),
    Gap(2, "strategy-discussion-no-plan", "Strategy discussions with no joint plan in force",
        "Cases with a strategy discussion that did not decide 'no s47', and no joint protective plan confirmed "
        "by police and health (a draft or declined plan does not count). How long: working days since the discussion.",
        strategy_discussion_no_plan, "Working days since the discussion"),
    Gap(3, "strategy-discussion-missing-agency", "Strategy discussions without police, health or social care",
        "Strategy discussions with no attendee from children's social care, police or health. A reason for the "
        "absence is shown but does not remove the case.",
        strategy_discussion_missing_agency, "When"),
    Gap(4, "overdue-actions", "Plans with overdue actions",
        "Actions on plans that are not closed, neither done nor cancelled, from the first working day after their "
        "due date. One row per action.",
        overdue_actions, "Overdue by", "Action"),
    Gap(5, "late-threshold-decision", "Late threshold decisions",
        "Threshold decisions made after their due time (one working day after receipt), and open notifications "
        "still awaiting a decision after it.",
        late_threshold_decision, "Late by", "Decision"),
    Gap(6, "child-not-heard", "Child not spoken to, or voice or demeanour not recorded",
        "Notifications where a child was not spoken to, or their voice, or their behaviour and demeanour, "
        "was recorded as 'not recorded'. The reasons given are shown.",
        child_not_heard, "", "Children and reasons"),
    Gap(7, "da-standard-nfa-no-research", "Standard-risk domestic abuse closed without research",
        "Domestic abuse notifications at standard DASH risk with a child present, closed with no further action "
        "without a research step by any agency.",
        da_standard_nfa_no_research, "Closed"),
    Gap(8, "children-in-custody", "Children in custody",
        "Child-in-custody notifications with no referral to children's social care (outcome no further action or "
        "early help, or no decision past its due time); or where the appropriate adult arrived more than the "
        "allowed hours after being requested; or where alternative accommodation was refused and not escalated.",
        children_in_custody, "Appropriate adult delay"),
    Gap(9, "police-protection", "Police protection without an end time, strategy discussion or plan",
        "Cases where police protection was used more than 72 hours ago and its end (time rescinded) is not "
        "recorded, or no strategy discussion, or no joint plan in force, followed.",
        police_protection, "Since police protection started"),
    Gap(10, "icpc-overdue", "Initial child protection conferences overdue",
        "Strategy discussions that started s47 enquiries, more than 15 working days ago, with no conference date "
        "and no 'not required' recorded.",
        icpc_overdue, "Past the target by"),
    Gap(11, "unresolved-escalations", "Unresolved threshold disagreements",
        "Threshold decisions escalated to a manager with no resolution recorded. How long: working days since the decision.",
        unresolved_escalations, "Waiting for"),
]  # fmt: skip

GAPS_BY_SLUG = {gap.slug: gap for gap in GAPS}


def _chunks(ids: list[int], size: int = 900) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def rows_for(slug: str, scope: AuditScope, owner: str | None = None) -> list[GapRow]:
    rows = GAPS_BY_SLUG[slug].query(scope)
    if owner:
        rows = [row for row in rows if owner in row.owners]
    rows.sort(key=lambda row: (-row.sort_key, row.reference))
    return rows


def case_ids(slug: str, scope: AuditScope) -> set[int]:
    """The referrals in a gap: what the known-answers tests compare with what was planted."""
    return {row.referral_id for row in GAPS_BY_SLUG[slug].query(scope, brief=True)}


def attach_children(rows: list[GapRow]) -> None:
    """Fill in each row's children's names, in one query per 900 cases."""
    ids = sorted({row.referral_id for row in rows})
    names: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for referral_id, name in db.session.execute(
            select(Child.referral_id, Child.full_name).where(Child.referral_id.in_(chunk)).order_by(Child.id)
        ):
            names.setdefault(referral_id, []).append(name)
    for row in rows:
        row.children = names.get(row.referral_id, [])
