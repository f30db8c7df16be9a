"""Turning stored records into what people read: the timeline, labels, and which
record links a referral page offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import Referral, StepRecord, User
from app.referrals import answers
from app.timers.due import RESEARCH_STEPS
from app.workflow.contract import OUTCOME_LABELS, STRATEGY_DECISION_LABELS


def outcome_label(value: Any) -> Any:
    """The words for a threshold outcome (OUTCOMES), or the value itself if it is not one."""
    return OUTCOME_LABELS.get(value, value)


def strategy_decision_label(value: Any) -> Any:
    """The words for a strategy discussion decision (STRATEGY_DECISIONS), or the value itself."""
    return STRATEGY_DECISION_LABELS.get(value, value)


def display_value(key: str, value: Any) -> Any:
    """One answer in words (app.referrals.answers), or "Not given" where a caller needs a value."""
    shown = answers.display(key, value)
    if shown is None:
        return "Not given"
    return "; ".join(shown) if isinstance(shown, list) else shown


def steps_with_actors(referral: Referral) -> list[StepRecord]:
    """The referral's steps, with everyone who recorded one read in one statement: otherwise
    each different person on the timeline would be read on its own (and their roles, which
    naming them does not need)."""
    steps = referral.steps
    unread = [s for s in steps if s.actor_id is not None and "actor" in inspect(s).unloaded]
    if unread:
        ids = sorted({s.actor_id for s in unread})
        actors = db.session.scalars(select(User).where(User.id.in_(ids)).options(lazyload(User.roles)))
        by_id = {user.id: user for user in actors}
        for step in unread:
            if step.actor_id in by_id:
                set_committed_value(step, "actor", by_id[step.actor_id])
    return steps


def timeline(referral: Referral, *, everything: bool = True) -> list[dict]:
    """Every step, oldest first: its name, who did it, their agency and lane, when, and its answers in words.

    Without ``everything`` (an agency invited from outside the MASH) the research steps
    show that they were done, by whom and when, but not what they found.
    """
    entries = []
    for record in steps_with_actors(referral):
        withheld = not everything and record.step in RESEARCH_STEPS
        entries.append(
            {
                "title": record.title,
                "step": record.step,
                "at": record.at,
                "actor": record.actor.full_name if record.actor else "System",
                "agency": record.agency.name if record.agency else "",
                "lane": record.lane,
                "answers": [] if withheld else answers.answer_rows(record.step, record.answers),
                "withheld": "The findings are shared with the MASH partners only." if withheld else None,
            }
        )
    return entries


def agency_findings(referral: Referral) -> list[dict]:
    """What each agency's research found so far, in the order it was recorded, for the decision pages."""
    return [
        {
            "agency": step.agency.name if step.agency else step.lane,
            "by": step.actor.full_name if step.actor else None,
            "at": step.at,
            "findings": step.answers.get("findings") or "Nothing recorded",
            "disagrees": bool(step.answers.get("disagrees")),
            "reason": step.answers.get("disagreement_reason"),
        }
        for step in steps_with_actors(referral)
        if step.step in RESEARCH_STEPS
    ]


@dataclass(frozen=True)
class RecordingLinks:
    """Which links to record something after the steps (app.referrals.recording) a referral
    page shows: only those the user's lane may follow and the record still needs."""

    conference: bool
    police_protection_end: bool


def recording_links(referral: Referral, lanes: set[str]) -> RecordingLinks:
    # Imported here: recording imports the services, which import the audit package,
    # which imports this module for its labels.
    from app.referrals import recording

    return RecordingLinks(
        conference=recording.CONFERENCE_LANE in lanes and recording.conference_can_be_recorded(referral),
        police_protection_end=recording.POLICE_PROTECTION_LANE in lanes
        and recording.police_protection_end_can_be_recorded(referral),
    )
