"""Gap 4: an open action on a plan not closed, from the first working day after its due date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, func, select

from app.audit.gaps.dates import latest_overdue_due_date, working_days
from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import HEALTH, KIND_OWNER, OTHER, POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.working_days import working_days_between
from app.extensions import db
from app.models import ActionStatus, PlanAction, PlanStatus, ProtectivePlan, Referral

FINISHED = (ActionStatus.DONE, ActionStatus.CANCELLED)
ACTION_OWNERS = (SOCIAL_CARE, POLICE, HEALTH, OTHER)


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    cutoff = latest_overdue_due_date(scope.today)
    query = (
        referral_columns(
            scope,
            PlanAction.description,
            PlanAction.owning_agency_kind,
            PlanAction.owner,
            PlanAction.due_date,
        )
        .join(ProtectivePlan, ProtectivePlan.referral_id == Referral.id)
        .join(PlanAction, PlanAction.plan_id == ProtectivePlan.id)
        .where(
            ProtectivePlan.status != PlanStatus.CLOSED,
            PlanAction.status.not_in(FINISHED),
            PlanAction.due_date <= cutoff,
        )
    )
    listed = []
    for r in db.session.execute(query):
        owner = KIND_OWNER.get(r[5], OTHER)
        if brief:
            listed.append(gap_row(r, [owner]))
            continue
        days = working_days_between(r[7], scope.today)
        detail = f"{r[4]} (owner: {r[6]}, due {r[7]:%-d %b %Y})"
        listed.append(gap_row(r, [owner], detail, working_days(days) + " overdue", days))
    return listed


def _column(owner: str) -> str:
    return f"action_due_{owner}"


def _earliest_open_action(owner: str):
    """The earliest due date of an open action owned by the owner's agency kind, on a plan not closed."""
    if owner == OTHER:
        kind_matches = PlanAction.owning_agency_kind.not_in(list(KIND_OWNER))
    else:
        kind_matches = PlanAction.owning_agency_kind == next(k for k, o in KIND_OWNER.items() if o == owner)
    return (
        select(func.min(PlanAction.due_date))
        .join(ProtectivePlan, ProtectivePlan.id == PlanAction.plan_id)
        .where(
            ProtectivePlan.referral_id == Referral.id,
            ProtectivePlan.status != PlanStatus.CLOSED,
            PlanAction.status.not_in(FINISHED),
            kind_matches,
        )
        .correlate(Referral)
        .scalar_subquery()
    )


FACTS = tuple(
    FactsColumn(_column(owner), Date, lambda owner=owner: _earliest_open_action(owner), nullable=True)
    for owner in ACTION_OWNERS
)


def owner_bits(f, scope: AuditScope):
    cutoff = latest_overdue_due_date(scope.today)
    return sum(owner_if(getattr(f, _column(owner)) <= cutoff, owner) for owner in ACTION_OWNERS)


def overdue_on_the_case_page(action: PlanAction, today: date) -> bool:
    """Flagged on the case audit page: an open action past its due date.

    The page flags it from the day after the due date; the list waits for the next working day.
    """
    return action.status not in FINISHED and action.due_date < today


GAP = Gap(
    number=4,
    slug="overdue-actions",
    title="Plans with overdue actions",
    counts="Actions on plans that are not closed, neither done nor cancelled, from the first working day after their "
    "due date. One row per action.",
    owners=ACTION_OWNERS,
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Overdue by",
    detail_heading="Action",
)
