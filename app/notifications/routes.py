"""Where referrals come in: a police notification, or a contact from any other source.

A police notification is written, checked and then sent: "Continue" keeps the answers in a
draft only its author sees and shows them to check; "Send notification" creates the referral.
"Save as draft" keeps the answers without checking them, to come back to.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import BaseForm
from app.models.drafts import MAX_DRAFTS_PER_AUTHOR, NotificationDraft
from app.notifications import drafts
from app.notifications.check_answers import check_your_answers
from app.notifications.forms import ContactForm, PoliceNotificationForm
from app.permissions import Permission, requires
from app.referrals import services
from app.transaction import savepoint

bp = Blueprint("notifications", __name__)

POLICE_FORM = "notifications/police_notification.html"


def _created(referral):
    flash(f"Referral {referral.reference} created and sent to MASH triage.", "success")
    return redirect(url_for("referrals.show", referral_id=referral.id))


@bp.route("/contacts/new", methods=["GET", "POST"])
@requires(Permission.RECORD_CONTACT)
def new_contact():
    form = ContactForm()
    if form.is_submitted() and form.handle_list_buttons():
        return render_template("notifications/contact.html", form=form)
    if form.validate_on_submit():
        try:
            with savepoint():
                return _created(services.create_referral(current_user, form.to_service_data()))
        except services.StepInvalid as error:
            form.add_service_errors(error.errors)
    return render_template("notifications/contact.html", form=form), 400 if form.errors else 200


def _own_draft(draft_id: int) -> NotificationDraft:
    draft = NotificationDraft.for_author(current_user, draft_id)
    if draft is None:  # someone else's draft does not exist for this user
        abort(404)
    return draft


def _write(draft: NotificationDraft | None):
    """The notification form, new or from a draft: add or remove a child or adult, save the
    draft as it is, or check the answers and go on to check them."""
    form = PoliceNotificationForm()
    if request.method == "GET":
        form = drafts.form_for(draft) if draft else form
        return render_template(POLICE_FORM, form=form, draft=draft)
    if form.handle_list_buttons():
        return render_template(POLICE_FORM, form=form, draft=draft)
    answers = drafts.answers_from(request.form, form)
    if form.save_draft.data:
        if form.unsaveable():
            return render_template(POLICE_FORM, form=form, draft=draft), 400
        try:
            draft = drafts.save(current_user, draft, answers)
        except drafts.DraftRefused as refusal:
            flash(str(refusal), "error")
            return render_template(POLICE_FORM, form=form, draft=draft), 400
        flash("Draft saved. Only you can see it.", "success")
        return redirect(url_for("notifications.list_drafts"))
    if form.validate_on_submit():
        try:
            draft = drafts.save(current_user, draft, answers)
        except drafts.DraftRefused as refusal:
            flash(str(refusal), "error")
        else:
            return redirect(url_for("notifications.check_draft", draft_id=draft.id))
    return render_template(POLICE_FORM, form=form, draft=draft), 400


@bp.route("/notifications/new", methods=["GET", "POST"])
@requires(Permission.SUBMIT_NOTIFICATION)
def new():
    return _write(None)


@bp.route("/notifications/drafts/<int:draft_id>", methods=["GET", "POST"])
@requires(Permission.SUBMIT_NOTIFICATION)
def edit_draft(draft_id: int):
    return _write(_own_draft(draft_id))


@bp.route("/notifications/drafts")
@requires(Permission.SUBMIT_NOTIFICATION)
def list_drafts():
    own = db.session.scalars(NotificationDraft.of_author(current_user).limit(MAX_DRAFTS_PER_AUTHOR)).all()
    return render_template("notifications/drafts.html", drafts=own, delete_form=BaseForm())


@bp.route("/notifications/drafts/<int:draft_id>/check", methods=["GET", "POST"])
@requires(Permission.SUBMIT_NOTIFICATION)
def check_draft(draft_id: int):
    """Check your answers, then send. The answers are checked again as the form checks them:
    if something no longer holds, the form shows why."""
    draft = _own_draft(draft_id)
    form = drafts.form_for(draft)
    confirm = BaseForm()
    if not form.validate():
        return render_template(POLICE_FORM, form=form, draft=draft), 400
    if confirm.validate_on_submit():
        try:
            with savepoint():
                return _created(drafts.send(current_user, draft, form))
        except services.StepInvalid as error:
            form.add_service_errors(error.errors)
            return render_template(POLICE_FORM, form=form, draft=draft), 400
    return render_template(
        "notifications/check_answers.html", draft=draft, confirm=confirm, sections=check_your_answers(form)
    )


@bp.route("/notifications/drafts/<int:draft_id>/delete", methods=["POST"])
@requires(Permission.SUBMIT_NOTIFICATION)
def delete_draft(draft_id: int):
    draft = _own_draft(draft_id)
    if BaseForm().validate_on_submit():
        drafts.delete(draft)
        flash("Draft deleted.", "success")
    return redirect(url_for("notifications.list_drafts"))
