"""The partnership's response times: defaults here, changes in the response_time_settings table.

An administrator changes them on the response times page (app/timers/routes.py).
A change applies to work that starts after it: a due time already worked out
(and a BPMN timer already waiting) keeps the value that was in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.domain.response_times import NotAResponseTime, ResponseTime, TimeUnit, parse_response_time
from app.domain.working_days import WorkingCalendar
from app.extensions import db
from app.models import ResponseTimeSetting, User, record_audit_event


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    default: ResponseTime
    hint: str


SURREY = (
    "Default after the Surrey MASH RAG scheme (red 4, amber 24, green 72 working hours), "
    "as the partnership adopted it"
)

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "rag_red",
        "Red",
        ResponseTime(Decimal(4), TimeUnit.CLOCK_HOURS),
        f"{SURREY}: red is counted in clock hours, because the emergency duty team covers it out of hours.",
    ),
    Setting("rag_amber", "Amber", ResponseTime(Decimal(1), TimeUnit.WORKING_DAYS), f"{SURREY}."),
    Setting("rag_green", "Green", ResponseTime(Decimal(3), TimeUnit.WORKING_DAYS), f"{SURREY}."),
    Setting(
        "strategy_discussion",
        "Strategy discussion, from the decision to start s47",
        ResponseTime(Decimal(1), TimeUnit.WORKING_DAYS),
        "There is no national timescale; local procedures often say within 24 hours.",
    ),
    Setting(
        "plan_confirmation",
        "Police and health confirm the joint protective plan, from when it is agreed",
        ResponseTime(Decimal(1), TimeUnit.WORKING_DAYS),
        "A local standard: the plan is not in force until both have confirmed it.",
    ),
    Setting(
        "escalation",
        "A manager acts on an escalation, from when it is raised",
        ResponseTime(Decimal(4), TimeUnit.WORKING_HOURS),
        "A local standard: an escalation means something is already late.",
    ),
    Setting(
        "disagreement_period",
        "An agency taking part can raise a professional disagreement, from the threshold decision",
        ResponseTime(Decimal(5), TimeUnit.WORKING_DAYS),
        "A local standard, from the partnership's escalation protocol for professional disagreements.",
    ),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}
RAG_KEYS = {"red": "rag_red", "amber": "rag_amber", "green": "rag_green"}


@dataclass(frozen=True)
class InForce:
    setting: Setting
    value: ResponseTime
    changed: ResponseTimeSetting | None  # None: the default is in force


_CACHE = "front_door.response_times"


def _rows() -> dict[str, ResponseTimeSetting]:
    """The changed settings, read once per transaction (a step reads several; usually there are none)."""
    session = db.session()
    rows = session.info.get(_CACHE)
    if rows is None:
        rows = session.info[_CACHE] = {row.key: row for row in session.scalars(select(ResponseTimeSetting))}
    return rows


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(_CACHE, None)


def in_force() -> list[InForce]:
    """Every setting with the value in force, in the order shown."""
    rows = _rows()
    return [
        InForce(s, rows[s.key].response_time if s.key in rows else s.default, rows.get(s.key))
        for s in SETTINGS
    ]


def response_time(key: str) -> ResponseTime:
    row = _rows().get(key)
    return row.response_time if row is not None else BY_KEY[key].default


class SettingsInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def save(actor: User | None, texts: dict[str, str]) -> list[str]:
    """Check every value first, then save the ones that changed; nothing is saved if any is wrong.

    Returns the keys that changed.
    """
    errors: dict[str, str] = {}
    values: dict[str, ResponseTime] = {}
    for key, text in texts.items():
        setting = BY_KEY.get(key)
        if setting is None:
            errors[key] = f"There is no response time called {key!r}"
            continue
        try:
            values[key] = parse_response_time(
                text, called=f"The {setting.label.split(',')[0].lower()} response time"
            )
        except NotAResponseTime as error:
            errors[key] = str(error)
    if errors:
        raise SettingsInvalid(errors)
    current = {entry.setting.key: entry.value for entry in in_force()}
    changed = [key for key, value in values.items() if value != current[key]]
    for key in changed:
        row = db.session.get(ResponseTimeSetting, key) or ResponseTimeSetting(key=key)
        row.amount, row.unit, row.updated_by = values[key].amount, values[key].unit, actor
        db.session.add(row)
        record_audit_event(
            actor,
            "response_time_changed",
            f"response_time:{key}",
            was=str(current[key]),
            now=str(values[key]),
        )
    db.session.flush()
    db.session().info.pop(_CACHE, None)
    return changed


def working_calendar() -> WorkingCalendar:
    """The calendar from WORKING_DAY_OPENS and WORKING_DAY_CLOSES (09:00 and 17:00 unless configured)."""
    config = current_app.config
    return WorkingCalendar(
        opens=config.get("WORKING_DAY_OPENS", time(9, 0)),
        closes=config.get("WORKING_DAY_CLOSES", time(17, 0)),
    )
