"""Audit facts: one narrow row per referral, what the audit dashboard counts from.

Each row is worked out from the referral's own records (app/audit/facts.py) in
the same transaction as any change to them, so it is never behind. Nothing in
it depends on the time of day: the rules that do ("overdue", "past its due
time", "more than 72 hours ago") are conditions on the dates kept here, applied
when the dashboard is asked for.

Only the columns every case has are declared here. Each gap declares its own
(`FACTS` in app/audit/gaps/<slug>.py), and registering the gap adds them to this
model; owners are bit sets of the agencies owning the next step
(app/audit/gaps/owners.py), 0 when the case is not in that gap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
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
    # What several gaps read.
    is_open: Mapped[bool] = mapped_column(Boolean)
    threshold_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    has_decision: Mapped[bool] = mapped_column(Boolean)
    has_discussion: Mapped[bool] = mapped_column(Boolean)
    has_plan_in_force: Mapped[bool] = mapped_column(Boolean)
