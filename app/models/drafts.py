"""A police notification being written: what the officer has typed so far, seen only by them.

A draft is not a record of the MASH. It holds the form's answers exactly as typed, even when
they are not yet valid, so the officer can come back to them, check them and submit. Submitting
creates the referral and deletes the draft in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, select
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User
from app.models.types import UTCDateTime

#: How much one draft may hold: far more than any notification, little enough to refuse abuse.
MAX_DRAFT_ANSWERS = 2_000
MAX_DRAFT_CHARACTERS = 400_000
#: How many drafts one officer may keep at once.
MAX_DRAFTS_PER_AUTHOR = 50
#: A draft not saved again for this long is deleted by the timer worker: what was typed about a
#: child is not kept in a draft nobody is finishing.
DRAFT_KEPT_FOR = timedelta(days=30)


class NotificationDraft(db.Model):
    __tablename__ = "notification_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The form's answers as [name, value] pairs, in the order they were sent.
    answers: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_notification_drafts_author", "author_id", "updated_at"),)

    # -- who may see it -----------------------------------------------------------

    @classmethod
    def of_author(cls, user: User):
        """The drafts only this user may see: their own, newest first."""
        return select(cls).where(cls.author_id == user.id).order_by(cls.updated_at.desc(), cls.id.desc())

    @classmethod
    def for_author(cls, user: User, draft_id: int) -> NotificationDraft | None:
        """The user's own draft with this id, or None: someone else's draft does not exist for them."""
        return db.session.scalars(select(cls).where(cls.id == draft_id, cls.author_id == user.id)).first()

    # -- what it holds ----------------------------------------------------------------

    @property
    def deleted_after(self) -> datetime:
        return self.updated_at + DRAFT_KEPT_FOR

    def answer(self, name: str) -> str:
        return next((value for key, value in self.answers if key == name), "")

    def child_names(self) -> list[str]:
        """The children's names typed so far, in the order of the form."""
        return [
            value
            for key, value in self.answers
            if key.startswith("children-") and key.endswith("-full_name") and value.strip()
        ]
