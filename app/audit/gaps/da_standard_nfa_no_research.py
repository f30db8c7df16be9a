"""Gap 7: standard-risk domestic abuse with a child present, closed with no further action, no research."""

from __future__ import annotations

from sqlalchemy import Boolean, and_, func, not_

from app.audit.gaps.gap import FactsColumn, Gap, GapRow
from app.audit.gaps.owners import HEALTH, POLICE, SOCIAL_CARE, owner_if
from app.audit.gaps.queries import correlated_exists, flag, gap_row, referral_columns
from app.audit.scope import AuditScope
from app.domain.clock import london_date
from app.extensions import db
from app.models import Child, IncidentType, Notification, Referral, ReferralStatus, StepRecord

# Each agency's research step, and whose it is (the case audit page lists them in this order).
RESEARCH_STEPS = {"police_research": POLICE, "health_research": HEALTH, "social_care_research": SOCIAL_CARE}


def _closed_without_research():
    """The rule, on Referral and its Notification."""
    return and_(
        Notification.incident_type == IncidentType.DOMESTIC_ABUSE,
        # The MASH's own grading at triage when it re-graded the risk, else the officer's.
        func.coalesce(Notification.mash_dash_level, Notification.dash_level) == "standard",
        Referral.status == ReferralStatus.CLOSED,
        Referral.outcome == "nfa",
        correlated_exists(Child.referral_id == Referral.id, Child.present.is_(True)),
        not_(
            correlated_exists(
                StepRecord.referral_id == Referral.id, StepRecord.step.in_(tuple(RESEARCH_STEPS))
            )
        ),
    )


def rows(scope: AuditScope, brief: bool = False) -> list[GapRow]:
    query = (
        referral_columns(scope, Referral.closed_at)
        .join(Notification, Notification.referral_id == Referral.id)
        .where(_closed_without_research())
    )
    if brief:
        return [gap_row(r, [SOCIAL_CARE]) for r in db.session.execute(query)]
    return [
        gap_row(
            r,
            [SOCIAL_CARE],
            "Standard-risk domestic abuse with a child present, closed with no further action and no agency research",
            f"Closed {london_date(r[4]):%-d %b %Y}" if r[4] else "",
            -r[2].timestamp(),
        )
        for r in db.session.execute(query)
    ]


FACTS = (FactsColumn("da_nfa_no_research", Boolean, lambda: flag(_closed_without_research())),)


def owner_bits(f, scope: AuditScope):
    return owner_if(f.da_nfa_no_research.is_(True), SOCIAL_CARE)


GAP = Gap(
    number=7,
    slug="da-standard-nfa-no-research",
    title="Standard-risk domestic abuse closed without research",
    counts="Domestic abuse notifications at standard DASH risk with a child present, closed with no further action "
    "without a research step by any agency.",
    owners=(SOCIAL_CARE,),
    query=rows,
    facts=FACTS,
    owner_bits=owner_bits,
    how_long_heading="Closed",
)
