"""The task inbox and the page for completing one task."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.models import record_audit_event
from app.paging import requested_page
from app.people.presenters import referral_history
from app.permissions import Permission, lanes_for, requires
from app.referrals import services, workflow
from app.referrals.presenters import OUTCOME_LABELS, agency_findings
from app.referrals.routes import load_visible_referral
from app.tasks import completion
from app.tasks.forms import TASK_FORMS
from app.timers.clocks import deadlines_for
from app.timers.inbox import InboxFilters, inbox_page
from app.timers.routes import escalation_context
from app.transaction import savepoint
from app.workflow.contract import RAISED_BY

#: The inbox lists the soonest of the other deadlines (plan actions, conferences, reviews, interviews).
DEADLINES_SHOWN = 50

bp = Blueprint("tasks", __name__)


@bp.route("/tasks")
@requires(Permission.WORK_TASKS)
def inbox():
    now = services.utcnow()
    filters = InboxFilters.from_args(request.args, current_user)
    tasks = inbox_page(current_user, filters, now, requested_page(request.args))
    # Plan actions and conferences have no RAG rating or assignee: shown unless filtered by those,
    # under the first page of tasks.
    deadlines = []
    if tasks.number == 1 and not (filters.rag or filters.unassigned or filters.mine):
        deadlines = [
            d
            for d in deadlines_for(current_user, limit=DEADLINES_SHOWN + 1)  # one more: are there others?
            if (not filters.overdue or d.due_at < now) and (not filters.lane or d.lane == filters.lane)
        ]
    return render_template(
        "tasks/inbox.html",
        tasks=tasks,
        deadlines=deadlines[:DEADLINES_SHOWN],
        more_deadlines=len(deadlines) > DEADLINES_SHOWN,
        now=now,
        filters=filters,
        lanes=sorted(lanes_for(current_user)),
        deadlines_shown=DEADLINES_SHOWN,
    )


@bp.route("/referrals/<int:referral_id>/tasks/<task_id>/pick-up", methods=["POST"])
@requires(Permission.WORK_TASKS)
def pick_up(referral_id: int, task_id: str):
    referral = load_visible_referral(referral_id, for_update=True)
    try:
        with savepoint():
            services.assign_task(current_user, referral, task_id)
    except services.NotAllowed:
        abort(403)
    except services.StaleSubmission as error:
        flash(str(error))
        return redirect(url_for("tasks.inbox"))
    flash("Task picked up. It now shows as yours.", "success")
    return redirect(
        request.form.get("next") == "task"
        and url_for("tasks.task", referral_id=referral_id, task_id=task_id)
        or url_for("tasks.inbox")
    )


def _gone(referral, error: services.StaleSubmission, task_id: str, step: str | None = None):
    """409: the task is not there to complete. A refused submission is shown back to its author."""
    refused = (
        completion.refused_submission(referral, task_id, step, request.form)
        if request.method == "POST"
        else None
    )
    return render_template("tasks/gone.html", referral=referral, message=str(error), refused=refused), 409


# The decision pages that show the children's history across referrals.
HISTORY_STEPS = frozenset(
    {
        "triage",
        "threshold_decision",
        "resolve_disagreement",
        "manager_sign_off",
        "strategy_discussion",
        "protective_plan",
    }
)
# The decision pages that show the recommendation.
DECISION_STEPS = frozenset({"threshold_decision", "resolve_disagreement", "manager_sign_off"})
# The pages that show what each agency's research found so far: the decisions, the plan,
# and each agency's own research (beside the others' findings already in).
FINDINGS_STEPS = DECISION_STEPS | {
    "strategy_discussion",
    "protective_plan",
    "police_research",
    "health_research",
    "social_care_research",
}


def _answer(referral, step_name: str, key: str):
    """The latest answer `key` recorded at `step_name` on this referral."""
    for step in reversed(referral.steps):
        if step.step == step_name:
            return step.answers.get(key)
    return None


def _context(referral, ready) -> dict:
    """Extra, read-only things some task pages show beside the form."""
    context: dict = {}
    decision = referral.threshold_decision
    if ready.step in DECISION_STEPS:
        data = workflow.engine().data(workflow.load(referral))
        context["recommendation"] = {
            "outcome": OUTCOME_LABELS.get(
                data.get("recommended_outcome"), data.get("recommended_outcome") or ""
            ),
            "rule": data.get("recommendation_rule") or "",
        }
    if ready.step in HISTORY_STEPS:
        context["people_history"] = referral_history(referral)
    if ready.step in FINDINGS_STEPS:
        context["research"] = agency_findings(referral)
    if ready.step in {"resolve_disagreement", "manager_sign_off"} and decision is not None:
        context["decision"] = {
            "outcome": OUTCOME_LABELS.get(decision.outcome, decision.outcome),
            "rationale": decision.rationale,
            "history_weighed": _answer(referral, "threshold_decision", "history_weighed"),
            "decided_by": decision.decided_by.full_name if decision.decided_by else None,
        }
    if ready.step == "resolve_disagreement" and decision is not None:
        context["disagreements"] = [
            {
                "agency": step.agency.name if step.agency else step.lane,
                "reason": step.answers.get("disagreement_reason"),
            }
            for step in referral.steps
            if step.step.endswith("_research") and step.answers.get("disagrees")
        ]
        if decision.escalation_reason:
            context["disagreements"].append(
                {"agency": "Recorded at the threshold decision", "reason": decision.escalation_reason}
            )
    if ready.step in {"police_confirm_plan", "health_confirm_plan", "close_plan"}:
        context["plan"] = referral.plan
    if ready.step in RAISED_BY:
        context |= escalation_context(referral, ready)
    return context


@bp.route("/referrals/<int:referral_id>/tasks/<task_id>", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def task(referral_id: int, task_id: str):
    referral = load_visible_referral(referral_id, for_update=request.method == "POST")
    try:
        ready = completion.task_to_complete(current_user, referral, task_id)
    except services.StaleSubmission as error:
        return _gone(referral, error, task_id)
    except services.NotAllowed:
        abort(403)
    form = TASK_FORMS[ready.step]()
    if request.method == "GET":
        form.version.data = services.version_token(referral, ready)
        if start_from := getattr(form, "start_from", None):
            start_from(referral)  # a form that starts from what earlier steps agreed
        record_audit_event(current_user, "viewed", f"referral:{referral.id}", page="task", step=ready.step)
    elif getattr(form, "handle_list_buttons", None) and form.handle_list_buttons():
        pass  # added or removed a row: show the form again, nothing saved
    elif form.validate_on_submit():
        try:
            completion.complete_task(current_user, referral, ready, form)
        except services.StepInvalid as error:
            # Task forms place service errors themselves, list rows included.
            for message in form.apply_service_errors(error.errors):
                flash(message)
        except services.StaleSubmission as error:
            return _gone(referral, error, task_id, ready.step)
        except services.NotAllowed:
            abort(403)
        else:
            flash(f"{ready.title}: saved.", "success")
            return redirect(url_for("referrals.show", referral_id=referral_id))
    if for_referral := getattr(form, "for_referral", None):
        for_referral(referral)  # a form that names this referral's own agencies
    status = 400 if form.errors else 200
    return render_template(
        f"tasks/{ready.step}.html", form=form, referral=referral, task=ready, **_context(referral, ready)
    ), status
