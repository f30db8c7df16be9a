"""The access log: an append-only, hash-chained record of who saw or did what.

Every view of a case record, API read, export, change, sign-in and token is
one row of ``audit_events``, written by `record_audit_event` and nothing else.
How the rows are chained and checked is in app/access_log/__init__.py and
docs/security.md ("Access log").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from flask import current_app, g, has_request_context, request
from sqlalchemy import DDL, JSON, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.clock import utcnow
from app.extensions import db
from app.models.people import User
from app.models.types import UTCDateTime

# Bumped if the hashed form of an entry ever changes; entries keep the format they were written in.
ENTRY_FORMAT = 1
REASON_MAX = 500


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80))
    # What record: "referral:12", "person:4", "user:3", "gap-list:…".
    subject: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # From where, and why (when the user gave a reason).
    ip: Mapped[str | None] = mapped_column(String(45))
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(32))
    # HMAC of the entry's content, made when it is written (no lock, no read of other rows).
    entry_mac: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        # "Who has looked at this child": one subject's entries, newest first.
        Index("ix_audit_events_subject_id", "subject", "id"),
    )

    def content(self) -> list[Any]:
        """What the entry MAC covers: everything but the database's id."""
        return [
            ENTRY_FORMAT,
            self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            self.actor_id,
            self.action,
            self.subject,
            self.details or {},
            self.ip,
            self.reason,
            self.request_id,
        ]


class AuditChainLink(db.Model):
    """The seal on one access-log entry: the entry it follows and the chained HMAC.

    Written by the sealer (app.access_log.seal) in id order, after every entry
    up to that id has committed; never by a request. Insert-only, like the log.
    """

    __tablename__ = "audit_chain"

    event_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    previous_id: Mapped[int | None] = mapped_column(Integer)
    chain_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def log_key() -> bytes:
    """The key the entries are signed with. Kept out of the database, so someone who can
    write to the database but not read the app's settings cannot forge an entry."""
    configured = current_app.config.get("AUDIT_LOG_KEY") or ""
    if configured:
        return configured.encode()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"front-door access log", hashlib.sha256).digest()


def entry_mac(entry: AuditEvent, key: bytes | None = None) -> str:
    return hmac.new(key or log_key(), canonical(entry.content()), hashlib.sha256).hexdigest()


def _from_request() -> tuple[str | None, str | None]:
    if not has_request_context():
        return None, None
    return request.remote_addr, g.get("request_id")


def record_audit_event(
    actor: User | None, action: str, subject: str, *, why: str | None = None, **details: Any
) -> AuditEvent:
    """Add one access-log entry to the current transaction (the caller commits).

    The only way an entry is written. `subject` names the record ("referral:12"),
    `why` is the reason the user gave, if any; the address and request id come
    from the request being served. `details` must be JSON (ids, counts, names of steps).
    """
    ip, request_id = _from_request()
    if actor is not None and actor.id is None:
        db.session.flush()  # the MAC covers the actor's id
    entry = AuditEvent(
        at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject=subject,
        # Stored as it will be read back, so the MAC made now matches the row later.
        details=json.loads(canonical(details)),
        ip=ip,
        reason=why[:REASON_MAX] if why else None,
        request_id=request_id,
    )
    entry.entry_mac = entry_mac(entry)
    db.session.add(entry)
    return entry


# On PostgreSQL the database itself refuses to change or remove an entry or a seal.
# The same statements are in migration 0010; these make a schema built from the
# models (create_all) match it.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'the access log is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME || ' is refused',
        ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGERS = {
    table: (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only()",
    )
    for table in ("audit_events", "audit_chain")
}

for _table in (AuditEvent.__table__, AuditChainLink.__table__):
    for _statement in (APPEND_ONLY_FUNCTION, *APPEND_ONLY_TRIGGERS[_table.name]):
        event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
