"""Drafts of a police notification: save what has been typed, come back to it, check it, send it.

A draft keeps the form's answers as typed (valid or not); only its author sees it
(`NotificationDraft.for_author`). Sending it validates the answers again, as the form
would, creates the referral and deletes the draft, in the request's one transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete as sql_delete
from werkzeug.datastructures import MultiDict

from app.domain.clock import utcnow
from app.extensions import db
from app.models import User
from app.models.drafts import (
    DRAFT_KEPT_FOR,
    MAX_DRAFT_ANSWERS,
    MAX_DRAFT_CHARACTERS,
    MAX_DRAFTS_PER_AUTHOR,
    NotificationDraft,
)
from app.notifications.forms import PoliceNotificationForm
from app.referrals import services

TOO_BIG = "This draft is too long to save. Shorten the longest answers, or send the notification."
TOO_MANY = (
    f"You already have {MAX_DRAFTS_PER_AUTHOR} drafts. Send or delete one of them before saving another."
)


class DraftRefused(Exception):
    """The draft cannot be saved; the message says why, and nothing was saved."""


def answers_from(form_data: MultiDict, form: PoliceNotificationForm) -> list[list[str]]:
    """The typed answers of a posted form, without its token and buttons, in the order sent."""
    return [[name, value] for name, value in form_data.items(multi=True) if not form.is_button(name)]


def form_for(draft: NotificationDraft) -> PoliceNotificationForm:
    """The notification form filled in with the draft's answers (not yet validated)."""
    return PoliceNotificationForm(formdata=MultiDict(draft.answers), meta={"csrf": False})


def save(user: User, draft: NotificationDraft | None, answers: list[list[str]]) -> NotificationDraft:
    """Keep the answers in the user's draft (a new one if `draft` is None). Flushes; never commits."""
    if len(answers) > MAX_DRAFT_ANSWERS or sum(len(v) for _, v in answers) > MAX_DRAFT_CHARACTERS:
        raise DraftRefused(TOO_BIG)
    if draft is None:
        held = db.session.scalar(
            db.select(db.func.count())
            .select_from(NotificationDraft)
            .where(NotificationDraft.author_id == user.id)
        )
        if held >= MAX_DRAFTS_PER_AUTHOR:
            raise DraftRefused(TOO_MANY)
        draft = NotificationDraft(author_id=user.id)
        db.session.add(draft)
    draft.answers = answers
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def send(user: User, draft: NotificationDraft, form: PoliceNotificationForm):
    """Create the referral from a draft whose form has validated, and delete the draft.
    Raises services.StepInvalid (nothing written) if the service refuses it."""
    referral = services.create_referral(user, form.to_service_data())
    db.session.delete(draft)
    db.session.flush()
    return referral


def delete(draft: NotificationDraft) -> None:
    db.session.delete(draft)
    db.session.flush()


def delete_stale(now: datetime) -> int:
    """Delete the drafts not saved for DRAFT_KEPT_FOR (one statement); returns how many. Flushes only."""
    result = db.session.execute(
        sql_delete(NotificationDraft).where(NotificationDraft.updated_at < now - DRAFT_KEPT_FOR)
    )
    return result.rowcount or 0
