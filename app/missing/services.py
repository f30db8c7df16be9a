"""Recording missing and absent episodes, and the return home interview after each.

Services flush; the request commits."""

from __future__ import annotations

from datetime import date, datetime

from app.domain.clock import london_today, start_of_london_day
from app.extensions import db
from app.models import Referral, User, record_audit_event
from app.models.missing import EpisodeKind, InterviewStatus, MissingEpisode, MissingFrom


class EpisodeInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_episode(episode: dict | None, now: datetime) -> dict[str, str]:
    """The rules for the episode a missing notification carries; keys name the form's fields."""
    if episode is None:
        return {}
    errors: dict[str, str] = {}
    if episode.get("kind") not in {k.value for k in EpisodeKind}:
        errors["missing_kind"] = "Select whether the child was missing or absent"
    if episode.get("missing_from") not in {k.value for k in MissingFrom}:
        errors["missing_from"] = "Select where the child went missing from"
    if not isinstance(episode.get("looked_after"), bool):
        errors["missing_looked_after"] = "Select yes if the child is looked after"
    reported, found = episode.get("reported_at"), episode.get("found_at")
    if not isinstance(reported, datetime):
        errors["missing_reported_date"] = "Enter the date the child was reported missing"
    elif reported > now:
        errors["missing_reported_date"] = "The date reported missing must be today or in the past"
    if found is not None:
        if not isinstance(found, datetime) or found > now:
            errors["missing_found_date"] = "The date found must be today or in the past"
        elif isinstance(reported, datetime) and found < reported:
            errors["missing_found_date"] = "The child must have been found after being reported missing"
        if not (episode.get("found_where") or "").strip():
            errors["missing_found_where"] = "Enter where the child was found"
    return errors


def record_episodes(referral: Referral, episode: dict | None) -> list[MissingEpisode]:
    """One episode for each child the missing notification names (siblings go missing together)."""
    if episode is None:
        return []
    rows = [
        MissingEpisode(
            referral_id=referral.id,
            child_id=child.id,
            kind=EpisodeKind(episode["kind"]),
            missing_from=MissingFrom(episode["missing_from"]),
            reported_at=episode["reported_at"],
            found_at=episode.get("found_at"),
            found_where=episode.get("found_where"),
            found_with=episode.get("found_with"),
            looked_after=episode["looked_after"],
        )
        for child in referral.children
    ]
    for row in rows:  # the timer worker escalates the interview if it is still outstanding then
        row.interview_timer_at = row.interview_due_at
    db.session.add_all(rows)
    db.session.flush()
    return rows


def episodes_of(referral: Referral) -> list[MissingEpisode]:
    from sqlalchemy import select

    return list(
        db.session.scalars(
            select(MissingEpisode)
            .where(MissingEpisode.referral_id == referral.id)
            .order_by(MissingEpisode.id)
        )
    )


def record_interview(
    actor: User,
    episode: MissingEpisode,
    status: str,
    on: date | None,
    findings: str | None,
    declined_reason: str | None,
) -> None:
    """The return home interview was offered, held (with what it found) or declined (with why)."""
    errors: dict[str, str] = {}
    if status not in {
        InterviewStatus.OFFERED.value,
        InterviewStatus.DONE.value,
        InterviewStatus.DECLINED.value,
    }:
        errors["status"] = "Select whether the interview was offered, held or declined"
    if episode.found_at is None:
        errors["status"] = "The child has not been recorded as found, so no interview can be recorded yet"
    if on is None:
        errors["on"] = "Enter the date"
    elif on > london_today():
        errors["on"] = "The date must be today or in the past"
    elif episode.found_at is not None and on < episode.found_at.date():
        errors["on"] = "The date must be on or after the day the child was found"
    if status == InterviewStatus.DONE.value and not (findings or "").strip():
        errors["findings"] = "Enter what the interview found"
    if status == InterviewStatus.DECLINED.value and not (declined_reason or "").strip():
        errors["declined_reason"] = "Enter why the child declined"
    if errors:
        raise EpisodeInvalid(errors)
    when = start_of_london_day(on)
    episode.interview_status = InterviewStatus(status)
    if status == InterviewStatus.OFFERED.value or episode.interview_offered_at is None:
        episode.interview_offered_at = when
    if status == InterviewStatus.DONE.value:
        episode.interview_held_at = when
        episode.interview_findings = findings.strip()
    if status == InterviewStatus.DECLINED.value:
        episode.interview_declined_reason = declined_reason.strip()
    if not episode.interview_outstanding:
        episode.interview_timer_at = None  # held or declined: its clock has ended
    episode.interview_recorded_by_id = actor.id
    record_audit_event(
        actor, "return_home_interview_recorded", f"referral:{episode.referral_id}", status=status
    )
    db.session.flush()
