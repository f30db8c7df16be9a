"""Step handlers for the tasks the clocks add (registered in app.referrals.services.STEP_HANDLERS)."""

from __future__ import annotations

from app.domain.clock import london_today, utcnow
from app.extensions import db
from app.models import Assessment, EscalationAction
from app.referrals import workflow
from app.referrals.services import StepContext, StepInvalid, step
from app.timers import escalations
from app.workflow.contract import RAISED_BY, S47_OUTCOMES

ESCALATION_STEPS = tuple(step_id for step_id in RAISED_BY if step_id.startswith("escalate_"))


@step(*ESCALATION_STEPS)
def _escalation(ctx: StepContext) -> dict:
    escalation = escalations.for_task(ctx.referral, ctx.data["_task_id"])
    if escalation is None:  # raised before escalations were recorded: nothing to update
        raise StepInvalid({"action": "This escalation has no record. Ask your administrator to check it"})
    try:
        action = EscalationAction(ctx.data.get("action"))
    except ValueError:
        raise StepInvalid({"action": "Select what you have done about the late task"}) from None
    try:
        answers = escalations.resolve(
            ctx.actor,
            ctx.referral,
            escalation,
            action,
            note=ctx.data.get("note"),
            reassign_to_email=ctx.data.get("reassign_to"),
            extend_to=ctx.data.get("extend_to"),
        )
    except escalations.EscalationInvalid as error:
        raise StepInvalid(error.errors) from error
    if action is EscalationAction.EXTENDED:
        # The timer fires again at the new due time if the late task is still not done then.
        workflow.engine().rearm_timer(ctx.instance, escalation.late_task_id, escalation.extended_to)
    # The timeline shows what was done in words (a name, not an email address to look up).
    ctx.data.clear()
    ctx.data.update(answers)
    return {"escalation_action": action.value}


@step("police_protection_review")
def _police_protection_review(ctx: StepContext) -> dict:
    notification = ctx.referral.notification
    ended_at, plan = ctx.data.get("ended_at"), ctx.data.get("long_term_plan")
    errors = {}
    if ended_at is None:
        errors["ended_date"] = "Enter when police protection ended"
    elif ended_at > utcnow():
        errors["ended_date"] = "The time police protection ended must be now or in the past"
    elif notification.pp_started_at is not None and ended_at <= notification.pp_started_at:
        errors["ended_date"] = "Police protection must end after it started"
    if not plan:
        errors["long_term_plan"] = "Enter the long-term plan for the child"
    if errors:
        raise StepInvalid(errors)
    if notification.pp_rescinded_at is None:
        notification.pp_rescinded_at = ended_at
    # The wait for its end is over; ending it in the same instance saves both together.
    workflow.engine().end_wait(ctx.instance, "police_protection_in_force")
    escalation = escalations.for_task(ctx.referral, ctx.data["_task_id"])
    if escalation is not None:
        escalation.action = EscalationAction.RECORDED
        escalation.note = plan
        escalation.resolved_by = ctx.actor
        escalation.resolved_at = utcnow()
    ctx.data["rescinded_at"] = ctx.data.pop("ended_at")
    return {}


@step("assessment_outcome")
def _assessment_outcome(ctx: StepContext) -> dict:
    completed_on = ctx.data.get("completed_on")
    if completed_on is None:
        raise StepInvalid({"completed_on": "Enter the date the assessment was completed"})
    if completed_on > london_today():
        raise StepInvalid(
            {"completed_on": "The date the assessment was completed must be today or in the past"}
        )
    if completed_on < ctx.referral.received_at.date():
        raise StepInvalid(
            {"completed_on": "The assessment cannot be completed before the referral was received"}
        )
    kind = "s47" if ctx.referral.outcome in S47_OUTCOMES else "s17"
    db.session.add(
        Assessment(
            referral_id=ctx.referral.id,
            kind=kind,
            completed_on=completed_on,
            factors=list(ctx.data.get("factors") or []),
            outcome=ctx.data.get("outcome") or "",
            summary=ctx.data.get("summary") or "",
            recorded_by_id=ctx.actor.id,
        )
    )
    return {}
