"""Acceptance 3: several `flask timers run` processes raise exactly one escalation per due referral.

Real processes on the real database: 4 on PostgreSQL (FOR UPDATE SKIP LOCKED),
2 on SQLite (BEGIN IMMEDIATE), 1,000 referrals; scripts/bench_timers.py runs
the same with more.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Alert, AlertKind, Escalation, ReadyTask, Referral
from app.referrals import services
from tests.referrals import steps
from tests.timers.clones import clone
from tests.timers.conftest import FRIDAY_3PM

pytestmark = pytest.mark.committing

ROOT = Path(__file__).resolve().parents[2]
REFERRALS = 1000
RESEARCH = ("police_research", "health_research", "social_care_research")


def due_referrals(mash, count: int) -> list[int]:
    """``count`` referrals whose threshold decision is due at 19:00 on the Friday (rated red)."""
    referral = services.create_referral(mash["police"], steps.notification())
    db.session.commit()
    users = {"Police": mash["police"], "Social care": mash["social_care"], "Health": mash["health"]}
    for step, data in [("triage", steps.triage("red")), *((s, steps.research()) for s in RESEARCH)]:
        task = next(t for t in referral.ready_tasks if t.step == step)
        services.complete_task(users[task.lane], referral, task.task_id, referral.version, data)
        db.session.commit()
    ids = [referral.id, *clone(referral, count - 1)]
    db.session.commit()
    return ids


def run_workers(database_url: str, processes: int, instant) -> list[subprocess.CompletedProcess]:
    """Start the workers at once and wait for them all.

    Their output goes to files, not pipes: a worker whose pipe filled while the
    test waited on another would stop, and so would everyone waiting for it.
    """
    env = {**os.environ, "FRONT_DOOR_ENV": "test", "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    env.pop("FLASK_APP", None)
    with contextlib.ExitStack() as files:
        outputs = [
            (
                files.enter_context(tempfile.TemporaryFile("w+")),
                files.enter_context(tempfile.TemporaryFile("w+")),
            )
            for _ in range(processes)
        ]
        started = [
            subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
                [sys.executable, str(ROOT / "tests" / "timers" / "run_worker.py"), instant.isoformat()],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
                text=True,
            )
            for out, err in outputs
        ]
        results = []
        for process, (out, err) in zip(started, outputs, strict=True):
            process.wait(timeout=600)
            out.seek(0)
            err.seek(0)
            results.append(
                subprocess.CompletedProcess(process.args, process.returncode, out.read(), err.read())
            )
    return results


def test_several_worker_processes_raise_exactly_one_escalation_each(
    app, committed_db, database_url, clock, mash
):
    clock.set(FRIDAY_3PM)
    ids = due_referrals(mash, REFERRALS)
    clock.stop()
    assert db.session.scalar(select(func.count()).where(Referral.next_timer_at.is_not(None))) == REFERRALS
    db.session.remove()
    processes = 4 if db.engine.dialect.name == "postgresql" else 2
    results = run_workers(database_url, processes, FRIDAY_3PM + timedelta(hours=6))
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stderr, result.stderr[-3000:]

    escalations = db.session.execute(select(Escalation.referral_id, Escalation.task_id)).all()
    assert len(escalations) == REFERRALS
    assert {referral_id for referral_id, _ in escalations} == set(ids)
    raised = db.session.scalar(
        select(func.count()).select_from(ReadyTask).where(ReadyTask.step == "escalate_threshold_decision")
    )
    assert raised == REFERRALS
    assert db.session.scalar(select(func.count()).where(Referral.next_timer_at.is_not(None))) == 0
    # The manager was alerted once about each.
    assert db.session.scalar(select(func.count()).where(Alert.kind == AlertKind.ESCALATION)) == REFERRALS
    # Each referral was fired by one process; between them they fired them all.
    fired = [int(r.stdout.split("Timers: ", 1)[1].split(" referrals", 1)[0]) for r in results]
    assert sum(fired) == REFERRALS, fired
    # The log names referrals by id and reference only.
    log = "".join(r.stderr for r in results)
    assert "Alex Fictional" not in log and "FD-CL-" in log


def test_several_worker_processes_escalate_each_overdue_return_home_interview_once(
    app, committed_db, database_url, clock, mash
):
    from app.models import MissingEpisode, StepRecord
    from tests.missing.test_episodes import FOUND, missing_notification

    clock.set(FOUND + timedelta(hours=1))
    for batch in range(4):  # a sibling group each: one episode per child
        children = [
            steps.child(f"Sam {'ABCD'[batch]}{'abcdefghijklmnopqrst'[n]} Fictional", nhs_number=None)
            for n in range(20)
        ]
        notification = missing_notification()
        services.create_referral(mash["police"], {**notification, "children": children})
        db.session.commit()
    clock.stop()
    episodes = 80
    assert db.session.scalar(select(func.count()).where(MissingEpisode.interview_timer_at.is_not(None))) == (
        episodes
    )
    db.session.remove()
    processes = 4 if db.engine.dialect.name == "postgresql" else 2
    results = run_workers(database_url, processes, FOUND + timedelta(hours=73))
    for result in results:
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stderr, result.stderr[-3000:]

    fired = db.session.scalar(
        select(func.count()).where(StepRecord.step == "return_home_interview_72_hours_fired")
    )
    assert fired == episodes
    assert db.session.scalar(
        select(func.count()).where(MissingEpisode.interview_escalated_at.is_not(None))
    ) == (episodes)
    assert db.session.scalar(select(func.count()).where(MissingEpisode.interview_timer_at.is_not(None))) == 0
    # Social care (one user here) was alerted once about each.
    assert db.session.scalar(select(func.count()).where(Alert.kind == AlertKind.ESCALATION)) == episodes
    escalated = [int(r.stdout.split("emails sent, ", 1)[1].split(" return home", 1)[0]) for r in results]
    assert sum(escalated) == episodes, escalated
