"""Where referrals come in: a police notification, or a contact from any other source."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.notifications.forms import ContactForm, PoliceNotificationForm
from app.permissions import Permission, requires
from app.referrals import services
from app.transaction import savepoint

bp = Blueprint("notifications", __name__)


def _intake(form, template: str):
    if form.is_submitted() and form.handle_list_buttons():
        return render_template(template, form=form)
    if form.validate_on_submit():
        try:
            with savepoint():
                referral = services.create_referral(current_user, form.to_service_data())
        except services.StepInvalid as error:
            form.add_service_errors(error.errors)
        else:
            flash(f"Referral {referral.reference} created and sent to MASH triage.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id))
    return render_template(template, form=form), 400 if form.errors else 200


@bp.route("/notifications/new", methods=["GET", "POST"])
@requires(Permission.SUBMIT_NOTIFICATION)
def new():
    return _intake(PoliceNotificationForm(), "notifications/police_notification.html")


@bp.route("/contacts/new", methods=["GET", "POST"])
@requires(Permission.RECORD_CONTACT)
def new_contact():
    return _intake(ContactForm(), "notifications/contact.html")
