"""What a gap is: the parts each gap module (app/audit/gaps/<slug>.py) fills in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import TypeEngine

from app.audit.gaps.owners import OWNER_LABELS


@dataclass
class GapRow:
    referral_id: int
    reference: str
    received_at: datetime
    area: str | None
    owners: tuple[str, ...]
    detail: str
    how_long: str = ""
    sort_key: float = 0
    children: list[str] = field(default_factory=list)

    @property
    def owner_labels(self) -> str:
        return ", ".join(OWNER_LABELS[o] for o in self.owners)


@dataclass(frozen=True)
class FactsColumn:
    """A column of `audit_facts` that a gap keeps, and how it is worked out from a referral's records.

    `expression()` is a column of the facts query (app/audit/facts.py): it may read
    Referral and, outer-joined, its Notification, the notification's submitter (User)
    and their Agency; anything else through a subquery correlated to Referral.
    Registering the gap adds the column to the AuditFacts model; a migration must add
    it to the table.
    """

    name: str
    type: type[TypeEngine] | TypeEngine
    expression: Callable[[], ColumnElement]
    nullable: bool = False


@dataclass(frozen=True)
class Gap:
    number: int
    slug: str
    title: str
    counts: str  # what the list counts, shown on the page
    owners: tuple[str, ...]  # who can own the next step of a case in this gap
    # query(scope, brief=False): brief rows carry owners but no detail, for counting.
    query: Callable[..., list[GapRow]]
    facts: tuple[FactsColumn, ...]
    # owner_bits(AuditFacts, scope): a case's owners in this gap as bits (0: not in it),
    # from the facts, applying at the scope's moment the rules that depend on the time.
    owner_bits: Callable[..., ColumnElement]
    how_long_heading: str = "How long"
    detail_heading: str = "What is missing"
