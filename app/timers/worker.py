"""The timer worker: fires the BPMN timers that are due, tells people, sends the emails.

SpiffWorkflow has no scheduler, so this is it. Each pass:

1. fires timers: claims one due referral at a time (``next_timer_at`` before
   now, an indexed column, so no workflow is read unless something is due),
   fires its timers through the engine adapter and saves it, one transaction
   per referral;
2. escalates return home interviews still outstanding 72 hours after the child
   was found (a clock outside the BPMN: app/missing/timer.py);
3. alerts people to tasks due within the hour;
4. sends the emails that alerts are waiting for (when SMTP is configured);
5. deletes notification drafts nobody has saved for 30 days (app/models/drafts.py).

Any number of workers may run at once. A referral is claimed with
``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never
fire the same one; on SQLite every transaction starts with ``BEGIN
IMMEDIATE`` (app/database.py), which takes the database's write lock first,
so workers take turns. Firing moves ``next_timer_at`` on in the same
transaction, so a referral committed by one worker is not due for the next.

Logs say what was done by referral id and reference, never a name.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from app.alerts import email as alert_email
from app.alerts import services as alerts
from app.domain.clock import utcnow
from app.extensions import db
from app.missing import timer as interview_timer
from app.models import AlertKind, ReadyTask, Referral, ReferralStatus
from app.notifications import drafts
from app.referrals import services, workflow
from app.transaction import transaction
from app.workflow.engine import WorkflowError

log = logging.getLogger("front_door.timers")
T = TypeVar("T")

#: A referral whose timers fail to fire is tried again after this, not on every pass.
RETRY_AFTER = timedelta(minutes=15)
DUE_SOON = timedelta(hours=1)


@dataclass
class PassReport:
    referrals: int = 0
    timers: int = 0
    raised: list[str] = field(default_factory=list)
    failed: int = 0
    due_soon: int = 0
    emails: int = 0
    interviews: int = 0
    drafts: int = 0

    def __str__(self) -> str:
        return (
            f"{self.referrals} referrals with timers due, {self.timers} timers fired, "
            f"{len(self.raised)} tasks raised, {self.failed} failed, "
            f"{self.due_soon} due-soon alerts, {self.emails} emails sent, "
            f"{self.interviews} return home interviews escalated, {self.drafts} old drafts deleted"
        )


def _claim_statement(now: datetime, skip: set[int]):
    statement = (
        select(Referral.id)
        .where(Referral.next_timer_at < now)
        .order_by(Referral.next_timer_at, Referral.id)
        .limit(1)
    )
    if skip:
        statement = statement.where(Referral.id.not_in(skip))
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return statement


def fire_next(now: datetime, skip: set[int], report: PassReport) -> bool:
    """Claim one due referral and fire its timers, in one transaction. False when none is due."""
    referral_id = None
    try:
        with transaction():
            referral_id = db.session.scalar(_claim_statement(now, skip))
            if referral_id is None:
                return False
            skip.add(referral_id)
            referral = services.lock_referral(referral_id)  # already ours; loads what saving needs
            fired, raised = fire_referral(referral)
            reference, next_timer = referral.reference, referral.next_timer_at
        # Said once it is committed, and not while holding the write lock: a
        # slow log (a full pipe, a busy journal) must not stall other workers.
        report.referrals += 1
        report.timers += len(fired)
        report.raised.extend(raised)
        log.info(
            "referral %s (%s): fired %s; raised %s; next timer %s",
            referral_id,
            reference,
            ", ".join(t.bpmn_id for t in fired) or "nothing (not yet due)",
            ", ".join(raised) or "nothing",
            next_timer.isoformat() if next_timer else "none",
        )
    except WorkflowError as error:
        report.failed += 1
        log.error(
            "referral %s: timers could not fire (%s); trying again after %s", referral_id, error, RETRY_AFTER
        )
        with transaction():
            row = db.session.get(Referral, referral_id)
            if row is not None:
                row.next_timer_at = utcnow() + RETRY_AFTER
    return True


def fire_referral(referral: Referral) -> tuple[list, list[str]]:
    """Fire the referral's due timers through the engine adapter and save it (flushes, does not commit)."""
    eng = workflow.engine()
    before = {row.task_id for row in referral.ready_tasks}
    with db.session.no_autoflush:
        instance = workflow.load(referral)
        fired = eng.fire_timers(instance)
        ready = workflow.save(referral, instance)
        if eng.is_completed(instance) and referral.status is not ReferralStatus.CLOSED:
            referral.status = ReferralStatus.CLOSED
            referral.closed_at = utcnow()
    db.session.flush()
    return fired, [task.bpmn_id for task in ready if task.id not in before]


def alert_due_soon(now: datetime, batch: int = 50) -> int:
    """Alert people to tasks due within the hour, once per task. Claims referrals as firing does."""
    window = (
        (ReadyTask.due_at > now)
        & (ReadyTask.due_at <= now + DUE_SOON)
        & ReadyTask.due_soon_alerted.is_(False)
    )
    total = 0
    while True:
        with transaction():
            statement = (
                select(Referral)
                .where(Referral.id.in_(select(ReadyTask.referral_id).where(window)))
                .order_by(Referral.id)
                .limit(batch)
            )
            if db.session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True, of=Referral)
            referrals = list(db.session.scalars(statement))
            if not referrals:
                return total
            for referral in referrals:
                tasks = db.session.scalars(
                    select(ReadyTask).where(ReadyTask.referral_id == referral.id, window)
                ).all()
                for task in tasks:
                    people = (
                        [task.assigned_to] if task.assigned_to else alerts.lane_users(referral, task.lane)
                    )
                    total += alerts.alert(
                        people,
                        referral,
                        AlertKind.DUE_SOON,
                        f"{referral.reference}: {task.title} is due within the hour",
                        task_id=task.task_id,
                        key=f"due:{referral.id}:{task.task_id}:{task.due_at.isoformat()}",
                    )
                    task.due_soon_alerted = True
            db.session.flush()


def run_pass(now: datetime | None = None) -> PassReport:
    """One pass: fire what is due, alert what is due soon, send waiting emails."""
    now = now or utcnow()
    report = PassReport()
    skip: set[int] = set()
    while _taking_turns(lambda: fire_next(now, skip, report)):
        pass
    report.interviews = _taking_turns(lambda: interview_timer.escalate_overdue_interviews(now))
    report.due_soon = _taking_turns(lambda: alert_due_soon(now))
    report.emails = _taking_turns(alert_email.send_waiting)
    report.drafts = _taking_turns(lambda: _delete_stale_drafts(now))
    return report


def _delete_stale_drafts(now: datetime) -> int:
    with transaction():
        return drafts.delete_stale(now)


#: How often a worker on SQLite waits for another that holds the write lock, before giving up.
MOST_WAITS_FOR_THE_LOCK = 200


def _taking_turns(work: Callable[[], T]) -> T:
    """Run ``work`` (one or more transactions), waiting for the write lock while SQLite reports it taken.

    SQLite's own wait (busy_timeout) can lose the race to a worker that commits
    and begins again at once; then it says "database is locked". That only
    means another worker is busy: back off a little and try again.
    PostgreSQL's errors are not retried here (run_loop waits for a lost server).
    """
    waits = 0
    while True:
        try:
            return work()
        except OperationalError as error:
            if "database is locked" not in str(error.orig) or waits >= MOST_WAITS_FOR_THE_LOCK:
                raise
            waits += 1
            _time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - jitter, not security


TRANSIENT = (OperationalError, DBAPIError)


def describe_database_error(error: Exception) -> str:
    """The error's kind and first line, without the SQL and its parameters (which may hold case data)."""
    original = getattr(error, "orig", None) or error
    first_line = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {first_line}"[:300]


def run_loop(
    interval: float,
    *,
    passes: int | None = None,
    run: Callable[[], PassReport] = run_pass,
    sleep: Callable[[float], None] = _time.sleep,
) -> int:
    """Run passes every ``interval`` seconds until stopped (SIGTERM or SIGINT), or ``passes`` have run.

    A database that goes away (a restart, a failover) is waited for: the pass
    is abandoned, the connections are thrown away, and the worker tries
    again, backing off up to a minute. Returns how many passes completed.
    """
    stop = {"now": False}

    def request_stop(signum, _frame):
        log.info("stopping after this pass (signal %s)", signum)
        stop["now"] = True

    previous = {}
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(ValueError):  # not the main thread (tests): stop by ``passes`` instead
            previous[sig] = signal.signal(sig, request_stop)
    completed, backoff = 0, interval
    try:
        while not stop["now"] and (passes is None or completed < passes):
            try:
                report = run()
            except TRANSIENT as error:
                backoff = min(max(backoff * 2, 1.0), 60.0)
                log.warning(
                    "database unavailable (%s); trying again in %.0f s",
                    describe_database_error(error),
                    backoff,
                )
                _reset_connections()
                sleep(backoff)
                continue
            completed += 1
            backoff = interval
            if (
                report.referrals
                or report.due_soon
                or report.emails
                or report.failed
                or report.interviews
                or report.drafts
            ):
                log.info("pass done: %s", report)
            if not stop["now"] and (passes is None or completed < passes):
                sleep(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return completed


def _reset_connections() -> None:
    with contextlib.suppress(Exception):  # the connection is already gone: dropping it is the point
        db.session.rollback()
    db.session.remove()
    db.engine.dispose()
