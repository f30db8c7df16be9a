"""Audit facts: keeping one narrow row per referral, and counting the gaps from it.

The gap lists (app/audit/gaps.py) read the records themselves. The dashboard
counts all eleven gaps at once, which at 100,000 referrals is too slow that
way, so it reads `audit_facts` instead: one row per referral, worked out from
the referral's records by one INSERT ... SELECT.

The row is rewritten whenever anything it is worked out from changes: a session
hook notes which referrals a flush touched, and just before the commit the
facts of those referrals are worked out again, in the same transaction. A case
therefore leaves the dashboard the moment it leaves a list. The tests compare
the two on every audit test's data (tests/audit/conftest.py).

Rules that depend on the time (overdue, past the due time, 72 hours) are kept
as dates here and applied at query time, so the facts never go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import and_, bindparam, case, delete, event, exists, func, insert, not_, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from app.audit.gaps import (
    HEALTH,
    KIND_OWNER,
    MANAGER,
    NOT_REFERRED_OUTCOMES,
    OTHER,
    POLICE,
    POLICE_PROTECTION_HOURS,
    RESEARCH_STEPS,
    SOCIAL_CARE,
    hours_between,
    latest_date_past_target,
    latest_overdue_due_date,
)
from app.audit.scope import AuditScope
from app.domain.clock import start_of_london_day
from app.domain.working_days import ICPC_WORKING_DAYS
from app.extensions import db
from app.models import (
    ActionStatus,
    Agency,
    AgencyAbsence,
    AgencyKind,
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
from app.models.audit_facts import AuditFacts
from app.models.referrals import referral_agencies
from app.workflow.contract import S47_DECISIONS, S47_OUTCOMES

OWNER_BITS = {SOCIAL_CARE: 1, POLICE: 2, HEALTH: 4, MANAGER: 8, OTHER: 16}
SC, PO, HE, MA, OT = (OWNER_BITS[o] for o in (SOCIAL_CARE, POLICE, HEALTH, MANAGER, OTHER))
KIND_BITS = {kind: OWNER_BITS[owner] for kind, owner in KIND_OWNER.items()}
# The owners the dashboard breaks each gap down by.
COUNTED_OWNERS = (SOCIAL_CARE, POLICE, HEALTH, MANAGER)
ACTION_DUE_COLUMNS = {
    SC: "action_due_social_care",
    PO: "action_due_police",
    HE: "action_due_health",
    OT: "action_due_other",
}


# ---------------------------------------------------------------- working the facts out


def _bit_if(condition, bit: int):
    return case((condition, bit), else_=0)


def _exists(*where):
    return exists().where(*where).correlate(Referral)


def _facts_select():
    """SELECT the facts of every referral; callers add a WHERE on Referral.id."""
    has_decision = _exists(ThresholdDecision.referral_id == Referral.id)
    has_discussion = _exists(StrategyDiscussion.referral_id == Referral.id)
    has_plan_in_force = _exists(
        ProtectivePlan.referral_id == Referral.id, ProtectivePlan.in_force_at.is_not(None)
    )

    s47_no_discussion = and_(
        Referral.outcome.in_(S47_OUTCOMES),
        _exists(
            ThresholdDecision.referral_id == Referral.id,
            or_(ThresholdDecision.escalated.is_(False), ThresholdDecision.resolved_at.is_not(None)),
        ),
        not_(has_discussion),
    )

    # Gap 2: who holds up the plan, from the case's latest plan.
    latest_plan = (
        select(func.max(ProtectivePlan.id))
        .where(ProtectivePlan.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )
    plan = aliased(ProtectivePlan)

    def latest(column):
        return select(column).where(plan.id == latest_plan).correlate(Referral).scalar_subquery()

    police_ok, health_ok = latest(plan.police_confirmed), latest(plan.health_confirmed)
    no_plan_owners = case(
        (
            not_(
                and_(
                    _exists(
                        StrategyDiscussion.referral_id == Referral.id, StrategyDiscussion.decision != "no_s47"
                    ),
                    not_(has_plan_in_force),
                )
            ),
            0,
        ),
        (latest_plan.is_(None), SC),
        (or_(police_ok.is_(False), health_ok.is_(False)), SC),
        (and_(police_ok.is_(True), health_ok.is_(True)), SC),
        else_=_bit_if(police_ok.is_not(True), PO) + _bit_if(health_ok.is_not(True), HE),
    )

    # Gap 3: an agency missing from any of the case's discussions.
    def missing(kind: AgencyKind):
        return _exists(
            StrategyDiscussion.referral_id == Referral.id,
            not_(
                exists().where(
                    StrategyAttendee.discussion_id == StrategyDiscussion.id,
                    StrategyAttendee.agency_kind == kind,
                )
            ),
        )

    missing_agencies = sum(_bit_if(missing(kind), bit) for kind, bit in KIND_BITS.items())

    # Gap 4: the earliest open action per owning agency.
    kind_of_bit = {bit: kind for kind, bit in KIND_BITS.items()}

    def earliest_open_action(bit: int):
        kind = kind_of_bit.get(bit)
        if kind is None:
            kind_matches = PlanAction.owning_agency_kind.not_in(list(KIND_BITS))
        else:
            kind_matches = PlanAction.owning_agency_kind == kind
        return (
            select(func.min(PlanAction.due_date))
            .join(ProtectivePlan, ProtectivePlan.id == PlanAction.plan_id)
            .where(
                ProtectivePlan.referral_id == Referral.id,
                ProtectivePlan.status != PlanStatus.CLOSED,
                PlanAction.status.not_in((ActionStatus.DONE, ActionStatus.CANCELLED)),
                kind_matches,
            )
            .correlate(Referral)
            .scalar_subquery()
        )

    decided_late = _exists(
        ThresholdDecision.referral_id == Referral.id, ThresholdDecision.decided_at > Referral.threshold_due_at
    )

    # Gap 6: the notifier's agency owns the gap (the list joins the same way).
    not_heard = and_(
        Notification.id.is_not(None),
        _exists(
            Child.referral_id == Referral.id,
            or_(Child.spoken_to.is_(False), Child.voice.is_(None), Child.demeanour.is_(None)),
        ),
    )
    notifier_bit = case(*((Agency.kind == kind, bit) for kind, bit in KIND_BITS.items()), else_=OT)

    da_nfa_no_research = and_(
        Notification.incident_type == IncidentType.DOMESTIC_ABUSE,
        Notification.dash_level == "standard",
        Referral.status == ReferralStatus.CLOSED,
        Referral.outcome == "nfa",
        _exists(Child.referral_id == Referral.id, Child.present.is_(True)),
        not_(_exists(StepRecord.referral_id == Referral.id, StepRecord.step.in_(RESEARCH_STEPS))),
    )
    custody = and_(Notification.id.is_not(None), Notification.incident_type == IncidentType.CHILD_IN_CUSTODY)

    icpc_awaited_since = (
        select(func.min(StrategyDiscussion.held_at))
        .where(
            StrategyDiscussion.referral_id == Referral.id,
            StrategyDiscussion.decision.in_(S47_DECISIONS),
            StrategyDiscussion.icpc_required.is_not(False),
            StrategyDiscussion.icpc_held_on.is_(None),
            StrategyDiscussion.icpc_not_required_reason.is_(None),
        )
        .correlate(Referral)
        .scalar_subquery()
    )
    unresolved_escalation = _exists(
        ThresholdDecision.referral_id == Referral.id,
        ThresholdDecision.escalated.is_(True),
        ThresholdDecision.resolved_at.is_(None),
    )

    def flag(condition):
        return case((condition, True), else_=False)

    columns = {
        "referral_id": Referral.id,
        "received_at": Referral.received_at,
        "local_authority_area": Referral.local_authority_area,
        "is_open": flag(Referral.status == ReferralStatus.OPEN),
        "threshold_due_at": Referral.threshold_due_at,
        "has_decision": flag(has_decision),
        "has_discussion": flag(has_discussion),
        "has_plan_in_force": flag(has_plan_in_force),
        "s47_no_discussion": flag(s47_no_discussion),
        "no_plan_owners": no_plan_owners,
        "missing_agencies": missing_agencies,
        **{name: earliest_open_action(bit) for bit, name in ACTION_DUE_COLUMNS.items()},
        "decided_late": flag(decided_late),
        "not_heard_owners": case((not_heard, notifier_bit), else_=0),
        "da_nfa_no_research": flag(da_nfa_no_research),
        "custody": flag(custody),
        "custody_not_referred": flag(and_(custody, Referral.outcome.in_(NOT_REFERRED_OUTCOMES))),
        "aa_requested_at": Notification.custody_aa_requested_at,
        "aa_arrived_at": Notification.custody_aa_arrived_at,
        "refusal_not_escalated": flag(
            and_(
                Notification.custody_accommodation_refused.is_(True),
                Notification.custody_refusal_escalated.is_not(True),
            )
        ),
        "pp_started_at": Notification.pp_started_at,
        "pp_not_rescinded": flag(
            and_(Notification.pp_started_at.is_not(None), Notification.pp_rescinded_at.is_(None))
        ),
        "icpc_awaited_since": icpc_awaited_since,
        "unresolved_escalation": flag(unresolved_escalation),
    }
    query = (
        select(*(expression.label(name) for name, expression in columns.items()))
        .select_from(Referral)
        .outerjoin(Notification, Notification.referral_id == Referral.id)
        .outerjoin(User, User.id == Notification.submitted_by_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
    )
    return list(columns), query


@cache
def _refresh_statements(dialect: str):
    """Built once per database kind (building the facts query costs more than running it).

    The facts are written with one upsert: INSERT ... SELECT ... ON CONFLICT DO UPDATE.
    """
    ids = bindparam("ids", expanding=True)
    lock = select(Referral.id).where(Referral.id.in_(ids)).order_by(Referral.id).with_for_update()
    return lock, _upsert(dialect, Referral.id.in_(ids))


def _upsert(dialect: str, where):
    """INSERT the facts of the referrals matching `where`, replacing any already there."""
    names, query = _facts_select()
    table = AuditFacts.__table__
    dialect_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    write = dialect_insert(table).from_select(names, query.where(where))
    return write.on_conflict_do_update(
        index_elements=[table.c.referral_id], set_={name: write.excluded[name] for name in names[1:]}
    )


def write_new_referrals(first_id: int, session: Session | None = None) -> None:
    """Work out the facts of every referral from `first_id` on, in one statement (after a bulk load).

    No lock: nobody else can see referrals not yet committed.
    """
    session = session or db.session()
    dialect = session.get_bind().dialect.name
    _no_jit(session, dialect)
    session.execute(_upsert(dialect, Referral.id >= first_id))


def _no_jit(session: Session, dialect: str) -> None:
    """PostgreSQL would compile the facts query for 100,000 rows to machine code first,
    which takes longer than running it: not for this transaction."""
    if dialect == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


LOCKED = "referrals_locked"


def note_locked(session: Session, referral_id: int) -> None:
    """Say that this transaction holds the referral's row lock (see services.lock_referral)."""
    session.info.setdefault(LOCKED, set()).add(referral_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(LOCKED, None)


def refresh(referral_ids: Iterable[int], session: Session | None = None) -> None:
    """Rewrite the facts of these referrals, in the current transaction.

    On PostgreSQL the referral rows are locked first (in id order) unless this
    transaction locked them already, so that two transactions changing the same
    case write its facts one after the other, each from what the other
    committed. SQLite has one writer at a time anyway.
    """
    session = session or db.session()
    dialect = session.get_bind().dialect.name
    lock, write = _refresh_statements(dialect)
    ids = sorted(set(referral_ids))
    locked = session.info.get(LOCKED, set())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        to_lock = [i for i in chunk if i not in locked]
        if dialect == "postgresql" and to_lock:
            session.execute(lock, {"ids": to_lock})
        session.execute(write, {"ids": chunk})


def rebuild_all(session: Session | None = None) -> None:
    """Work out every referral's facts again (after a bulk load, or to check them)."""
    session = session or db.session()
    _no_jit(session, session.get_bind().dialect.name)
    session.execute(delete(AuditFacts.__table__))
    session.execute(insert(AuditFacts.__table__).from_select(*_facts_select()))


# ---------------------------------------------------------------- keeping them up to date

PENDING = "audit_facts_pending"


def _noted(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(
        PENDING, {"referral": set(), "discussion": set(), "plan": set(), "user": set(), "agency": set()}
    )


# What each kind of record tells us about which referral changed.
_BY_REFERRAL_ID = (Notification, Child, StepRecord, ThresholdDecision, StrategyDiscussion, ProtectivePlan)
_BY_DISCUSSION_ID = (StrategyAttendee, AgencyAbsence)


def _note(session: Session, objects: Iterable) -> None:
    noted = _noted(session)
    for obj in objects:
        if isinstance(obj, Referral):
            noted["referral"].add(obj.id)
        elif isinstance(obj, _BY_REFERRAL_ID):
            noted["referral"].add(obj.referral_id)
        elif isinstance(obj, _BY_DISCUSSION_ID):
            noted["discussion"].add(obj.discussion_id)
        elif isinstance(obj, PlanAction):
            noted["plan"].add(obj.plan_id)
        elif isinstance(obj, User) and db.inspect(obj).attrs.agency_id.history.has_changes():
            noted["user"].add(obj.id)  # gap 6 is owned by the notifier's agency
        elif isinstance(obj, Agency) and db.inspect(obj).attrs.kind.history.has_changes():
            noted["agency"].add(obj.id)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    _note(session, session.new)
    _note(session, session.dirty)
    _note(session, session.deleted)


def _resolve(session: Session, noted: dict[str, set[int]]) -> set[int]:
    """The referrals behind what was noted (the queries are built only when needed)."""
    ids = {i for i in noted["referral"] if i is not None}
    lookups = {
        "discussion": lambda keys: select(StrategyDiscussion.referral_id).where(
            StrategyDiscussion.id.in_(keys)
        ),
        "plan": lambda keys: select(ProtectivePlan.referral_id).where(ProtectivePlan.id.in_(keys)),
        "user": lambda keys: select(Notification.referral_id).where(Notification.submitted_by_id.in_(keys)),
        "agency": lambda keys: (
            select(Notification.referral_id)
            .join(User, User.id == Notification.submitted_by_id)
            .where(User.agency_id.in_(keys))
        ),
    }
    for key, query in lookups.items():
        if noted[key]:
            ids.update(session.scalars(query(sorted(noted[key]))))
    return ids


def bring_up_to_date(session: Session | None = None) -> None:
    """Flush, then rewrite the facts of every referral changed since they were last written."""
    session = session or db.session()
    session.flush()
    noted = session.info.pop(PENDING, None)
    if noted and any(noted.values()):
        refresh(_resolve(session, noted), session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    # Cheap when nothing was written: no flush, no statement.
    if session.info.get(PENDING) is not None or session.new or session.dirty or session.deleted:
        bring_up_to_date(session)


# ---------------------------------------------------------------- counting the gaps


def _gap_owner_bits(scope: AuditScope) -> list:
    """One expression per gap (in the order of GAPS): its owner bits for a case, 0 if not in it."""
    f = AuditFacts
    now = scope.now
    overdue_cutoff = latest_overdue_due_date(scope.today)
    icpc_cutoff = start_of_london_day(
        latest_date_past_target(scope.today, ICPC_WORKING_DAYS) + timedelta(days=1)
    )
    limit_hours = float(current_app.config.get("AUDIT_APPROPRIATE_ADULT_HOURS", 4))
    awaiting_decision = and_(f.has_decision.is_(False), f.threshold_due_at < now)
    aa_late = and_(
        f.aa_requested_at.is_not(None),
        or_(
            and_(
                f.aa_arrived_at.is_not(None), hours_between(f.aa_arrived_at, f.aa_requested_at) > limit_hours
            ),
            and_(f.aa_arrived_at.is_(None), f.aa_requested_at < now - timedelta(hours=limit_hours)),
        ),
    )
    pp_past = and_(
        f.pp_started_at.is_not(None), f.pp_started_at < now - timedelta(hours=POLICE_PROTECTION_HOURS)
    )
    return [
        _bit_if(f.s47_no_discussion.is_(True), SC),
        f.no_plan_owners,
        f.missing_agencies,
        sum(_bit_if(getattr(f, name) <= overdue_cutoff, bit) for bit, name in ACTION_DUE_COLUMNS.items()),
        _bit_if(or_(f.decided_late.is_(True), and_(f.is_open.is_(True), awaiting_decision)), SC),
        f.not_heard_owners,
        _bit_if(f.da_nfa_no_research.is_(True), SC),
        _bit_if(or_(f.custody_not_referred.is_(True), and_(f.custody.is_(True), awaiting_decision)), SC)
        + _bit_if(or_(aa_late, f.refusal_not_escalated.is_(True)), PO),
        _bit_if(and_(pp_past, f.pp_not_rescinded.is_(True)), PO)
        + _bit_if(and_(pp_past, or_(f.has_discussion.is_(False), f.has_plan_in_force.is_(False))), SC),
        _bit_if(f.icpc_awaited_since < icpc_cutoff, SC),
        _bit_if(f.unresolved_escalation.is_(True), MA),
    ]


@dataclass
class MonthCounts:
    """The cases received in one month of the period that are in at least one gap."""

    cases: int  # in any gap
    in_gap: list[int]  # per gap, in the order of GAPS
    by_owner: list[dict[str, int]]  # per gap: owner -> cases


def count_gaps(scope: AuditScope, month_ends: list[datetime]) -> list[MonthCounts]:
    """Count the cases in each gap, by owner and by month received: one aggregate query.

    `month_ends` are the moments each month of the period ends (the last one is the
    end of the period); one MonthCounts is returned for each.
    """
    bring_up_to_date()
    f = AuditFacts
    bits = _gap_owner_bits(scope)
    month = case(
        *((f.received_at < end, i) for i, end in enumerate(month_ends[:-1])), else_=len(month_ends) - 1
    )
    cases = select(month.label("month"), *(b.label(f"gap{i}") for i, b in enumerate(bits))).where(
        f.received_at >= scope.received_from,
        f.received_at < scope.received_before,
        or_(*(b != 0 for b in bits)),
    )
    if scope.area:
        cases = cases.where(f.local_authority_area == scope.area)
    if scope.agency_id is not None:
        cases = cases.join(
            referral_agencies,
            and_(
                referral_agencies.c.referral_id == f.referral_id,
                referral_agencies.c.agency_id == scope.agency_id,
            ),
        )
    cases = cases.subquery()
    gap_columns = [cases.c[f"gap{i}"] for i in range(len(bits))]
    owners = COUNTED_OWNERS
    query = select(
        cases.c.month,
        func.count(),
        *(func.sum(_bit_if(g != 0, 1)) for g in gap_columns),
        *(func.sum(_bit_if(g.op("&")(OWNER_BITS[o]) != 0, 1)) for g in gap_columns for o in owners),
    ).group_by(cases.c.month)
    counts = [MonthCounts(0, [0] * len(bits), [dict.fromkeys(owners, 0) for _ in bits]) for _ in month_ends]
    n = len(bits)
    for row in db.session.execute(query):
        figures = counts[row[0]]
        figures.cases = row[1]
        figures.in_gap = [int(v) for v in row[2 : 2 + n]]
        by_owner = row[2 + n :]
        for i in range(n):
            figures.by_owner[i] = {o: int(by_owner[i * len(owners) + j]) for j, o in enumerate(owners)}
    return counts
