"""Referral pages: the list, one referral's record, its diagram, plan action updates,
and what is recorded after the steps (the conference, the end of police protection)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.disagreements import services as disagreements
from app.domain.clock import london_today, utcnow
from app.extensions import db
from app.forms import apply_errors
from app.missing.services import episodes_of
from app.models import PlanAction, Referral, ReferralStatus, record_audit_event
from app.participation import services as participation
from app.people.presenters import referral_history
from app.permissions import Permission, lanes_for, requires
from app.referrals import recording, services
from app.referrals.forms import ConferenceForm, PlanActionUpdateForm, PoliceProtectionEndedForm
from app.referrals.presenters import recording_links, timeline
from app.transaction import savepoint

bp = Blueprint("referrals", __name__)


def load_visible_referral(referral_id: int, *, for_update: bool = False) -> Referral:
    """403 for a referral the user may not see *and* for one that does not exist,
    so that guessing ids reveals nothing."""
    referral = (
        services.lock_referral(referral_id, current_user)
        if for_update
        else db.session.get(Referral, referral_id)
    )
    if referral is None or not referral.can_view(current_user):
        abort(403)
    return referral


@bp.route("/referrals")
@requires(Permission.VIEW_REFERRALS)
def index():
    status = request.args.get("status", "open")
    query = Referral.visible_to(current_user).order_by(Referral.received_at.desc()).limit(200)
    if status in {s.value for s in ReferralStatus}:
        query = query.where(Referral.status == ReferralStatus(status))
    referrals = db.session.scalars(query).all()
    return render_template("referrals/index.html", referrals=referrals, status=status)


@bp.route("/referrals/<int:referral_id>")
@requires(Permission.VIEW_REFERRALS)
def show(referral_id: int):
    referral = load_visible_referral(referral_id)
    record_audit_event(current_user, "viewed", f"referral:{referral.id}", page="referral")
    return referral_page(referral, PlanActionUpdateForm())


def referral_page(referral: Referral, action_form: PlanActionUpdateForm, **extra) -> str:
    """The referral's record: its page, and the same page shown again with a refused action update."""
    return render_template(
        "referrals/show.html",
        referral=referral,
        timeline=timeline(referral, everything=referral.sees_everything(current_user)),
        links=recording_links(referral, lanes_for(current_user)),
        action_form=action_form,
        people_history=referral_history(referral) if referral.sees_everything(current_user) else None,
        episodes=episodes_of(referral),
        taking_part=participation.taking_part(referral),
        may_disagree=disagreements.why_not(current_user, referral) is None,
        **extra,
    )


@bp.route("/referrals/<int:referral_id>/diagram.bpmn")
@requires(Permission.VIEW_REFERRALS)
def diagram(referral_id: int):
    """The BPMN of the version this referral runs on, for the diagram viewer."""
    referral = load_visible_referral(referral_id)
    record_audit_event(current_user, "viewed", f"referral:{referral.id}", page="diagram")
    return Response(referral.spec_version.bpmn_xml, mimetype="application/xml")


@bp.route("/referrals/<int:referral_id>/actions/<int:action_id>", methods=["POST"])
@requires(Permission.UPDATE_PLAN_ACTIONS)
def update_action(referral_id: int, action_id: int):
    referral = load_visible_referral(referral_id, for_update=True)
    action = db.session.scalar(select(PlanAction).where(PlanAction.id == action_id))
    if action is None or action.plan.referral_id != referral.id or not action.can_update(current_user):
        abort(403)
    form = PlanActionUpdateForm()
    # The page numbers each action's boxes; the error summary must link to this action's.
    form.status.id, form.note.id = f"status-{action.id}", f"note-{action.id}"
    if form.validate_on_submit():
        try:
            with savepoint():
                services.update_plan_action(current_user, action, form.status.data, form.note.data or None)
        except services.StepInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash("Plan action updated.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="plan"))
    # `form` puts its errors in the summary at the top, even when the action has no form showing.
    return referral_page(load_visible_referral(referral_id), form, form=form, failed_action_id=action_id), 400


def _require_lane(lane: str) -> None:
    if lane not in lanes_for(current_user):
        abort(403)


def _record_after_steps(
    referral_id: int,
    *,
    lane: str,
    can_record,
    not_now: str,
    form,
    record,
    done: str,
    template: str,
    anchor: str | None = None,
):
    """One thing recorded on a referral outside its workflow steps, by a user in `lane`:
    load and authorise, validate the form, call the service (`record(referral)`), redirect."""
    _require_lane(lane)
    referral = load_visible_referral(referral_id, for_update=request.method == "POST")
    back = url_for("referrals.show", referral_id=referral.id, _anchor=anchor)
    if not can_record(referral):
        flash(not_now, "info")
        return redirect(back)
    if form.validate_on_submit():
        try:
            with savepoint():
                record(referral)
        except services.StepInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash(done, "success")
            return redirect(back)
    return render_template(template, referral=referral, form=form), 400 if form.errors else 200


@bp.route("/referrals/<int:referral_id>/conference", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def record_conference(referral_id: int):
    """Social care records that the initial child protection conference was held, or is not required."""
    form = ConferenceForm()

    def record(referral):
        data = form.to_service_data()
        recording.record_conference(
            current_user, referral, data["held_on"], data["not_required_reason"], london_today()
        )

    return _record_after_steps(
        referral_id,
        lane=recording.CONFERENCE_LANE,
        can_record=recording.conference_can_be_recorded,
        not_now="The conference outcome is already recorded, or no s47 enquiry was started.",
        form=form,
        record=record,
        done="Conference outcome recorded.",
        template="referrals/conference.html",
        anchor="decisions",
    )


@bp.route("/referrals/<int:referral_id>/police-protection-ended", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def record_police_protection_ended(referral_id: int):
    """Police record when police protection ended (the time the power was rescinded)."""
    form = PoliceProtectionEndedForm()
    return _record_after_steps(
        referral_id,
        lane=recording.POLICE_PROTECTION_LANE,
        can_record=recording.police_protection_end_can_be_recorded,
        not_now="When police protection ended is already recorded, or it was not used.",
        form=form,
        record=lambda referral: recording.record_police_protection_ended(
            current_user, referral, form.ended_at(), utcnow()
        ),
        done="The end of police protection is recorded.",
        template="referrals/police_protection_ended.html",
    )
