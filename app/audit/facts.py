"""Audit facts: keeping one narrow row per referral, and counting the gaps from it.

The gap lists (app/audit/gaps/) read the records themselves. The dashboard
counts all the gaps at once, which at 100,000 referrals is too slow that way,
so it reads `audit_facts` instead: one row per referral, worked out from the
referral's records by one INSERT ... SELECT. Each gap says which columns it
keeps and how its cases are counted from them (`Gap.facts`, `Gap.owner_bits`);
the columns every case has are below.

The row is rewritten whenever anything it is worked out from changes: a hook on
the app's session (`init_app`, called by create_app) notes which referrals a
flush touched, and just before the commit the facts of those referrals are
worked out again, in the same transaction. A case therefore leaves the
dashboard the moment it leaves a list. The tests compare
the two on every audit test's data (tests/audit/conftest.py).

Rules that depend on the time (overdue, past the due time, 72 hours) are kept
as dates here and applied at query time, so the facts never go stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import Flask
from sqlalchemy import BigInteger, bindparam, case, delete, event, func, insert, literal, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit.gaps import GAPS
from app.audit.gaps.owners import COUNTED_OWNERS, OWNER_BITS
from app.audit.gaps.queries import correlated_exists, flag, has_plan_in_force, has_strategy_discussion
from app.audit.scope import AuditScope
from app.extensions import db
from app.models import (
    Agency,
    AgencyAbsence,
    Child,
    Notification,
    PlanAction,
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
from app.models.missing import MissingEpisode
from app.models.persons import Involvement, PossibleMatch

# ---------------------------------------------------------------- working the facts out


def _case_columns() -> dict:
    """The columns every case has, which several gaps read (declared in app/models/audit_facts.py)."""
    return {
        "referral_id": Referral.id,
        "received_at": Referral.received_at,
        "local_authority_area": Referral.local_authority_area,
        "is_open": flag(Referral.status == ReferralStatus.OPEN),
        "threshold_due_at": Referral.threshold_due_at,
        "has_decision": flag(correlated_exists(ThresholdDecision.referral_id == Referral.id)),
        "has_discussion": flag(has_strategy_discussion()),
        "has_plan_in_force": flag(has_plan_in_force()),
    }


def _facts_select():
    """SELECT the facts of every referral; callers add a WHERE on Referral.id."""
    columns = _case_columns()
    for gap in GAPS:
        columns.update((column.name, column.expression()) for column in gap.facts)
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
    """Say that this transaction holds the referral's row lock (see services.lock_referral), or
    made the referral, which no other transaction sees before this one commits."""
    session.info.setdefault(LOCKED, set()).add(referral_id)


def lock_with_history(referral_ids: Iterable[int], session: Session | None = None) -> None:
    """Before changing what moves other cases' facts (a missing episode, a closure), lock these
    referrals and every referral naming the same people, in id order, on PostgreSQL.

    Taken at the start of the change, the locks come in one order in every transaction, so two
    workers changing cases about the same child wait for each other instead of deadlocking
    (each holding its own case while asking for the other's when the facts are written)."""
    session = session or db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = set(referral_ids)
    people = select(Involvement.person_id).where(Involvement.referral_id.in_(sorted(ids)))
    ids.update(session.scalars(select(Involvement.referral_id).where(Involvement.person_id.in_(people))))
    lock, _ = _refresh_statements("postgresql")
    ordered = sorted(ids)
    for start in range(0, len(ordered), 500):
        session.execute(lock, {"ids": ordered[start : start + 500]})
    session.info.setdefault(LOCKED, set()).update(ordered)


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
        PENDING,
        {
            "referral": set(),
            "discussion": set(),
            "plan": set(),
            "user": set(),
            "agency": set(),
            "same_people": set(),
            "person": set(),
        },
    )


# What each kind of record tells us about which referral changed.
_BY_REFERRAL_ID = (
    Notification,
    Child,
    StepRecord,
    ThresholdDecision,
    StrategyDiscussion,
    ProtectivePlan,
    MissingEpisode,
    PossibleMatch,
)
_BY_DISCUSSION_ID = (StrategyAttendee, AgencyAbsence)
# Some gaps (12 and 14) read other cases about the same person: a change to these moves
# the facts of every case naming the same people ("same_people").
_CLOSURE = ("status", "outcome", "closed_at")


def _note(session: Session, objects: Iterable) -> None:
    noted = _noted(session)
    for obj in objects:
        if isinstance(obj, Referral):
            noted["referral"].add(obj.id)
            attrs = db.inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in _CLOSURE):
                noted["same_people"].add(obj.id)
        elif isinstance(obj, _BY_REFERRAL_ID):
            noted["referral"].add(obj.referral_id)
            if isinstance(obj, MissingEpisode):
                noted["same_people"].add(obj.referral_id)
        elif isinstance(obj, Involvement):
            # Moved by a merge or its undoing: the people it left and joined.
            history = db.inspect(obj).attrs.person_id.history
            noted["person"].update(p for p in (*history.added, *history.deleted, obj.person_id) if p)
            noted["referral"].add(obj.referral_id)
        elif isinstance(obj, _BY_DISCUSSION_ID):
            noted["discussion"].add(obj.discussion_id)
        elif isinstance(obj, PlanAction):
            noted["plan"].add(obj.plan_id)
        elif isinstance(obj, User) and db.inspect(obj).attrs.agency_id.history.has_changes():
            noted["user"].add(obj.id)  # gap 6 is owned by the notifier's agency
        elif isinstance(obj, Agency) and db.inspect(obj).attrs.kind.history.has_changes():
            noted["agency"].add(obj.id)


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
        "person": lambda keys: select(Involvement.referral_id).where(Involvement.person_id.in_(keys)),
        "same_people": lambda keys: select(Involvement.referral_id).where(
            Involvement.person_id.in_(select(Involvement.person_id).where(Involvement.referral_id.in_(keys)))
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


def _before_commit(session: Session) -> None:
    # Cheap when nothing was written: no flush, no statement.
    if session.info.get(PENDING) is not None or session.new or session.dirty or session.deleted:
        bring_up_to_date(session)


_HOOKS = (
    ("after_flush", _after_flush),
    ("before_commit", _before_commit),
    ("after_transaction_end", _forget_locks),
)


def keep_up_to_date(sessions) -> None:
    """Keep the facts up to date in every transaction of `sessions` (a scoped_session,
    sessionmaker or Session subclass): the app's own in `init_app`, the tests' in conftest."""
    for name, hook in _HOOKS:
        if not event.contains(sessions, name, hook):
            event.listen(sessions, name, hook)


def init_app(app: Flask) -> None:
    """Hook the facts into db.session, the app's session: only its sessionmaker's class
    listens, so a session made elsewhere (a migration's, a script's) writes no facts."""
    keep_up_to_date(db.session)


# ---------------------------------------------------------------- counting the gaps


@dataclass
class MonthCounts:
    """The cases received in one month of the period that are in at least one gap."""

    cases: int  # in any gap
    in_gap: dict[str, int]  # gap slug -> cases
    by_owner: dict[str, dict[str, int]]  # gap slug -> owner -> cases


OWNER_KEY_BITS = 5  # every owner's bit together (OWNER_BITS) fit in 5 bits
GAPS_PER_KEY = 63 // OWNER_KEY_BITS  # of a signed 64-bit integer
assert sum(OWNER_BITS.values()) < 1 << OWNER_KEY_BITS


def count_gaps(scope: AuditScope, month_ends: list[datetime]) -> list[MonthCounts]:
    """Count the cases in each gap, by owner and by month received: one aggregate query.

    `month_ends` are the moments each month of the period ends (the last one is the
    end of the period); one MonthCounts is returned for each.
    """
    bring_up_to_date()
    f = AuditFacts
    # Columns are named by gap number: slugs can be longer than PostgreSQL's names.
    bits = [(gap, gap.owner_bits(f, scope)) for gap in GAPS]
    month = case(
        *((f.received_at < end, i) for i, end in enumerate(month_ends[:-1])), else_=len(month_ends) - 1
    )
    cases = scope.facts_in_scope(
        select(month.label("month"), *(b.label(f"gap{gap.number}") for gap, b in bits)).where(
            or_(*(b != 0 for _, b in bits))
        )
    ).subquery()

    # Grouped by the owners of every gap at once: a case's owner bits take few combinations, so
    # the database groups by one key a case rather than summing a CASE for every gap and owner,
    # and the few groups are added up here. Each gap's owners (OWNER_BITS, under 32) take 5 bits
    # of a 64-bit key, GAPS_PER_KEY gaps a key.
    keys = [
        sum(
            (
                cases.c[f"gap{gap.number}"].cast(BigInteger) * (1 << (OWNER_KEY_BITS * place))
                for place, gap in enumerate(GAPS[first : first + GAPS_PER_KEY])
            ),
            literal(0, BigInteger),
        ).label(f"key{first}")
        for first in range(0, len(GAPS), GAPS_PER_KEY)
    ]
    counts = [
        MonthCounts(0, {g.slug: 0 for g in GAPS}, {g.slug: dict.fromkeys(COUNTED_OWNERS, 0) for g in GAPS})
        for _ in month_ends
    ]
    grouped = select(cases.c.month, *keys, func.count()).group_by(cases.c.month, *(k.name for k in keys))
    mask = (1 << OWNER_KEY_BITS) - 1
    for month_index, *packed, number in db.session.execute(grouped):
        figures = counts[month_index]
        figures.cases += number
        for index, gap in enumerate(GAPS):
            bits = (packed[index // GAPS_PER_KEY] >> (OWNER_KEY_BITS * (index % GAPS_PER_KEY))) & mask
            if bits:
                figures.in_gap[gap.slug] += number
                by_owner = figures.by_owner[gap.slug]
                for owner in COUNTED_OWNERS:
                    if bits & OWNER_BITS[owner]:
                        by_owner[owner] += number
    return counts
