"""People: search, a person's page, and resolving the possible matches offered at triage."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.routes import safe_next
from app.extensions import db
from app.forms import apply_errors
from app.models import Person, PersonFlag, PersonMerge, PossibleMatch, RelationshipKind, record_audit_event
from app.people import relationships, services
from app.people.forms import AddRelationshipForm, EndRelationshipForm, FlagsForm
from app.people.history import person_record
from app.people.search import search_people
from app.permissions import Permission, requires, user_can
from app.referrals.routes import load_visible_referral
from app.transaction import savepoint

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
        "people/show.html",
        person=person,
        record=person_record(person, current_user),
        merges=merges,
        related=relationships.relationships_of(person, current_user),
        duplicates=services.possible_duplicates(person, current_user)
        if user_can(current_user, Permission.LINK_PEOPLE)
        else [],
        flag_changes=relationships.flag_history(person),
    )


def load_current_person(person_id: int) -> Person:
    """A person the user may see who has not been joined to another record."""
    person = load_visible_person(person_id)
    if person.merged_into_id is not None:
        abort(404)
    return person


@bp.route("/people/<int:person_id>/relationships/new", methods=["GET", "POST"])
@requires(Permission.LINK_PEOPLE)
def add_relationship(person_id: int):
    person = load_current_person(person_id)
    form = AddRelationshipForm()
    linked = [other for other, _, _ in person_record(person, current_user).linked]
    form.other_id.choices = [("", "Choose a person")] + [
        (str(p.id), f"{p.full_name}, born {p.date_of_birth:%-d %B %Y}" if p.date_of_birth else p.full_name)
        for p in linked
    ]
    if form.validate_on_submit():
        other = db.session.get(Person, int(form.other_id.data))
        try:
            with savepoint():
                relationships.correct_relationship(
                    current_user,
                    person,
                    other,
                    RelationshipKind(form.kind.data),
                    ended=False,
                    reason=form.reason.data,
                )
        except services.PersonInvalid as error:
            apply_errors(form, {("other_id" if k == "other" else k): v for k, v in error.errors.items()})
        else:
            flash(f"Relationship added to {person.full_name}'s record.", "success")
            return redirect(url_for("people.show", person_id=person.id, _anchor="relationships"))
    return render_template("people/add_relationship.html", person=person, form=form, linked=linked), (
        400 if form.errors else 200
    )


@bp.route("/people/<int:person_id>/relationships/<kind>/<int:other_id>/remove", methods=["GET", "POST"])
@requires(Permission.LINK_PEOPLE)
def end_relationship(person_id: int, kind: str, other_id: int):
    person = load_current_person(person_id)
    try:
        kind = RelationshipKind(kind)
    except ValueError:
        abort(404)
    shown = next(
        (
            r
            for r in relationships.relationships_of(person, current_user).shown
            if r.kind is kind and r.other.id == other_id
        ),
        None,
    )
    if shown is None:
        abort(404)
    form = EndRelationshipForm()
    if form.validate_on_submit():
        try:
            with savepoint():
                relationships.correct_relationship(
                    current_user, person, shown.other, kind, ended=True, reason=form.reason.data
                )
        except services.PersonInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash(f"Removed: {person.full_name} {shown.label.lower()} {shown.other.full_name}.", "success")
            return redirect(url_for("people.show", person_id=person.id, _anchor="relationships"))
    return render_template("people/end_relationship.html", person=person, relationship=shown, form=form), (
        400 if form.errors else 200
    )


@bp.route("/people/<int:person_id>/flags", methods=["GET", "POST"])
@requires(Permission.RECORD_FLAGS)
def flags(person_id: int):
    person = load_current_person(person_id)
    form = FlagsForm()
    if request.method == "GET":
        form.flags.data = [f.value for f in PersonFlag if getattr(person, f.value)]
    elif form.validate_on_submit():
        try:
            with savepoint():
                relationships.set_flags(
                    current_user, person, {PersonFlag(v) for v in form.flags.data or []}, form.reason.data
                )
        except services.PersonInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash(f"Flags saved on {person.full_name}'s record.", "success")
            return redirect(url_for("people.show", person_id=person.id, _anchor="flags"))
    return render_template("people/flags.html", person=person, form=form), 400 if form.errors else 200


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


def _reason_given() -> str | None:
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash("Enter why you are making this change. Nothing has changed.")
        return None
    if len(reason) > 2000:
        flash("The reason must be 2000 characters or fewer. Nothing has changed.")
        return None
    return reason


@bp.route("/people/merges/<int:merge_id>/undo", methods=["POST"])
@requires(Permission.LINK_PEOPLE)
def undo_merge(merge_id: int):
    record = db.session.get(PersonMerge, merge_id)
    if record is None:
        abort(404)
    load_visible_person(record.survivor_id)
    reason = _reason_given()
    if reason is not None:
        try:
            with savepoint():
                services.unmerge(current_user, record, reason)
            flash("The two records are separate again, with their links as they were.", "success")
        except services.PersonInvalid as error:
            flash(str(error))
    return redirect(url_for("people.show", person_id=record.survivor_id, _anchor="merges"))


@bp.route("/people/<int:person_id>/merge/<int:other_id>", methods=["POST"])
@requires(Permission.LINK_PEOPLE)
def merge(person_id: int, other_id: int):
    """Join another record of the same person to this one, with a reason."""
    person = load_current_person(person_id)
    other = load_visible_person(other_id)
    reason = _reason_given()
    if reason is not None:
        try:
            with savepoint():
                services.merge(current_user, survivor=person, merged=other, reason=reason)
            flash(f"Joined: {other.full_name}'s record is now part of {person.full_name}'s.", "success")
        except services.PersonInvalid as error:
            flash(str(error))
    return redirect(url_for("people.show", person_id=person.id, _anchor="duplicates"))
