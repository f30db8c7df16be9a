"""Escalations: a timer fired and raised a task. Recording it, telling people, and acting on it.

When a task a timer raised first appears, an ``Escalation`` row keeps what is
late, its due time and who owned it, a timeline entry says so, and the people
who must act are alerted. A manager then records what was done, reassigns the
late task, or extends its due time with a reason (``resolve``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.alerts import services as alerts
from app.domain.clock import utcnow
from app.extensions import db
from app.models import AlertKind, Escalation, EscalationAction, ReadyTask, Referral, StepRecord, User
from app.timers import due as due_times
from app.timers import settings
from app.timers.words import span_in_words
from app.workflow.contract import RAISED_BY
from app.workflow.engine import ReadyTask as EngineReadyTask

POLICE_PROTECTION_TITLE = "Police protection (Children Act 1989 s46)"


def _field(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def tasks_appeared(
    referral: Referral, tasks: list[EngineReadyTask], rows: dict[str, dict], existing: dict[str, ReadyTask]
) -> None:
    """Called by referrals.workflow.save for the tasks that have just appeared (``rows`` by task id)."""
    now = utcnow()
    people = alerts.users_by_lane(referral, {task.lane for task in tasks})
    for task in tasks:
        if task.bpmn_id in RAISED_BY:
            _raise(referral, task, rows, existing, now)
        else:
            alerts.alert(
                people.get(task.lane, []),
                referral,
                AlertKind.NEW_TASK,
                f"{referral.reference}: new task, {task.title}",
                task_id=task.id,
                key=f"new:{referral.id}:{task.id}",
                fresh=True,
            )


def _raise(
    referral: Referral, task: EngineReadyTask, rows: dict, existing: dict, now: datetime
) -> Escalation:
    timer = RAISED_BY[task.bpmn_id]
    late_row = existing.get(task.late_task_id or "") or rows.get(task.late_task_id or "")
    if late_row is not None:
        late_title, late_lane = _field(late_row, "title"), _field(late_row, "lane")
        late_due, working = _field(late_row, "due_at"), bool(_field(late_row, "working_time"))
        owner_id = _field(late_row, "assigned_to_id")
    else:  # police protection: the late step is a wait, not a person's task
        started = referral.notification.pp_started_at if referral.notification else None
        late = due_times.police_protection(started or referral.received_at)
        late_title, late_lane, late_due, working, owner_id = (
            POLICE_PROTECTION_TITLE,
            "Police",
            late.at,
            False,
            None,
        )
    escalation = Escalation(
        referral=referral,
        task_id=task.id,
        step=task.bpmn_id,
        timer=timer.bpmn_id,
        late_task_id=task.late_task_id,
        late_step=timer.attached_to,
        late_title=late_title,
        late_lane=late_lane,
        late_due_at=late_due,
        late_working_time=working,
        owner_id=owner_id,
        raised_at=now,
    )
    db.session.add(escalation)
    owner = db.session.get(User, owner_id) if owner_id else None
    late_by = overdue_by(escalation, now)
    owner_text = owner.full_name if owner else f"{late_lane} (not picked up)"
    record = StepRecord(
        step=f"{timer.bpmn_id}_fired",
        title=f"Escalated: {late_title} overdue",
        lane=task.lane,
        answers={
            "late_task": late_title,
            "was_due": late_due.isoformat(),
            "overdue_by": late_by,
            "owner": owner_text,
            "raised_for": task.lane,
        },
        at=now,
    )
    record.referral = referral
    db.session.add(record)
    people = alerts.lane_users(referral, task.lane)
    if owner is not None:
        people.append(owner)
    alerts.alert(
        people,
        referral,
        AlertKind.ESCALATION,
        f"{referral.reference}: {late_title} is overdue by {late_by}",
        task_id=task.id,
        key=f"escalation:{referral.id}:{task.id}",
        fresh=True,
    )
    return escalation


def overdue_by(escalation: Escalation, now: datetime) -> str:
    if now <= escalation.late_due_at:
        return "0 minutes"
    return span_in_words(
        escalation.late_due_at,
        now,
        working_time=escalation.late_working_time,
        calendar=settings.working_calendar(),
    )


def for_task(referral: Referral, task_id: str) -> Escalation | None:
    return db.session.scalar(
        select(Escalation).where(Escalation.referral_id == referral.id, Escalation.task_id == task_id)
    )


def late_task(referral: Referral, escalation: Escalation) -> ReadyTask | None:
    """The late task, while it is still waiting to be done."""
    return next((t for t in referral.ready_tasks if t.task_id == escalation.late_task_id), None)


def eligible_assignees(referral: Referral, lane: str) -> list[User]:
    return alerts.lane_users(referral, lane)


class EscalationInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def resolve(
    actor: User,
    referral: Referral,
    escalation: Escalation,
    action: EscalationAction,
    *,
    note: str | None,
    reassign_to_email: str | None = None,
    extend_to: datetime | None = None,
) -> dict[str, Any]:
    """Record what the manager did; returns what the timeline shows. Raises EscalationInvalid."""
    now = utcnow()
    late = late_task(referral, escalation)
    answers: dict[str, Any] = {"action": action.label, "late_task": escalation.late_title}
    if action is EscalationAction.RECORDED:
        if not note:
            raise EscalationInvalid({"note": "Say what was done about the late task"})
    elif action is EscalationAction.REASSIGNED:
        if late is None:
            raise EscalationInvalid(
                {
                    "action": f"{escalation.late_title} is already done, so it cannot be reassigned: record what was done"
                }
            )
        email = (reassign_to_email or "").strip().lower()
        if not email:
            raise EscalationInvalid(
                {"reassign_to": "Enter the email address of the person to give the task to"}
            )
        person = next((u for u in eligible_assignees(referral, late.lane) if u.email.lower() == email), None)
        if person is None:
            raise EscalationInvalid(
                {
                    "reassign_to": f"{email} is not someone who works {late.lane} tasks in an agency "
                    "taking part in this referral"
                }
            )
        late.assigned_to = person
        escalation.reassigned_to = person
        answers["reassigned_to"] = person.full_name
    elif action is EscalationAction.EXTENDED:
        if late is None:
            raise EscalationInvalid(
                {"action": f"{escalation.late_title} is already done, so its due time cannot be extended"}
            )
        if not note:
            raise EscalationInvalid({"note": "Give the reason for extending the due time"})
        if extend_to is None:
            raise EscalationInvalid({"extend_to": "Enter the new due date and time"})
        if extend_to <= now:
            raise EscalationInvalid({"extend_to": "The new due time must be in the future"})
        late.due_at = extend_to
        late.due_basis = f"Extended by {actor.full_name}: {note}"[:200]
        late.working_time = False
        late.due_soon_alerted = False
        escalation.extended_to = extend_to
        answers["extended_to"] = extend_to.isoformat()
    if note:
        answers["note"] = note
    escalation.action = action
    escalation.note = note
    escalation.resolved_by = actor
    escalation.resolved_at = now
    return answers
