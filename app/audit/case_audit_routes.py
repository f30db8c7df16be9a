"""Case audits, audit samples and audit results (views on the audit blueprint).

Every view reads: load, authorise, validate, call one service, redirect (the request commits).
A case or sample outside the user's agency gets 403, as does an id that does not exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.audit import bp, case_audits
from app.audit.case_audit_forms import CaseAuditForm, DrawSampleForm
from app.audit.charts import stacked_bar_chart
from app.audit.csv_export import csv_response
from app.audit.scope import AuditScope, areas_for, scope_from_args
from app.domain.clock import LONDON
from app.forms import apply_errors
from app.models import AuditStage, Grade, record_audit_event
from app.permissions import Permission, lanes_for, requires
from app.referrals.presenters import OUTCOME_LABELS, recording_links, timeline
from app.transaction import savepoint
from app.urls import database_id

PAGE_SIZE = 50
GRADE_SERIES = [grade.label for grade in Grade]


def _case_or_403(referral_id: int):
    referral = case_audits.auditable_case(current_user, referral_id)
    if referral is None:
        abort(403)
    return referral


def _sample_or_403(sample_id: int):
    sample = case_audits.visible_sample(current_user, sample_id)
    if sample is None:
        abort(403)
    return sample


def _page_arg() -> int:
    return max(request.args.get("page", 1, type=database_id) or 1, 1)


# --- Case audits ----------------------------------------------------------------------


@bp.route("/cases/<int:referral_id>/audit", methods=["GET", "POST"])
@requires(Permission.RECORD_CASE_AUDIT)
def record_case_audit(referral_id: int):
    referral = _case_or_403(referral_id)
    sample = None
    if request.args.get("sample_id"):
        sample = _sample_or_403(request.args.get("sample_id", type=database_id) or 0)
        if not case_audits.sample_contains(sample, referral):
            abort(403)
    initial = (
        CaseAuditForm.initial_data(case_audits.default_agencies(referral))
        if request.method == "GET"
        else None
    )
    form = CaseAuditForm(data=initial)
    if form.validate_on_submit():
        answers = form.to_service_data()
        try:
            with savepoint():
                audit = case_audits.record_case_audit(
                    current_user, referral, answers["grades"], answers["summary"], sample
                )
        except case_audits.AuditInvalid as error:
            apply_errors(form, error.errors)
        else:
            flash(f"Case audit of {referral.reference} recorded.", "success")
            if sample is not None:
                return redirect(url_for("audit.sample", sample_id=sample.id))
            return redirect(url_for("audit.case_audit", audit_id=audit.id))
    return render_template(
        "audit/case_audit_form.html",
        form=form,
        referral=referral,
        sample=sample,
        timeline=timeline(referral),
        links=recording_links(referral, lanes_for(current_user)),
        facts=case_audits.case_facts(referral),
        criteria=case_audits.criteria_for(referral),
        stages=list(AuditStage),
    ), (400 if form.errors else 200)


@bp.route("/cases", endpoint="case_audits")
@requires(Permission.AUDIT)
def case_audit_list():
    reference = (request.args.get("reference") or "").strip()
    reference_error = None
    if reference:
        found = case_audits.find_case_by_reference(current_user, reference)
        if found is not None:
            return redirect(url_for("audit.record_case_audit", referral_id=found.id))
        reference_error = f"There is no case {reference} among your agency's cases. Check the reference"
    page = _page_arg()
    audits, total = case_audits.case_audits_page(current_user, page, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "audit/case_audits.html",
        audits=audits,
        total=total,
        page=page,
        pages=pages,
        reference=reference,
        reference_error=reference_error,
    )


@bp.route("/case-audits/<int:audit_id>")
@requires(Permission.AUDIT)
def case_audit(audit_id: int):
    audit = case_audits.visible_case_audit(current_user, audit_id)
    if audit is None:
        abort(403)
    return render_template("audit/case_audit.html", audit=audit)


# --- Samples --------------------------------------------------------------------------


def _samples_page(form: DrawSampleForm, status: int = 200):
    return render_template(
        "audit/samples.html", form=form, samples=case_audits.samples_for(current_user)
    ), status


@bp.route("/samples")
@requires(Permission.AUDIT)
def samples():
    default = AuditScope.default()
    form = DrawSampleForm(
        data={"period_start": default.period_start, "period_end": default.period_end, "size": "10"}
    )
    form.set_areas(areas_for(current_user.agency_id))
    return _samples_page(form)


@bp.route("/samples", methods=["POST"])
@requires(Permission.DRAW_AUDIT_SAMPLE)
def draw_sample():
    form = DrawSampleForm()
    form.set_areas(areas_for(current_user.agency_id))
    if not form.validate_on_submit():
        return _samples_page(form, 400)
    scope = AuditScope.default(agency_id=current_user.agency_id, area=form.area.data or None).with_period(
        form.period_start.data, form.period_end.data
    )
    try:
        with savepoint():
            sample = case_audits.draw_sample(current_user, scope, form.size_number)
    except case_audits.AuditInvalid as error:
        apply_errors(form, error.errors)
        return _samples_page(form, 400)
    drawn = len(sample.cases)
    if drawn < sample.requested_size:
        flash(
            f"Only {drawn} closed case{'s' if drawn != 1 else ''} matched, so the sample has all of them.",
            "success",
        )
    else:
        flash(f"Sample of {drawn} case{'s' if drawn != 1 else ''} drawn.", "success")
    return redirect(url_for("audit.sample", sample_id=sample.id))


@bp.route("/samples/<int:sample_id>")
@requires(Permission.AUDIT)
def sample(sample_id: int):
    found = _sample_or_403(sample_id)
    return render_template(
        "audit/sample.html",
        sample=found,
        cases=case_audits.sampled_cases(found),
        outcome_labels=OUTCOME_LABELS,
    )


# --- Results --------------------------------------------------------------------------


@bp.route("/results")
@requires(Permission.AUDIT)
def results():
    scope, errors = scope_from_args(request.args, current_user)
    by_stage = case_audits.results_by_stage(scope)
    by_agency = case_audits.results_by_agency(scope)
    return render_template(
        "audit/results.html",
        scope=scope,
        errors=errors,
        areas=areas_for(current_user.agency_id),
        audits=case_audits.audits_counted(scope),
        stage_chart=stacked_bar_chart(
            "Grades by stage", GRADE_SERIES, [(c.label, c.values) for c in by_stage]
        ),
        agency_chart=stacked_bar_chart(
            "Grades by agency", GRADE_SERIES, [(c.label, c.values) for c in by_agency]
        ),
    )


CSV_HEADINGS = ["Case reference", "Stage", "Grade", "Agency", "Reason", "Auditor", "Date audited"]


@bp.route("/results.csv")
@requires(Permission.AUDIT)
def results_csv():
    scope, errors = scope_from_args(request.args, current_user)
    if errors:
        abort(400, description="; ".join(errors.values()))
    rows = case_audits.result_rows(scope)
    record_audit_event(current_user, "export", "audit-results", rows=len(rows), filters=scope.as_args())
    return csv_response(
        f"front-door-audit-results-{scope.period_start}-to-{scope.period_end}.csv",
        CSV_HEADINGS,
        (
            [
                row.reference,
                row.stage.label,
                row.grade.label,
                row.agency_kind.label,
                row.reason,
                row.auditor,
                row.audited_at.astimezone(LONDON).date().isoformat(),
            ]
            for row in rows
        ),
    )
