"""People: search, a person's page, and resolving the possible matches offered at triage."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.routes import safe_next
from app.extensions import db
from app.models import Person, PersonMerge, PossibleMatch, record_audit_event
from app.people import services
from app.people.history import person_record
from app.people.search import search_people
from app.permissions import Permission, requires
from app.referrals.routes import load_visible_referral

bp = Blueprint("people", __name__)


def load_visible_person(person_id: int) -> Person:
    """403 for a person the user may not see and for one that does not exist."""
    person = db.session.get(Person, person_id)
    if person is None or not person.can_view(current_user):
        abort(403)
    return person


@bp.route("/people")
@requires(Permission.VIEW_REFERRALS)
def search():
    result = search_people(current_user, request.args.get("q", ""))
    return render_template("people/search.html", result=result, q=request.args.get("q", "")), (
        400 if result.problem else 200
    )


@bp.route("/people/<int:person_id>")
@requires(Permission.VIEW_REFERRALS)
def show(person_id: int):
    person = load_visible_person(person_id)
    if person.merged_into_id is not None:
        return redirect(url_for("people.show", person_id=person.merged_into_id))
    record_audit_event(current_user, "viewed", f"person:{person.id}", page="person")
    merges = db.session.query(PersonMerge).filter_by(survivor_id=person.id, undone_at=None).all()
    return render_template(
        "people/show.html", person=person, record=person_record(person, current_user), merges=merges
    )


@bp.route("/referrals/<int:referral_id>/possible-matches/<int:match_id>", methods=["POST"])
@requires(Permission.LINK_PEOPLE)
def resolve_match(referral_id: int, match_id: int):
    referral = load_visible_referral(referral_id)
    match = db.session.get(PossibleMatch, match_id)
    if match is None or match.referral_id != referral.id:
        abort(404)
    answer = request.form.get("answer")
    try:
        if answer == "same":
            services.confirm_match(current_user, match)
            flash(f"Linked: {match.involvement.full_name} is the person already known.", "success")
        elif answer == "different":
            services.reject_match(current_user, match)
            flash(f"Recorded: {match.involvement.full_name} is a different person.", "success")
        else:
            flash("Choose whether this is the same person or a different person")
    except services.PersonInvalid as error:
        flash(str(error))
    return redirect(
        safe_next(request.form.get("next_url")) or url_for("referrals.show", referral_id=referral.id)
    )


@bp.route("/people/merges/<int:merge_id>/undo", methods=["POST"])
@requires(Permission.LINK_PEOPLE)
def undo_merge(merge_id: int):
    record = db.session.get(PersonMerge, merge_id)
    if record is None:
        abort(404)
    load_visible_person(record.survivor_id)
    try:
        services.unmerge(current_user, record)
        flash("The two records are separate again, with their links as they were.", "success")
    except services.PersonInvalid as error:
        flash(str(error))
    return redirect(url_for("people.show", person_id=record.survivor_id))
