"""Recording the return home interview after a missing or absent episode."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import apply_errors
from app.missing import services
from app.missing.forms import InterviewForm
from app.models import MissingEpisode
from app.permissions import Permission, requires
from app.referrals.routes import load_visible_referral
from app.transaction import savepoint

bp = Blueprint("missing", __name__)


@bp.route("/referrals/<int:referral_id>/missing-episodes/<int:episode_id>/interview", methods=["GET", "POST"])
@requires(Permission.WORK_TASKS)
def interview(referral_id: int, episode_id: int):
    referral = load_visible_referral(referral_id)
    episode = db.session.get(MissingEpisode, episode_id)
    if episode is None or episode.referral_id != referral.id:
        abort(404)
    form = InterviewForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                services.record_interview(current_user, episode, **form.to_service_data())
        except services.EpisodeInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash("Return home interview recorded.", "success")
            return redirect(url_for("referrals.show", referral_id=referral.id, _anchor="missing"))
    child = next((c for c in referral.children if c.id == episode.child_id), None)
    return render_template(
        "missing/interview.html", referral=referral, episode=episode, child=child, form=form
    ), 400 if form.errors else 200
