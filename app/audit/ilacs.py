"""Ofsted ILACS "Annex A" lists 1, 3 and 5 as CSV rows, read set-based.

Column headings follow Annex A where it names the column; the columns Front
Door adds come after Annex A's own, so loaders that match on headings (or on
the Annex A positions) still work. docs/ilacs-exports.md has the mapping.

Each list has one row per child per event, in event order:

* List 1 (contacts): every referral (notification or contact) received in the period.
* List 3 (referrals): every case whose final threshold outcome made it a referral
  to children's social care (s17, s47, immediate protection), dated by that
  decision, with the decision in the period.
* List 5 (s47 and ICPC): the strategy discussion that started s47 enquiries
  (single-agency or joint), held in the period.

Every list is limited to the user's agency's cases, and to the chosen area.
Queries are a handful per export, never one per case: `row_count` is one
query; `rows` streams one main query and reads each 12-month history, and the
ids of children known only by name, in one query each. The count and the rows
are read moments apart, so a case recorded in between can make them differ by
that case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.audit.csv_export import uk_csv_date
from app.audit.scope import AuditScope
from app.domain.clock import LONDON, start_of_london_day
from app.extensions import db
from app.models import Child, Referral, StepRecord, StrategyDiscussion, ThresholdDecision
from app.models.audit import record_audit_event
from app.models.referrals import referral_agencies
from app.referrals.presenters import OUTCOME_LABELS

# Threshold outcomes that make a contact a referral to children's social care.
REFERRAL_OUTCOMES = ("s17", "s47", "immediate_protection")
# Strategy discussion decisions that start s47 enquiries.
S47_DECISIONS = {"single_agency_s47": "Single agency", "joint_investigation": "Joint with police"}
# Front Door records neither ethnicity nor disability: the CIN census code for
# "Information not yet obtained", and Annex A's own "Unknown" (its disability
# column is Yes / No / Unknown; the CIN disability list has no "not recorded").
ETHNICITY_NOT_OBTAINED = "NOBT"
DISABILITY_NOT_RECORDED = "Unknown"
# "Case closed after assessment, no further action" (CIN census reason for closure).
NFA_CLOSURE_REASON = "RC8"
CLOSING_STEPS = ("record_outcome", "close_plan")

NHS_NUMBER = "NHS number"
FRONT_DOOR_ID = "Front Door child id"

CHILD_HEADINGS = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)")
DISABILITY = "Does the Child have a Disability"

LIST_1_HEADINGS = (
    *CHILD_HEADINGS,
    "Date of Contact",
    "Contact Source",
    # Front Door's own columns.
    DISABILITY,
    "Progressed to Referral?",
    "Contact Outcome",
    "Front Door Reference",
    "Child Unique ID Type",
)
LIST_3_HEADINGS = (
    *CHILD_HEADINGS,
    "Date of referral",
    "Referral Source",
    "Referral NFA?",
    "Number of Referrals in Last 12 Months",
    # Front Door's own columns.
    DISABILITY,
    "Referral Outcome",
    "Date of Contact",
    "Front Door Reference",
    "Child Unique ID Type",
)
LIST_5_HEADINGS = (
    *CHILD_HEADINGS,
    DISABILITY,
    "Strategy discussion initiating Section 47 Enquiry Start Date",
    "Was an Initial Child Protection Conference deemed unnecessary?",
    "Date of Initial Child Protection Conference",
    "Did the Initial Child Protection Conference Result in a Child Protection Plan",
    "Number of Section 47 Enquiries in the last 12 months",
    "Number of ICPCs in the last 12 months",
    # Front Door's own columns.
    "Section 47 Enquiry Type",
    "ICPC Target Date",
    "ICPC Not Required Reason",
    "Front Door Reference",
    "Child Unique ID Type",
)


@dataclass(frozen=True)
class IlacsList:
    slug: str
    number: int
    title: str
    rows_are: str  # what one row is, for the page
    headings: tuple[str, ...]

    @property
    def subject(self) -> str:
        """The audit event subject."""
        return f"ilacs-{self.slug}"

    def filename(self, scope: AuditScope) -> str:
        return f"ilacs-{self.slug}-{self.title.lower().replace(' ', '-')}-{scope.period_start:%Y-%m-%d}-to-{scope.period_end:%Y-%m-%d}.csv"


LISTS: dict[str, IlacsList] = {
    entry.slug: entry
    for entry in (
        IlacsList(
            "list-1",
            1,
            "Contacts",
            "One row for each child on each notification or contact received in the period (every case is a contact).",
            LIST_1_HEADINGS,
        ),
        IlacsList(
            "list-3",
            3,
            "Referrals",
            "One row for each child on each case whose final threshold decision, made in the period, "
            "was a referral to children's social care: child in need (s17), s47 enquiry or immediate protection. "
            "A decision still waiting for a manager to resolve a disagreement is left out until it is resolved.",
            LIST_3_HEADINGS,
        ),
        IlacsList(
            "list-5",
            5,
            "Section 47 enquiries and ICPCs",
            "One row for each child on each case whose first strategy discussion to start s47 enquiries "
            "(single-agency or joint with police) was held in the period.",
            LIST_5_HEADINGS,
        ),
    )
}


# --- Shared pieces ---------------------------------------------------------------


def _visible(scope: AuditScope) -> list:
    """The scope's agency and area conditions on Referral, without its period."""
    conditions = []
    if scope.area:
        conditions.append(Referral.local_authority_area == scope.area)
    if scope.agency_id is not None:
        conditions.append(
            Referral.id.in_(
                select(referral_agencies.c.referral_id).where(
                    referral_agencies.c.agency_id == scope.agency_id
                )
            )
        )
    return conditions


def _no_nhs_number(column):
    return or_(column.is_(None), column == "")


def _normal_name(column):
    return func.lower(func.trim(column))


def _first_child_ids() -> dict[tuple[str, date], int]:
    """Per name and date of birth, the lowest child record id among children with no NHS number:
    the stable Front Door id of a child known only by name and date of birth.

    One grouped query, read into a dict: joining the rows to a grouped subquery
    instead lets PostgreSQL pick a nested loop over it when its statistics are
    stale (for example just after a bulk load), which is quadratic."""
    name = _normal_name(Child.full_name)
    query = (
        select(name, Child.date_of_birth, func.min(Child.id))
        .where(_no_nhs_number(Child.nhs_number))
        .group_by(name, Child.date_of_birth)
    )
    return {(row[0], row[1]): row[2] for row in _stream(query)}


def _child_columns() -> tuple:
    return (
        Child.id.label("child_id"),
        Child.nhs_number,
        Child.sex,
        Child.date_of_birth,
        _normal_name(Child.full_name).label("normal_name"),
    )


def _is_latest_decision(decision):
    """No later threshold decision on the same referral (an anti-join on an indexed column)."""
    later = aliased(ThresholdDecision)
    return ~exists().where(later.referral_id == decision.referral_id, later.id > decision.id)


def _awaiting_manager(decision):
    return and_(decision.escalated.is_(True), decision.resolved_at.is_(None))


def _london_date(value: datetime) -> date:
    return value.astimezone(LONDON).date()


def _age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _child_cells(row, day: date, first_ids: dict) -> list:
    """Child Unique ID, Gender, Ethnicity, Date of Birth, Age of Child (Years)."""
    return [
        _child_unique_id(row, first_ids),
        row.sex,
        ETHNICITY_NOT_OBTAINED,
        uk_csv_date(row.date_of_birth),
        _age_on(row.date_of_birth, day),
    ]


def _child_unique_id(row, first_ids: dict) -> str:
    if row.nhs_number:
        return row.nhs_number
    return f"FD{first_ids.get((row.normal_name, row.date_of_birth), row.child_id)}"


def _child_id_type(row) -> str:
    return NHS_NUMBER if row.nhs_number else FRONT_DOOR_ID


def _stream(query: Select) -> Iterator:
    return iter(db.session.execute(query.execution_options(yield_per=1000)))


def _count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


class ChildHistory:
    """Events (referrals, s47 enquiries, ICPCs) by child, for "how many in the last 12 months".

    The same child is matched by NHS number when both records have one, and
    otherwise by name (ignoring case and outer spaces) and date of birth. Two
    records with different NHS numbers are different children even when the
    name and date of birth agree. Built from one query's rows, so counting
    never goes back to the database.
    """

    def __init__(self) -> None:
        self._by_nhs: dict[str, list[tuple]] = defaultdict(list)
        self._by_name: dict[tuple[str, date], list[tuple]] = defaultdict(list)

    def add(self, nhs_number: str | None, name: str, dob: date, at, event_id: int) -> None:
        event = (at, event_id, nhs_number or None)
        if nhs_number:
            self._by_nhs[nhs_number].append(event)
        self._by_name[(name.strip().lower(), dob)].append(event)

    def count(
        self, nhs_number: str | None, name: str, dob: date, start, end, exclude: int | None = None
    ) -> int:
        """Distinct events for this child with start <= at < end, other than `exclude`."""
        if nhs_number:
            candidates = self._by_nhs.get(nhs_number, []) + [
                e for e in self._by_name.get((name.strip().lower(), dob), []) if e[2] is None
            ]
        else:
            candidates = self._by_name.get((name.strip().lower(), dob), [])
        return len({event_id for at, event_id, _ in candidates if start <= at < end and event_id != exclude})


# --- List 1: contacts -------------------------------------------------------------


def _list_1_query(scope: AuditScope) -> Select:
    decision = aliased(ThresholdDecision)
    query = (
        select(
            *_child_columns(),
            Referral.reference,
            Referral.received_at,
            Referral.referral_source,
            Referral.outcome,
            decision.id.label("decision_id"),
            _awaiting_manager(decision).label("awaiting_manager"),
        )
        .join(Referral, Referral.id == Child.referral_id)
        .outerjoin(decision, and_(decision.referral_id == Referral.id, _is_latest_decision(decision)))
    )
    return query.where(*scope.conditions()).order_by(Referral.received_at, Referral.id, Child.id)


def _contact_outcome(row) -> tuple[str, str]:
    """(Progressed to Referral?, Contact Outcome)."""
    if row.decision_id is None or row.outcome is None:
        return "Pending", "Awaiting threshold decision"
    if row.awaiting_manager:
        return "Pending", "Awaiting manager's decision on a disagreement"
    progressed = "Yes" if row.outcome in REFERRAL_OUTCOMES else "No"
    return progressed, OUTCOME_LABELS.get(row.outcome, row.outcome)


def _list_1_rows(scope: AuditScope) -> Iterator[list]:
    first_ids = _first_child_ids()
    for row in _stream(_list_1_query(scope)):
        contacted = _london_date(row.received_at)
        progressed, outcome = _contact_outcome(row)
        yield [
            *_child_cells(row, contacted, first_ids),
            uk_csv_date(contacted),
            row.referral_source,
            DISABILITY_NOT_RECORDED,
            progressed,
            outcome,
            row.reference,
            _child_id_type(row),
        ]


# --- List 3: referrals ------------------------------------------------------------


def _referrals(start: datetime, end: datetime, scope: AuditScope, *columns) -> Select:
    """Children on referrals whose final threshold decision (dated `referred_at`) falls in start..end."""
    decision = aliased(ThresholdDecision)
    referred_at = func.coalesce(decision.resolved_at, decision.decided_at)
    return (
        select(*columns, referred_at.label("referred_at"))
        .select_from(Child)
        .join(Referral, Referral.id == Child.referral_id)
        .join(decision, decision.referral_id == Referral.id)
        .where(
            _is_latest_decision(decision),
            Referral.outcome.in_(REFERRAL_OUTCOMES),
            ~_awaiting_manager(decision),
            Referral.received_at < end,  # a decision follows its receipt: lets the index narrow the scan
            referred_at >= start,
            referred_at < end,
            *_visible(scope),
        )
    )


def _list_3_query(scope: AuditScope) -> Select:
    closing_step, later = aliased(StepRecord), aliased(StepRecord)
    last_closing_step = and_(
        closing_step.referral_id == Referral.id,
        closing_step.step.in_(CLOSING_STEPS),
        ~exists().where(
            later.referral_id == closing_step.referral_id,
            later.step.in_(CLOSING_STEPS),
            later.id > closing_step.id,
        ),
    )
    query = _referrals(
        scope.received_from,
        scope.received_before,
        scope,
        *_child_columns(),
        Child.full_name,
        Referral.id.label("referral_id"),
        Referral.reference,
        Referral.received_at,
        Referral.referral_source,
        Referral.outcome,
        closing_step.answers["closure_reason"].as_string().label("closure_reason"),
    )
    return query.outerjoin(closing_step, last_closing_step).order_by("referred_at", Referral.id, Child.id)


def _referral_history(scope: AuditScope) -> ChildHistory:
    """Referrals from 12 months before the period's start to its end, by child."""
    history = ChildHistory()
    start = start_of_london_day(_year_before(scope.period_start))
    query = _referrals(
        start,
        scope.received_before,
        scope,
        Child.nhs_number,
        Child.full_name,
        Child.date_of_birth,
        Referral.id.label("referral_id"),
    )
    for row in _stream(query):
        history.add(row.nhs_number, row.full_name, row.date_of_birth, row.referred_at, row.referral_id)
    return history


def _list_3_rows(scope: AuditScope) -> Iterator[list]:
    history = _referral_history(scope)
    first_ids = _first_child_ids()
    for row in _stream(_list_3_query(scope)):
        referred = _london_date(row.referred_at)
        year_before = start_of_london_day(_year_before(referred))
        previous = history.count(
            row.nhs_number,
            row.full_name,
            row.date_of_birth,
            year_before,
            row.referred_at,
            exclude=row.referral_id,
        )
        yield [
            *_child_cells(row, referred, first_ids),
            uk_csv_date(referred),
            row.referral_source,
            "Yes" if row.closure_reason == NFA_CLOSURE_REASON else "No",
            previous,
            DISABILITY_NOT_RECORDED,
            OUTCOME_LABELS.get(row.outcome, row.outcome),
            uk_csv_date(_london_date(row.received_at)),
            row.reference,
            _child_id_type(row),
        ]


# --- List 5: s47 enquiries and ICPCs ----------------------------------------------


def _initiating_discussion():
    """The strategy discussion started s47 enquiries, and is the referral's first to (by time held)."""
    earlier = aliased(StrategyDiscussion)
    return and_(
        StrategyDiscussion.decision.in_(tuple(S47_DECISIONS)),
        ~exists().where(
            earlier.referral_id == StrategyDiscussion.referral_id,
            earlier.decision.in_(tuple(S47_DECISIONS)),
            or_(
                earlier.held_at < StrategyDiscussion.held_at,
                and_(earlier.held_at == StrategyDiscussion.held_at, earlier.id < StrategyDiscussion.id),
            ),
        ),
    )


def _s47s(start: datetime, end: datetime, scope: AuditScope, *columns) -> Select:
    return (
        select(*columns)
        .select_from(Child)
        .join(Referral, Referral.id == Child.referral_id)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(
            _initiating_discussion(),
            StrategyDiscussion.held_at >= start,
            StrategyDiscussion.held_at < end,
            *_visible(scope),
        )
    )


def _list_5_query(scope: AuditScope) -> Select:
    query = _s47s(
        scope.received_from,
        scope.received_before,
        scope,
        *_child_columns(),
        Child.full_name,
        Referral.reference,
        StrategyDiscussion.id.label("discussion_id"),
        StrategyDiscussion.held_at,
        StrategyDiscussion.decision,
        StrategyDiscussion.icpc_required,
        StrategyDiscussion.icpc_target_date,
        StrategyDiscussion.icpc_held_on,
        StrategyDiscussion.icpc_not_required_reason,
    )
    return query.order_by(StrategyDiscussion.held_at, StrategyDiscussion.id, Child.id)


def _s47_history(scope: AuditScope) -> ChildHistory:
    history = ChildHistory()
    start = start_of_london_day(_year_before(scope.period_start))
    query = _s47s(
        start,
        scope.received_before,
        scope,
        Child.nhs_number,
        Child.full_name,
        Child.date_of_birth,
        StrategyDiscussion.id.label("discussion_id"),
        StrategyDiscussion.held_at,
    )
    for row in _stream(query):
        history.add(row.nhs_number, row.full_name, row.date_of_birth, row.held_at, row.discussion_id)
    return history


def _icpc_history(scope: AuditScope) -> ChildHistory:
    """Conferences held from 12 months before the period's start to its end (dates, London)."""
    history = ChildHistory()
    query = (
        select(
            Child.nhs_number,
            Child.full_name,
            Child.date_of_birth,
            StrategyDiscussion.id.label("discussion_id"),
            StrategyDiscussion.icpc_held_on,
        )
        .select_from(Child)
        .join(Referral, Referral.id == Child.referral_id)
        .join(StrategyDiscussion, StrategyDiscussion.referral_id == Referral.id)
        .where(
            StrategyDiscussion.icpc_held_on >= _year_before(scope.period_start),
            StrategyDiscussion.icpc_held_on <= scope.period_end,
            *_visible(scope),
        )
    )
    for row in _stream(query):
        history.add(row.nhs_number, row.full_name, row.date_of_birth, row.icpc_held_on, row.discussion_id)
    return history


def _icpc_unnecessary(row) -> str:
    return "Yes" if (not row.icpc_required or row.icpc_not_required_reason) else "No"


def _list_5_rows(scope: AuditScope) -> Iterator[list]:
    s47s = _s47_history(scope)
    icpcs = _icpc_history(scope)
    first_ids = _first_child_ids()
    for row in _stream(_list_5_query(scope)):
        started = _london_date(row.held_at)
        year_before = _year_before(started)
        previous_s47s = s47s.count(
            row.nhs_number,
            row.full_name,
            row.date_of_birth,
            start_of_london_day(year_before),
            row.held_at,
            exclude=row.discussion_id,
        )
        previous_icpcs = icpcs.count(
            row.nhs_number, row.full_name, row.date_of_birth, year_before, started, exclude=row.discussion_id
        )
        yield [
            *_child_cells(row, started, first_ids),
            DISABILITY_NOT_RECORDED,
            uk_csv_date(started),
            _icpc_unnecessary(row),
            uk_csv_date(row.icpc_held_on),
            "",  # Front Door does not record the conference's outcome
            previous_s47s,
            previous_icpcs,
            S47_DECISIONS.get(row.decision, row.decision),
            uk_csv_date(row.icpc_target_date),
            row.icpc_not_required_reason,
            row.reference,
            _child_id_type(row),
        ]


# --- What the routes call -----------------------------------------------------------

_QUERIES = {"list-1": _list_1_query, "list-3": _list_3_query, "list-5": _list_5_query}
_ROWS = {"list-1": _list_1_rows, "list-3": _list_3_rows, "list-5": _list_5_rows}


def row_count(slug: str, scope: AuditScope) -> int:
    """How many rows the list has for this scope (one query)."""
    return _count(_QUERIES[slug](scope).order_by(None))


def row_counts(scope: AuditScope) -> dict[str, int]:
    return {slug: row_count(slug, scope) for slug in LISTS}


def rows(slug: str, scope: AuditScope) -> Iterator[list]:
    """The list's rows, streamed, in the order of LISTS[slug].headings."""
    return _ROWS[slug](scope)


def record_export(actor, slug: str, scope: AuditScope) -> int:
    """Record that `actor` exported the list (the caller commits); returns the row count."""
    count = row_count(slug, scope)
    record_audit_event(actor, "export", LISTS[slug].subject, rows=count, filters=scope.as_args())
    return count
