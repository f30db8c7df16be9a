"""The audit dashboard and the gap lists, with their CSV exports."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.audit import bp
from app.audit.charts import bar_chart
from app.audit.csv_export import csv_response
from app.audit.dashboard import build_dashboard
from app.audit.gaps import GAPS_BY_SLUG, OWNER_LABELS, count_cases, page_of_rows, rows_in_chunks
from app.audit.scope import areas_for, scope_from_args
from app.models import record_audit_event
from app.paging import requested_page
from app.permissions import Permission, requires


@bp.route("/")
@requires(Permission.AUDIT)
def dashboard():
    scope, errors = scope_from_args(request.args, current_user)
    figures = build_dashboard(scope)
    chart = bar_chart(
        "Cases in each gap", [(f"{f.gap.number}. {f.gap.title}", f.cases) for f in figures.gaps]
    )
    trend = bar_chart(
        "Cases in any gap, by month received",
        list(zip((m.label for m in figures.months), figures.any_gap_by_month, strict=True)),
    )
    return render_template(
        "audit/dashboard.html",
        figures=figures,
        chart=chart,
        trend=trend,
        scope=scope,
        errors=errors,
        areas=areas_for(current_user.agency_id),
    )


def _gap_or_404(slug: str):
    gap = GAPS_BY_SLUG.get(slug)
    if gap is None:
        abort(404)
    return gap


def _owner_arg() -> str | None:
    owner = request.args.get("owner") or None
    return owner if owner in OWNER_LABELS else None


@bp.route("/gaps/<slug>")
@requires(Permission.AUDIT)
def gap_list(slug: str):
    gap = _gap_or_404(slug)
    scope, errors = scope_from_args(request.args, current_user)
    owner = _owner_arg()
    rows = page_of_rows(slug, scope, owner, requested_page(request.args))
    args = scope.as_args() | ({"owner": owner} if owner else {})
    return render_template(
        "audit/gap_list.html",
        gap=gap,
        rows=rows,
        scope=scope,
        errors=errors,
        owner=owner,
        owner_labels=OWNER_LABELS,
        args=args,
        page_args=args | {"slug": slug},
        areas=areas_for(current_user.agency_id),
    )


@bp.route("/gaps/<slug>.csv")
@requires(Permission.AUDIT)
def gap_list_csv(slug: str):
    gap = _gap_or_404(slug)
    scope, errors = scope_from_args(request.args, current_user)
    if errors:
        # Nothing is downloaded or recorded: the list page says what is wrong with the filter.
        return gap_list(slug), 400
    owner = _owner_arg()
    filters = scope.as_args() | ({"owner": owner} if owner else {})
    cases = count_cases(slug, scope, owner)
    record_audit_event(current_user, "export", f"gap-list:{slug}", cases=cases, filters=filters)
    headings = [
        "Referral",
        "Received",
        "Local authority area",
        "Children",
        gap.detail_heading,
        gap.how_long_heading or "How long",
        "Owner of the next step",
    ]
    return csv_response(
        f"front-door-gap-{gap.number}-{slug}-{scope.period_start}-to-{scope.period_end}.csv",
        headings,
        (
            [
                row.reference,
                row.received_at.isoformat(timespec="minutes"),
                row.area or "",
                "; ".join(row.children),
                row.detail,
                row.how_long,
                row.owner_labels,
            ]
            for row in rows_in_chunks(slug, scope, owner)
        ),
    )
