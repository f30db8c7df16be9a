"""The user's alerts: a page of them, and marking them read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.alerts import services
from app.domain.whole_numbers import is_whole_number
from app.permissions import signed_in
from app.transaction import savepoint

bp = Blueprint("alerts", __name__)


@bp.route("/alerts")
@signed_in
def index():
    return render_template("alerts/index.html", alerts=services.for_user(current_user))


@bp.route("/alerts/read", methods=["POST"])
@signed_in
def mark_read():
    ids = [int(value) for value in request.form.getlist("alert") if is_whole_number(value)]
    with savepoint():
        count = services.mark_read(current_user, ids if request.form.get("all") != "1" else None)
    flash(
        f"{count} alert{'s' if count != 1 else ''} marked as read." if count else "No unread alerts.",
        "success",
    )
    return redirect(url_for("alerts.index"))
