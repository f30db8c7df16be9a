"""Ofsted ILACS Annex A lists 1, 3 and 5: the page that explains them, and their CSV downloads."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.audit import bp, ilacs
from app.audit.csv_export import csv_response
from app.audit.scope import areas_for, scope_from_args
from app.permissions import Permission, requires


def _page(scope, errors, status: int = 200):
    return render_template(
        "audit/ilacs.html",
        scope=scope,
        errors=errors,
        lists=ilacs.LISTS.values(),
        counts=ilacs.row_counts(scope),
        areas=areas_for(current_user.agency_id),
        values=request.args,
    ), status


@bp.get("/ilacs", endpoint="ilacs")
@requires(Permission.AUDIT)
def ilacs_page():
    scope, errors = scope_from_args(request.args, current_user)
    return _page(scope, errors)


@bp.get("/ilacs/<slug>.csv", endpoint="ilacs_csv")
@requires(Permission.AUDIT)
def ilacs_csv(slug: str):
    annex_list = ilacs.LISTS.get(slug) or abort(404)
    scope, errors = scope_from_args(request.args, current_user)
    if errors:
        # Never download a different period from the one asked for: show what is wrong instead.
        return _page(scope, errors, 400)
    ilacs.record_export(current_user._get_current_object(), slug, scope)
    return csv_response(annex_list.filename(scope), annex_list.headings, ilacs.rows(slug, scope))
