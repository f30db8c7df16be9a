"""Completing a task from its form: the one path the task page and the API share.

The page and the API differ only in where the form's data comes from (a posted
form, or JSON) and in how they answer (HTML or JSON); which task may be
completed, by whom, and what completing it writes is decided here.
"""

from __future__ import annotations

from app.models import ReadyTask, Referral, StepRecord, User
from app.permissions import lanes_for
from app.referrals import services
from app.transaction import savepoint


def task_to_complete(user: User, referral: Referral, task_id: str) -> ReadyTask:
    """The ready task `task_id` of `referral`, if it is in one of `user`'s lanes.

    Raises StaleSubmission if the task is not ready (completed already, or never
    there), and NotAllowed if it belongs to another lane.
    """
    ready = services.find_ready_task(referral, task_id)
    if ready is None:
        raise services.StaleSubmission()
    if ready.lane not in lanes_for(user):
        raise services.NotAllowed()
    return ready


def complete_task(user: User, referral: Referral, ready: ReadyTask, form) -> StepRecord:
    """Complete `ready` with the answers on its validated form.

    If the service refuses (StepInvalid, StaleSubmission or NotAllowed) the
    exception reaches the caller and nothing the service wrote is kept, so the
    caller can show the form again while the rest of its request commits.
    """
    with savepoint():
        return services.complete_task(
            user, referral, ready.task_id, form.version.data, form.to_service_data()
        )
