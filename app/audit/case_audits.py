"""Case audits, audit samples and audit results: judging the quality of front-door work.

Functions that change data flush and never commit; the route that calls them
commits once. Lists and results are read set-based (one query per list or
figure, grouped in the database), never one query per case.

What the record of a case shows beside the form is in app/audit/case_record.py.

Scope: a user sees and audits only the cases their agency takes part in (the
rule `Referral.can_view` applies to the referral page), and only the samples
drawn by someone in their agency. Results count the grades of case audits
*recorded* (`audited_at`, London date) in the chosen period, whenever the case
itself was received; the area filter is the case's local authority area.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

# What the record shows beside the form lives in case_record; the routes read it from here.
from app.audit.case_record import Fact, case_facts, criteria_for, default_agencies  # noqa: F401
from app.audit.scope import AuditScope
from app.domain.clock import start_of_london_day, utcnow
from app.extensions import db
from app.models import (
    AuditSample,
    AuditSampleCase,
    AuditStage,
    CaseAudit,
    CaseAuditGrade,
    Grade,
    Referral,
    ReferralStatus,
    User,
    record_audit_event,
)
from app.models.people import AgencyKind
from app.models.referrals import referral_agencies

MAX_SAMPLE_SIZE = 100


class AuditInvalid(ValueError):
    """Input broke a rule. `errors` maps form field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- Loading what a user may audit ------------------------------------------------


def _agency_cases(agency_id: int) -> Select:
    return select(referral_agencies.c.referral_id).where(referral_agencies.c.agency_id == agency_id)


def auditable_case(user: User, referral_id: int) -> Referral | None:
    """The referral if the user's agency takes part in it; None otherwise, and for ids that do not exist."""
    return db.session.scalar(
        select(Referral).where(Referral.id == referral_id, Referral.id.in_(_agency_cases(user.agency_id)))
    )


def _samples_visible_to(user: User) -> Select:
    return (
        select(AuditSample)
        .join(User, User.id == AuditSample.drawn_by_id)
        .where(User.agency_id == user.agency_id)
    )


def visible_sample(user: User, sample_id: int) -> AuditSample | None:
    """A sample drawn by someone in the user's agency, or None."""
    return db.session.scalar(_samples_visible_to(user).where(AuditSample.id == sample_id))


def samples_for(user: User, limit: int = 100) -> list[tuple[AuditSample, int, int]]:
    """The user's agency's samples, newest first, with how many cases each has and how many are audited."""
    audited = (
        select(CaseAudit.sample_id, func.count(func.distinct(CaseAudit.referral_id)).label("audited"))
        .where(CaseAudit.sample_id.is_not(None))
        .group_by(CaseAudit.sample_id)
        .subquery()
    )
    sizes = (
        select(AuditSampleCase.sample_id, func.count().label("cases"))
        .group_by(AuditSampleCase.sample_id)
        .subquery()
    )
    query = (
        _samples_visible_to(user)
        .add_columns(func.coalesce(sizes.c.cases, 0), func.coalesce(audited.c.audited, 0))
        .outerjoin(sizes, sizes.c.sample_id == AuditSample.id)
        .outerjoin(audited, audited.c.sample_id == AuditSample.id)
        .order_by(AuditSample.drawn_at.desc(), AuditSample.id.desc())
        .limit(limit)
    )
    return [(sample, cases, done) for sample, cases, done in db.session.execute(query)]


@dataclass(frozen=True)
class SampledCase:
    referral: Referral
    audit_id: int | None  # the latest audit recorded from this sample, if any


def sampled_cases(sample: AuditSample) -> list[SampledCase]:
    latest = (
        select(CaseAudit.referral_id, func.max(CaseAudit.id).label("audit_id"))
        .where(CaseAudit.sample_id == sample.id)
        .group_by(CaseAudit.referral_id)
        .subquery()
    )
    query = (
        select(Referral, latest.c.audit_id)
        .join(AuditSampleCase, AuditSampleCase.referral_id == Referral.id)
        .outerjoin(latest, latest.c.referral_id == Referral.id)
        .where(AuditSampleCase.sample_id == sample.id)
        .order_by(Referral.received_at, Referral.id)
    )
    return [SampledCase(referral, audit_id) for referral, audit_id in db.session.execute(query)]


def sample_contains(sample: AuditSample, referral: Referral) -> bool:
    return any(case.referral_id == referral.id for case in sample.cases)


def case_audits_page(user: User, page: int, per_page: int) -> tuple[list[CaseAudit], int]:
    """Recorded case audits of the agency's cases, newest first: one page, and the total."""
    in_scope = CaseAudit.referral_id.in_(_agency_cases(user.agency_id))
    total = db.session.scalar(select(func.count(CaseAudit.id)).where(in_scope)) or 0
    audits = db.session.scalars(
        select(CaseAudit)
        .where(in_scope)
        .order_by(CaseAudit.audited_at.desc(), CaseAudit.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(audits), total


def find_case_by_reference(user: User, reference: str) -> Referral | None:
    return db.session.scalar(
        select(Referral).where(
            func.upper(Referral.reference) == reference.strip().upper(),
            Referral.id.in_(_agency_cases(user.agency_id)),
        )
    )


def visible_case_audit(user: User, audit_id: int) -> CaseAudit | None:
    return db.session.scalar(
        select(CaseAudit).where(
            CaseAudit.id == audit_id, CaseAudit.referral_id.in_(_agency_cases(user.agency_id))
        )
    )


# --- Recording a case audit -------------------------------------------------------


STAGE_NOUNS: dict[AuditStage, str] = {
    AuditStage.NOTIFICATION: "the notification",
    AuditStage.TRIAGE: "triage and research",
    AuditStage.THRESHOLD: "the threshold decision",
    AuditStage.STRATEGY_DISCUSSION: "the strategy discussion",
    AuditStage.PLAN: "the joint protective plan",
    AuditStage.OUTCOME: "the outcome for the child",
}


def check_grades(grades: dict[str, dict]) -> dict[str, str]:
    """Every stage graded with a known grade and agency, and a reason. Keys are the form's field names."""
    errors: dict[str, str] = {}
    for stage in AuditStage:
        answer = grades.get(stage.value) or {}
        if answer.get("grade") not in {g.value for g in Grade}:
            errors[f"{stage.value}_grade"] = f"Select a grade for {STAGE_NOUNS[stage]}"
        if not (answer.get("reason") or "").strip():
            errors[f"{stage.value}_reason"] = f"Enter the reason for your grade for {STAGE_NOUNS[stage]}"
        if answer.get("agency_kind") not in {k.value for k in AgencyKind}:
            errors[f"{stage.value}_agency_kind"] = (
                f"Select the agency the grade for {STAGE_NOUNS[stage]} is mainly about"
            )
    return errors


def record_case_audit(
    auditor: User,
    referral: Referral,
    grades: dict[str, dict],
    summary: str | None = None,
    sample: AuditSample | None = None,
) -> CaseAudit:
    """Grade all six stages of a case. `grades` maps each stage's value to {grade, agency_kind, reason}."""
    errors = check_grades(grades)
    if sample is not None and not sample_contains(sample, referral):
        errors["sample"] = "This case is not in that sample"
    if errors:
        raise AuditInvalid(errors)
    audit = CaseAudit(
        referral=referral,
        sample_id=sample.id if sample else None,
        auditor=auditor,
        audited_at=utcnow(),
        summary=(summary or "").strip() or None,
    )
    audit.grades = [
        CaseAuditGrade(
            stage=stage,
            grade=Grade(grades[stage.value]["grade"]),
            agency_kind=AgencyKind(grades[stage.value]["agency_kind"]),
            reason=grades[stage.value]["reason"].strip(),
        )
        for stage in AuditStage
    ]
    db.session.add(audit)
    db.session.flush()
    record_audit_event(
        auditor,
        "case_audit_recorded",
        f"referral:{referral.id}",
        case_audit_id=audit.id,
        reference=referral.reference,
        sample_id=audit.sample_id,
        grades={g.stage.value: g.grade.value for g in audit.grades},
    )
    return audit


# --- Drawing a sample ---------------------------------------------------------------


def closed_case_ids(scope: AuditScope) -> list[int]:
    """Ids of the closed cases in scope (received in the period, in the area, of the agency)."""
    return list(
        db.session.scalars(
            select(Referral.id)
            .where(*scope.conditions(), Referral.status == ReferralStatus.CLOSED)
            .order_by(Referral.id)
        )
    )


def draw_sample(manager: User, scope: AuditScope, size: int, rng: random.Random | None = None) -> AuditSample:
    """Pick up to `size` closed cases in scope at random, and record the sample.

    When fewer closed cases match than asked for, every one of them is in the sample.
    """
    if not 1 <= size <= MAX_SAMPLE_SIZE:
        raise AuditInvalid({"size": f"The sample size must be between 1 and {MAX_SAMPLE_SIZE}"})
    ids = closed_case_ids(scope)
    if not ids:
        where = f" in {scope.area}" if scope.area else ""
        raise AuditInvalid(
            {
                "period_start": f"No closed cases were received between {scope.period_start:%-d %b %Y} and {scope.period_end:%-d %b %Y}{where}. Choose a longer period or another area"
            }
        )
    chosen = sorted((rng or random.SystemRandom()).sample(ids, min(size, len(ids))))
    sample = AuditSample(
        drawn_by=manager,
        drawn_at=utcnow(),
        period_start=scope.period_start,
        period_end=scope.period_end,
        local_authority_area=scope.area,
        requested_size=size,
    )
    sample.cases = [AuditSampleCase(referral_id=referral_id) for referral_id in chosen]
    db.session.add(sample)
    db.session.flush()
    record_audit_event(
        manager,
        "audit_sample_drawn",
        f"audit-sample:{sample.id}",
        requested=size,
        drawn=len(chosen),
        closed_cases=len(ids),
        filters=scope.as_args(),
    )
    return sample


# --- Results ----------------------------------------------------------------------


@dataclass(frozen=True)
class GradeCounts:
    label: str
    good: int = 0
    requires_improvement: int = 0
    inadequate: int = 0

    @property
    def values(self) -> list[int]:
        return [self.good, self.requires_improvement, self.inadequate]

    @property
    def total(self) -> int:
        return sum(self.values)


def _audited_in(scope: AuditScope) -> list:
    """Case audits recorded in the period (London dates), of cases in the area and the agency's cases."""
    conditions = [
        CaseAudit.audited_at >= start_of_london_day(scope.period_start),
        CaseAudit.audited_at < start_of_london_day(scope.period_end + timedelta(days=1)),
    ]
    if scope.area:
        conditions.append(Referral.local_authority_area == scope.area)
    if scope.agency_id is not None:
        conditions.append(Referral.id.in_(_agency_cases(scope.agency_id)))
    return conditions


def _grade_counts(scope: AuditScope, column) -> dict:
    query = (
        select(column, CaseAuditGrade.grade, func.count(CaseAuditGrade.id))
        .join(CaseAudit, CaseAudit.id == CaseAuditGrade.case_audit_id)
        .join(Referral, Referral.id == CaseAudit.referral_id)
        .where(*_audited_in(scope))
        .group_by(column, CaseAuditGrade.grade)
    )
    counts: dict = {}
    for key, grade, count in db.session.execute(query):
        counts.setdefault(key, {})[grade.value] = count
    return counts


def results_by_stage(scope: AuditScope) -> list[GradeCounts]:
    """Grades per stage, every stage shown (zeros included), in the order of the journey."""
    counts = _grade_counts(scope, CaseAuditGrade.stage)
    return [GradeCounts(stage.label, **counts.get(stage, {})) for stage in AuditStage]


def results_by_agency(scope: AuditScope) -> list[GradeCounts]:
    """Grades per agency the judgement was about; agencies with no grades are left out."""
    counts = _grade_counts(scope, CaseAuditGrade.agency_kind)
    return [GradeCounts(kind.label, **counts[kind]) for kind in AgencyKind if kind in counts]


def audits_counted(scope: AuditScope) -> int:
    return (
        db.session.scalar(
            select(func.count(CaseAudit.id))
            .join(Referral, Referral.id == CaseAudit.referral_id)
            .where(*_audited_in(scope))
        )
        or 0
    )


@dataclass(frozen=True)
class GradeRow:
    reference: str
    stage: AuditStage
    grade: Grade
    agency_kind: AgencyKind
    reason: str
    auditor: str
    audited_at: datetime


def result_rows(scope: AuditScope) -> list[GradeRow]:
    """One row per grade, for the CSV export: oldest audit first, stages in journey order."""
    stage_order = {stage: index for index, stage in enumerate(AuditStage)}
    query = (
        select(Referral.reference, CaseAuditGrade, User.full_name, CaseAudit.audited_at, CaseAudit.id)
        .select_from(CaseAuditGrade)
        .join(CaseAudit, CaseAudit.id == CaseAuditGrade.case_audit_id)
        .join(Referral, Referral.id == CaseAudit.referral_id)
        .join(User, User.id == CaseAudit.auditor_id)
        .where(*_audited_in(scope))
        .order_by(CaseAudit.audited_at, CaseAudit.id)
    )
    rows = [
        (
            audit_id,
            stage_order[g.stage],
            GradeRow(reference, g.stage, g.grade, g.agency_kind, g.reason, auditor, audited_at),
        )
        for reference, g, auditor, audited_at, audit_id in db.session.execute(query)
    ]
    return [row for *_, row in sorted(rows, key=lambda r: (r[2].audited_at, r[0], r[1]))]
