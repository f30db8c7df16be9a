"""Raising a professional disagreement about a decision already made, and a manager's review of it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.disagreements import services
from app.disagreements.forms import RaiseDisagreementForm, ReviewDisagreementForm
from app.extensions import db
from app.forms import apply_errors
from app.models import ProfessionalDisagreement, record_audit_event
from app.permissions import Permission, requires
from app.referrals.routes import load_visible_referral
from app.transaction import savepoint

bp = Blueprint("disagreements", __name__)


@bp.route("/referrals/<int:referral_id>/disagreements/new", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def raise_disagreement(referral_id: int):
    referral = load_visible_referral(referral_id, for_update=request.method == "POST")
    form = RaiseDisagreementForm()
    refusal = services.why_not(current_user, referral)
    if refusal and request.method == "GET":
        return render_template("disagreements/raise.html", referral=referral, form=None, refusal=refusal)
    if form.validate_on_submit():
        try:
            with savepoint():
                services.raise_disagreement(current_user, referral, form.reason.data)
        except services.DisagreementInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash("Your disagreement has gone to the MASH managers.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="decisions"))
    return render_template(
        "disagreements/raise.html", referral=referral, form=form, refusal=None
    ), 400 if form.errors else 200


@bp.route("/referrals/<int:referral_id>/disagreements/<int:disagreement_id>", methods=["GET", "POST"])
@requires(Permission.REVIEW_DISAGREEMENTS)
def review(referral_id: int, disagreement_id: int):
    referral = load_visible_referral(referral_id, for_update=request.method == "POST")
    disagreement = db.session.get(ProfessionalDisagreement, disagreement_id)
    if disagreement is None or disagreement.referral_id != referral.id:
        abort(404)
    form = ReviewDisagreementForm()
    if request.method == "GET":
        record_audit_event(current_user, "viewed", f"referral:{referral.id}", page="disagreement")
    elif form.validate_on_submit():
        try:
            with savepoint():
                services.review(current_user, disagreement, form.upheld.answer, form.resolution.data)
        except services.DisagreementInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash("Review of the disagreement saved.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="decisions"))
    return render_template(
        "disagreements/review.html", referral=referral, disagreement=disagreement, form=form
    ), 400 if form.errors else 200
