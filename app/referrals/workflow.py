"""The one place where referrals meet the workflow engine.

It keeps one FrontDoorEngine per app (the files are parsed and validated
when the app starts), stores each spec version once by content hash, and
loads and saves a referral's workflow state on the referral row, so that the
state and the records a step writes commit in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Delete, Insert, bindparam, delete, insert, select
from sqlalchemy.orm import load_only, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.clock import utcnow
from app.extensions import db
from app.models import ReadyTask, Referral, WorkflowSpecVersion
from app.timers import due as due_times
from app.timers.due import Due
from app.workflow.engine import FrontDoorEngine
from app.workflow.engine import ReadyTask as EngineReadyTask

ENGINE_KEY = "front_door_engine"


BPMN_FILE = "front_door.bpmn"


def init_app(app: Flask) -> None:
    folder = Path(app.config["WORKFLOWS_DIR"])
    app.extensions[ENGINE_KEY] = FrontDoorEngine(folder)
    app.extensions[ENGINE_KEY + ".xml"] = (folder / BPMN_FILE).read_text(encoding="utf-8")


def engine() -> FrontDoorEngine:
    return current_app.extensions[ENGINE_KEY]


def current_spec_row() -> WorkflowSpecVersion:
    """The stored row for the files on disk, created the first time they are used.

    Only its id and hash are read: the engine already holds this version, and the
    row's serialized spec and BPMN XML (tens of KB) are loaded only if used.
    """
    spec = engine().current
    row = db.session.scalar(
        select(WorkflowSpecVersion)
        .where(WorkflowSpecVersion.content_hash == spec.content_hash)
        .options(load_only(WorkflowSpecVersion.id, WorkflowSpecVersion.content_hash))
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


class _StoredVersion:
    """A referral's spec version as the engine needs it, read lazily from its row.

    The engine asks for ``serialized`` only when it has not cached that version
    yet, so with the row's big columns deferred (see services.lock_referral) a
    request reads just the id and hash: the ~30 KB spec is fetched once per
    version per process, not on every step.
    """

    __slots__ = ("_row",)

    def __init__(self, row: WorkflowSpecVersion) -> None:
        self._row = row

    @property
    def content_hash(self) -> str:
        return self._row.content_hash

    @property
    def serialized(self) -> str:
        return self._row.serialized


def start(referral: Referral, start_data: dict[str, Any]) -> Any:
    row = current_spec_row()
    workflow = engine().start(engine().current, start_data)  # the version the row stores
    referral.spec_version = row
    save(referral, workflow)
    return workflow


def load(referral: Referral) -> Any:
    return engine().load(_StoredVersion(referral.spec_version), referral.workflow_state)


def save(referral: Referral, workflow: Any) -> list[EngineReadyTask]:
    """Write the state and refresh the copy of its ready tasks used by inboxes.

    Returns the ready tasks. Adds, changes and deletes rows but does not flush:
    the caller flushes once, so the referral is updated in one statement.
    """
    eng = engine()
    now = utcnow()
    referral.workflow_state = eng.dump_state(workflow)
    referral.serializer_version = eng.serializer_version
    referral.next_timer_at = eng.next_timer_at(workflow)
    ready = eng.ready_tasks(workflow)
    referral.current_step = ", ".join(t.title for t in ready) or None
    if referral.id is None:  # a new referral: its rows are inserted with it, and announced once flushed
        for task in ready:
            referral.ready_tasks.append(ReadyTask(**_ready_row(referral, task, now)))
        return ready
    existing = {row.task_id: row for row in referral.ready_tasks}
    keep = {task.id for task in ready}
    stale = [row for task_id, row in existing.items() if task_id not in keep]
    appeared = [task for task in ready if task.id not in existing]
    new = [_ready_row(referral, task, now) | {"referral_id": referral.id} for task in appeared]
    if appeared:
        after_new_tasks(referral, appeared, {row["task_id"]: row for row in new}, existing)
    if not stale and not new:
        return ready
    # One statement each, run now, rather than one per row at the flush. They are
    # Core statements, so nothing autoflushes: the referral's own changes are
    # written in the caller's one flush.
    delete_stale, insert_new = _ready_task_statements()
    if stale:
        db.session.execute(
            delete_stale, {"referral_id": referral.id, "task_ids": [row.task_id for row in stale]}
        )
    # The deleted rows leave the session, keeping the values already loaded (a route
    # may still show the completed task's title after the commit); first, as a new
    # row may get a deleted one's id (SQLite reuses the highest).
    for row in stale:
        db.session.expunge(row)
    added = []
    if new:
        ids = {task_id: row_id for task_id, row_id in db.session.execute(insert_new, new)}
        added = [_inserted_row(referral, values, ids[values["task_id"]]) for values in new]
    # The loaded list is set to what the table now holds, so the reply (the API's
    # referral document) need not read it again.
    kept = [row for task_id, row in existing.items() if task_id in keep]
    set_committed_value(referral, "ready_tasks", sorted(kept + added, key=lambda row: row.id))
    return ready


def _inserted_row(referral: Referral, values: dict[str, Any], row_id: int) -> ReadyTask:
    """The ready task row just inserted, as if loaded: its other columns load if read."""
    row = ReadyTask(id=row_id, **values)
    make_transient_to_detached(row)
    db.session.add(row)
    set_committed_value(row, "referral", referral)
    return row


@cache
def _ready_task_statements() -> tuple[Delete, Insert]:
    """Built once (building a statement costs more than running it here)."""
    table = ReadyTask.__table__
    # Task ids are unique only within a referral, so the delete names the referral.
    delete_stale = delete(table).where(
        table.c.referral_id == bindparam("referral_id"),
        table.c.task_id.in_(bindparam("task_ids", expanding=True)),
    )
    # RETURNING each new row's id (by its task id, unique in the referral) lets it join the session.
    return delete_stale, insert(table).returning(table.c.task_id, table.c.id)


def _ready_row(referral: Referral, task: EngineReadyTask, now: datetime) -> dict[str, Any]:
    # The due time the process data gives (the one its timer waits for), else worked out now.
    due = Due.from_data(task.due) or due_times.for_step(referral, task.bpmn_id, now)
    return {
        "task_id": task.id,
        "step": task.bpmn_id,
        "title": task.title,
        "lane": task.lane,
        "due_at": due.at,
        "due_basis": due.basis[:200],
        "working_time": due.working_time,
        "ready_version": referral.version,
    }


def one_working_day_from(moment: datetime) -> datetime:
    """Working days are counted in UK local time, then stored in UTC."""
    return due_times.statutory_threshold_due(moment)


def after_new_tasks(referral: Referral, tasks: list[EngineReadyTask], rows: dict, existing: dict) -> None:
    """What follows when tasks appear: escalations recorded for the tasks timers raised, people alerted."""
    from app.timers import escalations

    escalations.tasks_appeared(referral, tasks, rows, existing)


def announce_ready_tasks(referral: Referral, instance: Any) -> None:
    """For a new referral, once flushed: what ``after_new_tasks`` does for the tasks it starts with."""
    rows = {row.task_id: row for row in referral.ready_tasks}
    after_new_tasks(referral, engine().ready_tasks(instance), rows, {})


def end_wait(referral: Referral, bpmn_id: str) -> bool:
    """End a step the process waits on (police protection in force); saves when it was waiting."""
    instance = load(referral)
    if not engine().end_wait(instance, bpmn_id):
        return False
    save(referral, instance)
    return True


def active_step_ids(referral: Referral) -> list[str]:
    return [t.step for t in referral.ready_tasks]
