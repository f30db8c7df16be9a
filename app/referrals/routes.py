"""Referral pages: the list, one referral's record, its diagram, and plan action updates."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.forms import apply_errors
from app.models import PlanAction, Referral, ReferralStatus
from app.permissions import Permission, requires
from app.referrals import services
from app.referrals.forms import PlanActionUpdateForm
from app.referrals.presenters import timeline

bp = Blueprint("referrals", __name__)


def load_visible_referral(referral_id: int, *, for_update: bool = False) -> Referral:
    """403 for a referral the user may not see *and* for one that does not exist,
    so that guessing ids reveals nothing."""
    referral = services.lock_referral(referral_id) if for_update else db.session.get(Referral, referral_id)
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
    return render_template(
        "referrals/show.html",
        referral=referral,
        timeline=timeline(referral),
        action_form=PlanActionUpdateForm(),
    )


@bp.route("/referrals/<int:referral_id>/diagram.bpmn")
@requires(Permission.VIEW_REFERRALS)
def diagram(referral_id: int):
    """The BPMN of the version this referral runs on, for the diagram viewer."""
    referral = load_visible_referral(referral_id)
    return Response(referral.spec_version.bpmn_xml, mimetype="application/xml")


@bp.route("/referrals/<int:referral_id>/actions/<int:action_id>", methods=["POST"])
@requires(Permission.WORK_TASKS)
def update_action(referral_id: int, action_id: int):
    referral = load_visible_referral(referral_id, for_update=True)
    action = db.session.scalar(select(PlanAction).where(PlanAction.id == action_id))
    if action is None or action.plan.referral_id != referral.id:
        abort(403)
    form = PlanActionUpdateForm()
    if form.validate_on_submit():
        try:
            services.update_plan_action(current_user, action, form.status.data, form.note.data or None)
        except services.StepInvalid as error:
            db.session.rollback()
            apply_errors(form, error.errors)
        else:
            db.session.commit()
            flash("Plan action updated.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="plan"))
    referral = load_visible_referral(referral_id)
    return render_template(
        "referrals/show.html", referral=referral, timeline=timeline(referral), action_form=form, failed_action_id=action_id
    ), 400
