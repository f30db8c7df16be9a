"""The return home interview's clock, as a timer the timer worker fires.

The missing episode is recorded on the referral, outside the BPMN process (a
notification can carry one whatever route the referral then takes), so this
clock is not a BPMN timer event: the episode keeps its due time in an indexed
column (``interview_timer_at``, 72 hours after the child was found), and each
pass of the timer worker (app/timers/worker.py) claims the episodes whose time
has passed. An interview still outstanding then (not offered, or only offered)
is escalated: a timeline entry says what is late, by how long and whose it is,
and the people who owe it (the Social care lane of the agencies taking part)
are alerted, by email too when SMTP is configured. The column is cleared in
the same transaction, so each episode is escalated exactly once across any
number of workers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.alerts import services as alerts
from app.audit import facts as audit_facts
from app.extensions import db
from app.models import AlertKind, Referral, StepRecord
from app.models.missing import RETURN_HOME_INTERVIEW_HOURS, MissingEpisode
from app.timers import settings
from app.timers.words import span_in_words
from app.transaction import transaction

#: Who owes the return home interview (as audit gap 13 counts it).
OWNER_LANE = "Social care"
TIMER = "return_home_interview_72_hours"
TITLE = "Return home interview"


def _claim(now: datetime, batch: int):
    statement = (
        select(MissingEpisode)
        .where(MissingEpisode.interview_timer_at < now)
        .order_by(MissingEpisode.interview_timer_at, MissingEpisode.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return statement


def escalate_overdue_interviews(now: datetime, batch: int = 50) -> int:
    """Escalate each return home interview whose 72 hours have run out; returns how many.

    One transaction per batch; on SQLite each starts with BEGIN IMMEDIATE (app/database.py).
    """
    total = 0
    while True:
        with transaction():
            episodes = list(db.session.scalars(_claim(now, batch)))
            if not episodes:
                return total
            # An escalation rewrites the facts of every case about the same children: lock them all
            # now, in order, so that two workers wait for each other rather than deadlock.
            audit_facts.lock_with_history({e.referral_id for e in episodes})
            for episode in episodes:
                episode.interview_timer_at = None
                if episode.interview_outstanding and episode.found_at is not None:
                    escalate(episode, now)
                    total += 1
            db.session.flush()


def escalate(episode: MissingEpisode, now: datetime) -> None:
    """What is late, by how long and whose it is, in the timeline; its owners alerted (no child's name)."""
    referral = db.session.get(Referral, episode.referral_id)
    due = episode.interview_due_at
    late_by = span_in_words(due, now, working_time=False, calendar=settings.working_calendar())
    child = next((c for c in referral.children if c.id == episode.child_id), None)
    record = StepRecord(
        step=f"{TIMER}_fired",
        title=f"Escalated: {TITLE} overdue",
        lane=OWNER_LANE,
        answers={
            "late_task": f"{TITLE} for {child.full_name}" if child else TITLE,
            "was_due": due.isoformat(),
            "overdue_by": late_by,
            "owner": f"{OWNER_LANE} (offered, not yet held)"
            if episode.interview_offered_at
            else f"{OWNER_LANE} (not offered yet)",
            "raised_for": OWNER_LANE,
        },
        at=now,
    )
    record.referral = referral
    db.session.add(record)
    episode.interview_escalated_at = now
    alerts.alert(
        alerts.lane_users(referral, OWNER_LANE),
        referral,
        AlertKind.ESCALATION,
        f"{referral.reference}: a return home interview is overdue by {late_by} "
        f"({RETURN_HOME_INTERVIEW_HOURS} hours from when the child was found)",
        task_id=None,
        key=f"interview:{referral.id}:{episode.id}",
    )
