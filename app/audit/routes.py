"""The audit dashboard and the gap lists, with their CSV exports."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.audit import bp
from app.audit.charts import bar_chart
from app.audit.csv_export import csv_response
from app.audit.dashboard import build_dashboard
from app.audit.gaps import GAPS_BY_SLUG, OWNER_LABELS, attach_children, rows_for
from app.audit.scope import areas_for, scope_from_args
from app.models import record_audit_event
from app.permissions import Permission, requires
from app.urls import database_id

PAGE_SIZE = 50


@bp.route("/")
@requires(Permission.AUDIT)
def dashboard():
    scope, errors = scope_from_args(request.args, current_user)
    figures = build_dashboard(scope)
    chart = bar_chart(
        "Cases in each gap",
        [
            (
                f"{f.gap.number}. {f.gap.title}",
                f.cases,
                url_for("audit.gap_list", slug=f.gap.slug, **scope.as_args()),
            )
            for f in figures.gaps
        ],
    )
    trend = bar_chart(
        "Cases in any gap, by month received",
        [(m.label, n, None) for m, n in zip(figures.months, figures.any_gap_by_month, strict=True)],
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
    rows = rows_for(slug, scope, owner)
    cases = len({row.referral_id for row in rows})
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=database_id) or 1, 1), pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    attach_children(shown)
    args = scope.as_args() | ({"owner": owner} if owner else {})
    return render_template(
        "audit/gap_list.html",
        gap=gap,
        rows=shown,
        total_rows=len(rows),
        cases=cases,
        page=page,
        pages=pages,
        scope=scope,
        errors=errors,
        owner=owner,
        owner_labels=OWNER_LABELS,
        args=args,
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
    rows = rows_for(slug, scope, owner)
    attach_children(rows)
    filters = scope.as_args() | ({"owner": owner} if owner else {})
    record_audit_event(current_user, "export", f"gap-list:{slug}", rows=len(rows), filters=filters)
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
            for row in rows
        ),
    )
