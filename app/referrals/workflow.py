"""The one place where referrals meet the workflow engine.

It keeps one FrontDoorEngine per app (the files are parsed and validated
when the app starts), stores each spec version once by content hash, and
loads and saves a referral's workflow state on the referral row, so that the
state and the records a step writes commit in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import delete, select

from app.domain.working_days import threshold_decision_due
from app.extensions import db
from app.models import ReadyTask, Referral, WorkflowSpecVersion
from app.models.types import utcnow
from app.workflow.engine import FrontDoorEngine, SpecVersion

ENGINE_KEY = "front_door_engine"
LONDON = ZoneInfo("Europe/London")


BPMN_FILE = "front_door.bpmn"


def init_app(app: Flask) -> None:
    folder = Path(app.config["WORKFLOWS_DIR"])
    app.extensions[ENGINE_KEY] = FrontDoorEngine(folder)
    app.extensions[ENGINE_KEY + ".xml"] = (folder / BPMN_FILE).read_text(encoding="utf-8")


def engine() -> FrontDoorEngine:
    return current_app.extensions[ENGINE_KEY]


def current_spec_row() -> WorkflowSpecVersion:
    """The stored row for the files on disk, created the first time they are used."""
    spec = engine().current
    row = db.session.scalar(
        select(WorkflowSpecVersion).where(WorkflowSpecVersion.content_hash == spec.content_hash)
    )
    if row is None:
        row = WorkflowSpecVersion(
            content_hash=spec.content_hash,
            serialized=spec.serialized,
            bpmn_xml=current_app.extensions[ENGINE_KEY + ".xml"],
        )
        db.session.add(row)
        db.session.flush()
    return row


def _spec(referral: Referral) -> SpecVersion:
    row = referral.spec_version
    return SpecVersion(content_hash=row.content_hash, serialized=row.serialized)


def start(referral: Referral, start_data: dict[str, Any]) -> Any:
    row = current_spec_row()
    workflow = engine().start(SpecVersion(row.content_hash, row.serialized), start_data)
    referral.spec_version = row
    save(referral, workflow)
    return workflow


def load(referral: Referral) -> Any:
    return engine().load(_spec(referral), referral.workflow_state)


def save(referral: Referral, workflow: Any) -> None:
    """Write the state and refresh the copy of its ready tasks used by inboxes."""
    eng = engine()
    referral.workflow_state = eng.dump_state(workflow)
    referral.serializer_version = eng.serializer_version
    ready = eng.ready_tasks(workflow)
    referral.current_step = ", ".join(t.title for t in ready) or None
    existing = {t.task_id: t for t in referral.ready_tasks} if referral.id else {}
    keep = {t.id for t in ready}
    stale = [task_id for task_id in existing if task_id not in keep]
    if stale:
        db.session.execute(delete(ReadyTask).where(ReadyTask.task_id.in_(stale)))
        referral.ready_tasks[:] = [t for t in referral.ready_tasks if t.task_id not in stale]
    for task in ready:
        if task.id not in existing:
            referral.ready_tasks.append(
                ReadyTask(
                    task_id=task.id,
                    step=task.bpmn_id,
                    title=task.title,
                    lane=task.lane,
                    due_at=due_at(referral, task.bpmn_id),
                )
            )


BEFORE_THRESHOLD = frozenset(
    {
        "triage",
        "police_research",
        "health_research",
        "social_care_research",
        "threshold_decision",
        "resolve_disagreement",
    }
)


def due_at(referral: Referral, step: str) -> datetime:
    """When a task is due.

    Everything up to the threshold decision shares the statutory clock: one
    working day from receipt. Closing a plan is due at its review date. Other
    steps follow the common local standard of one working day from when the
    step became ready (there is no national timescale for them).
    """
    if step in BEFORE_THRESHOLD:
        return referral.threshold_due_at
    plan = referral.plan
    if step == "close_plan" and plan is not None:
        return datetime.combine(plan.review_date, time(17, 0), tzinfo=LONDON).astimezone(UTC)
    return one_working_day_from(utcnow())


def one_working_day_from(moment: datetime) -> datetime:
    """Working days are counted in UK local time, then stored in UTC."""
    return threshold_decision_due(moment.astimezone(LONDON)).astimezone(UTC)


def active_step_ids(referral: Referral) -> list[str]:
    return [t.step for t in referral.ready_tasks]
