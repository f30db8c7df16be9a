"""Inviting an agency from outside the MASH (a school) into a referral."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.forms import apply_errors
from app.participation import services
from app.participation.forms import InviteAgencyForm
from app.permissions import Permission, requires
from app.referrals.routes import load_visible_referral
from app.transaction import savepoint

bp = Blueprint("participation", __name__)


@bp.route("/referrals/<int:referral_id>/invite", methods=["GET", "POST"])
@requires(Permission.INVITE_AGENCIES)
def invite(referral_id: int):
    referral = load_visible_referral(referral_id, for_update=request.method == "POST")
    form = InviteAgencyForm()
    form.offer(services.may_be_invited(referral))
    if form.validate_on_submit():
        try:
            with savepoint():
                agency = services.invite(
                    current_user, referral, form.agency_id, form.basis.data, form.reason.data
                )
        except services.InvitationInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash(f"{agency.name} is invited and can now see this referral.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="agencies"))
    return render_template(
        "participation/invite.html", referral=referral, form=form, taking_part=services.taking_part(referral)
    ), 400 if form.errors else 200
