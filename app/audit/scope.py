"""Which cases an audit page covers: the user's agency's cases, a period, an area.

`AuditScope` is what every audit query takes. `scope_from_args` reads the
period and area from the query string and says clearly what is wrong with
them; pages show the message and fall back to the default period. The period's
dates come from GOV.UK date inputs (three boxes, all named "from" or "to"), or
as one ISO date from a link that keeps the scope (`as_args`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, exists, select, union

from app.domain.clock import london_date, start_of_london_day, utcnow
from app.extensions import db
from app.forms.base import BaseForm
from app.forms.fields import DateField
from app.models import Agency, Referral
from app.models.audit_facts import AuditFacts
from app.models.referrals import Participation, referral_agencies

DEFAULT_PERIOD_DAYS = 365


@dataclass(frozen=True)
class AuditScope:
    """Cases received on period_start..period_end (London dates, inclusive).

    `agency_id` limits the scope to the cases that agency takes part in; None
    means every case (command line and tests only, never a web page).
    """

    period_start: date
    period_end: date
    now: datetime
    agency_id: int | None = None
    area: str | None = None
    # Only these referrals (one page of a gap list), or every referral in scope.
    referral_ids: tuple[int, ...] | None = None

    @classmethod
    def default(
        cls, now: datetime | None = None, agency_id: int | None = None, area: str | None = None
    ) -> AuditScope:
        now = now or utcnow()
        today = london_date(now)
        return cls(
            period_start=today - timedelta(days=DEFAULT_PERIOD_DAYS),
            period_end=today,
            now=now,
            agency_id=agency_id,
            area=area,
        )

    @classmethod
    def everything(cls, now: datetime | None = None) -> AuditScope:
        """Every case ever received, for tests and the command line."""
        now = now or utcnow()
        return cls(period_start=date(2000, 1, 1), period_end=london_date(now), now=now)

    @property
    def today(self) -> date:
        return london_date(self.now)

    @property
    def received_from(self) -> datetime:
        return start_of_london_day(self.period_start)

    @property
    def received_before(self) -> datetime:
        return start_of_london_day(self.period_end + timedelta(days=1))

    def with_period(self, start: date, end: date) -> AuditScope:
        return replace(self, period_start=start, period_end=end)

    def only(self, referral_ids) -> AuditScope:
        """The same scope narrowed to these referrals: a page of a list, read by the list's own query."""
        return replace(self, referral_ids=tuple(referral_ids))

    def conditions(self, include_agency: bool = True) -> list:
        """WHERE conditions on Referral for this scope (without the agency's, for callers that join it)."""
        conditions = [Referral.received_at >= self.received_from, Referral.received_at < self.received_before]
        if self.area:
            conditions.append(Referral.local_authority_area == self.area)
        if self.referral_ids is not None:
            conditions.append(Referral.id.in_(self.referral_ids))
        if include_agency and self.agency_id is not None:
            conditions.append(
                Referral.id.in_(
                    select(referral_agencies.c.referral_id).where(
                        referral_agencies.c.agency_id == self.agency_id
                    )
                )
            )
        return conditions

    def facts_in_scope(self, query: Select) -> Select:
        """`query` on AuditFacts, narrowed to the cases in this scope."""
        f = AuditFacts
        query = query.where(f.received_at >= self.received_from, f.received_at < self.received_before)
        if self.area:
            query = query.where(f.local_authority_area == self.area)
        if self.referral_ids is not None:
            query = query.where(f.referral_id.in_(self.referral_ids))
        return self.join_agency(query, f.referral_id)

    def join_agency(self, query, referral_id):
        """Only the cases of the agency in scope, if one is: joined rather than matched with IN,
        so the planner reads the referrals from their index and checks each by primary key."""
        if self.agency_id is None:
            return query
        return query.join(
            referral_agencies,
            and_(
                referral_agencies.c.referral_id == referral_id,
                referral_agencies.c.agency_id == self.agency_id,
            ),
        )

    def as_args(self) -> dict[str, str]:
        """The query-string form, for links that keep the same scope."""
        args = {"from": self.period_start.isoformat(), "to": self.period_end.isoformat()}
        if self.area:
            args["area"] = self.area
        return args


def areas_for(agency_id: int | None) -> list[str]:
    """The local authority areas of the cases an agency takes part in, for the area filter.

    Read without visiting the agency's cases (hundreds of thousands at scale): a MASH partner
    takes part in every referral of its own area, and only those, as a MASH partner (a
    referral's area is its submitter's, and its partners are that area's:
    app/referrals/services.py), so its own area is one if it takes part in any referral that
    way (one probe of ix_referral_agencies_agency_id_basis_referral_id). Any other part it takes (as
    referrer, or invited) is read from the partial index ix_referral_agencies_not_mash, which
    holds only those few rows.
    """
    if agency_id is None:
        query = select(Referral.local_authority_area).where(Referral.local_authority_area.is_not(None))
        return sorted(db.session.scalars(query.distinct()))
    ra = referral_agencies
    as_partner = select(Agency.local_authority_area).where(
        Agency.id == agency_id,
        Agency.local_authority_area.is_not(None),
        exists().where(ra.c.agency_id == agency_id, ra.c.basis == Participation.MASH),
    )
    otherwise = (
        select(Referral.local_authority_area)
        .join(ra, ra.c.referral_id == Referral.id)
        .where(
            ra.c.agency_id == agency_id,
            ra.c.basis != Participation.MASH,
            Referral.local_authority_area.is_not(None),
        )
    )
    return sorted(db.session.scalars(union(as_partner, otherwise)))


class PeriodForm(BaseForm):
    """The period of the audit filter. A GET changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    period_from = DateField("From", subject="The start of the period", name="from")
    period_to = DateField("To", subject="The end of the period", name="to")


def _period_dates(args, errors: dict[str, str]) -> tuple[date | None, date | None]:
    form = PeriodForm(formdata=args)
    for field in (form.period_from, form.period_to):
        if field.process_errors:
            errors[field.name] = field.process_errors[0]
    return form.period_from.data, form.period_to.data


def scope_from_args(args, user, now: datetime | None = None) -> tuple[AuditScope, dict[str, str]]:
    """The scope a page asked for, and any errors in what it asked (field -> message)."""
    default = AuditScope.default(now, agency_id=user.agency_id)
    errors: dict[str, str] = {}
    start, end = _period_dates(args, errors)
    start, end = start or default.period_start, end or default.period_end
    if end > default.today and "to" not in errors:
        errors["to"] = "The end of the period must be today or in the past"
        end = default.today
    if start > end and not errors:
        errors["from"] = "The start of the period must be on or before its end"
        start, end = default.period_start, default.period_end
    area = (args.get("area") or "").strip() or None
    if area is not None and area not in areas_for(user.agency_id):
        errors["area"] = "Choose an area from the list"
        area = None
    return replace(default, period_start=start, period_end=end, area=area), errors
