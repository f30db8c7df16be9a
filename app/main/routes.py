from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from app.permissions import Permission, public, user_can

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    work = mash = None
    if user_can(current_user, Permission.WORK_TASKS):
        from app.domain.clock import utcnow
        from app.main.services import mash_work, oversees_the_mash
        from app.timers.inbox import counts

        now = utcnow()
        work = counts(current_user, now)
        if oversees_the_mash(current_user):
            mash = mash_work(current_user, now)
    return render_template("main/index.html", work=work, mash=mash)


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@public
def privacy():
    return render_template("main/privacy.html")


@bp.route("/healthz")
@public
def healthz():
    """For load balancers: the process is up and can reach its database."""
    from sqlalchemy import text

    from app.extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
