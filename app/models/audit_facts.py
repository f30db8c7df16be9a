"""Audit facts: one narrow row per referral, what the audit dashboard counts from.

Each row is worked out from the referral's own records (app/audit/facts.py) in
the same transaction as any change to them, so it is never behind. Nothing in
it depends on the time of day: the rules that do ("overdue", "past its due
time", "more than 72 hours ago") are conditions on the dates kept here, applied
when the dashboard is asked for.

Owners are bit sets of the agencies owning the next step (see OWNER_BITS in
app/audit/facts.py); 0 means the case is not in that gap.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class AuditFacts(db.Model):
    __tablename__ = "audit_facts"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # Copied from the referral, for the period and area of the dashboard.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    local_authority_area: Mapped[str | None] = mapped_column(String(120))
    is_open: Mapped[bool] = mapped_column(Boolean)
    threshold_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    has_decision: Mapped[bool] = mapped_column(Boolean)
    has_discussion: Mapped[bool] = mapped_column(Boolean)
    has_plan_in_force: Mapped[bool] = mapped_column(Boolean)
    # 1. s47 decided (and not awaiting a manager), no strategy discussion.
    s47_no_discussion: Mapped[bool] = mapped_column(Boolean)
    # 2. Who holds up the joint plan after a discussion that did not decide "no s47".
    no_plan_owners: Mapped[int] = mapped_column(Integer)
    # 3. The agencies missing from any of the case's strategy discussions.
    missing_agencies: Mapped[int] = mapped_column(Integer)
    # 4. The earliest due date of an open action on a plan not closed, by owning agency.
    action_due_social_care: Mapped[date | None] = mapped_column(Date)
    action_due_police: Mapped[date | None] = mapped_column(Date)
    action_due_health: Mapped[date | None] = mapped_column(Date)
    action_due_other: Mapped[date | None] = mapped_column(Date)
    # 5. A threshold decision made after its due time.
    decided_late: Mapped[bool] = mapped_column(Boolean)
    # 6. The notifier's agency, when a child was not spoken to or not heard.
    not_heard_owners: Mapped[int] = mapped_column(Integer)
    # 7. Standard-risk domestic abuse with a child present, closed NFA without research.
    da_nfa_no_research: Mapped[bool] = mapped_column(Boolean)
    # 8. Children in custody.
    custody: Mapped[bool] = mapped_column(Boolean)
    custody_not_referred: Mapped[bool] = mapped_column(Boolean)
    aa_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    aa_arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal_not_escalated: Mapped[bool] = mapped_column(Boolean)
    # 9. Police protection.
    pp_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pp_not_rescinded: Mapped[bool] = mapped_column(Boolean)
    # 10. The earliest s47 strategy discussion with no conference and no "not required".
    icpc_awaited_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 11. A threshold decision escalated and not resolved.
    unresolved_escalation: Mapped[bool] = mapped_column(Boolean)
