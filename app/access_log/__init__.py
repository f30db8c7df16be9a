"""The access log (Data Protection Act 2018 s62): sealing it into a chain, and checking it.

Writing. Every entry is one ``audit_events`` row added by
`app.models.audit.record_audit_event`, in the transaction of the request or
command that did the thing, so a view that fails leaves no entry and a change
is never saved without its entry. The row carries its own HMAC of its content
(``entry_mac``, keyed with a secret from the app's settings, not the database).
Writing reads no other row and takes no lock: requests never wait for each other.

Sealing. Chaining each entry to the one before while it is written would make
every request queue behind the newest entry. Instead `seal()` (``flask audit
seal``, run every minute or so, and before ``verify``) adds a row to
``audit_chain`` for each entry in id order: the id of the entry it follows and
HMAC(previous chain hash + this entry's id, content and MAC). On PostgreSQL
ids come from a sequence when the INSERT runs, but transactions commit in any
order, so entry 41 can become visible after 42. The sealer therefore seals
only up to a *settled* id: it takes ``LOCK TABLE audit_events IN SHARE MODE``
in a transaction of its own, which waits until every transaction that has
inserted an entry has finished, reads the largest id, and commits at once. No
id at or below that can appear later (an id is drawn only by an INSERT that
already holds the table's ROW EXCLUSIVE lock), so nothing is ever sealed
around a gap that fills in later. Requests wait only while the sealer waits
for the transactions already in flight (milliseconds), once per sealing run.
On SQLite one writer at a time holds the database, so the largest id inside
the sealer's own transaction is settled.

Checking. `verify()` walks every entry in id order and stops at the first that
does not fit, naming it:
- a changed entry: its MAC (and its seal) no longer match its content;
- an entry added by hand: no valid MAC (the key is not in the database), or a
  gap in the chain where it claims to be;
- a deleted entry: the next seal names it as the entry before, but it is gone
  (or its seal is left without an entry).
Entries after the last seal are checked by MAC and reported as waiting.

What it does not stop: someone holding the key and the database can rewrite
both; removing the newest sealed entries with their seals leaves a shorter
valid chain, which is why ``seal`` prints the head of the chain: keep it
somewhere else and compare. On PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE on both tables; the table owner can still disable it, so the app
should connect as a role that does not own them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import Flask, g
from sqlalchemy import func, insert, select, text

from app.domain.clock import utcnow
from app.extensions import db
from app.models.audit import AuditChainLink, AuditEvent, canonical, entry_mac, log_key, record_audit_event
from app.models.people import User

GENESIS = "0" * 64
ORPHANED = "deleted: its seal is there but the entry is not"
SEAL_BATCH = 5000


def init_app(app: Flask) -> None:
    @app.before_request
    def give_the_request_an_id() -> None:
        # Joins the access log, the error log and the response for one request.
        g.request_id = secrets.token_hex(8)

    @app.after_request
    def tell_the_client_the_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response


def sign_in_refused(email: str | None) -> None:
    """A failed sign-in for an email no account has (app.auth.services logs the others)."""
    typed = (email or "").strip()
    if User.by_email(typed) is None:
        record_audit_event(None, "sign_in_failed", "unknown-account", email=typed[:254])


def signed_out(user: User) -> None:
    record_audit_event(user, "signed_out", f"user:{user.id}")


def chain_hash(previous_hash: str, entry: AuditEvent, key: bytes) -> str:
    message = previous_hash.encode() + canonical([entry.id, entry.entry_mac, entry.content()])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def settled_id() -> int:
    """The largest entry id at or below which no entry can still appear (see the module docstring).

    On PostgreSQL this takes a SHARE lock on the log until the caller's transaction
    ends, so call it in a transaction of its own and end that at once (``flask audit
    seal`` does); entries the caller's own transaction wrote do not make it wait.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL lock_timeout = '10s'"))
        db.session.execute(text("LOCK TABLE audit_events IN SHARE MODE"))
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


@dataclass
class Head:
    event_id: int | None
    chain_hash: str


def head() -> Head:
    link = db.session.scalar(select(AuditChainLink).order_by(AuditChainLink.event_id.desc()).limit(1))
    return Head(link.event_id, link.chain_hash) if link else Head(None, GENESIS)


def seal(up_to: int | None = None, batch: int = SEAL_BATCH) -> int:
    """Seal the entries not sealed yet, in id order, up to the settled id `up_to` (from
    `settled_id()`, in an earlier transaction); returns how many. Flushes, never commits.

    Run by one process at a time: on PostgreSQL a transaction-level advisory lock
    makes a second sealer wait; on SQLite the writer lock does.
    """
    horizon = settled_id() if up_to is None else up_to
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('front-door access log seal'))"))
    key = log_key()
    sealed = 0
    while True:
        last = head()
        entries = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > (last.event_id or 0), AuditEvent.id <= horizon)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
        if not entries:
            return sealed
        links, previous_id, previous_hash, now = [], last.event_id, last.chain_hash, utcnow()
        for entry in entries:
            previous_hash = chain_hash(previous_hash, entry, key)
            links.append(
                {
                    "event_id": entry.id,
                    "previous_id": previous_id,
                    "chain_hash": previous_hash,
                    "sealed_at": now,
                }
            )
            previous_id = entry.id
        db.session.execute(insert(AuditChainLink), links)
        for entry in entries:
            db.session.expunge(entry)  # read once: memory stays flat on a long backlog
        sealed += len(links)


@dataclass
class Verdict:
    checked: int
    waiting: int
    head: Head
    broken_id: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify() -> Verdict:
    """Check every entry and seal; the verdict names the first entry that breaks the chain."""
    key = log_key()
    last_sealed = db.session.scalar(select(func.max(AuditChainLink.event_id)))
    orphan = db.session.scalar(
        select(func.min(AuditChainLink.event_id)).where(
            ~select(AuditEvent.id).where(AuditEvent.id == AuditChainLink.event_id).exists()
        )
    )
    rows = db.session.execute(
        select(AuditEvent, AuditChainLink)
        .outerjoin(AuditChainLink, AuditChainLink.event_id == AuditEvent.id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=2000)
    )
    checked = waiting = 0
    previous_id, previous_hash = None, GENESIS

    def broken(event_id: int, problem: str) -> Verdict:
        if orphan is not None and orphan < event_id:
            event_id, problem = orphan, ORPHANED
        return Verdict(checked, waiting, Head(previous_id, previous_hash), event_id, problem)

    for entry, link in rows:
        if orphan is not None and orphan < entry.id:
            return broken(orphan, ORPHANED)
        if entry.entry_mac is None or not hmac.compare_digest(entry.entry_mac, entry_mac(entry, key)):
            return broken(entry.id, "changed or added by hand: its content does not match its signature")
        if link is None:
            if last_sealed is not None and entry.id < last_sealed:
                return broken(entry.id, "added by hand: it is not in the chain, though later entries are")
            waiting += 1
            continue
        if link.previous_id != previous_id:
            if link.previous_id is not None and (previous_id is None or link.previous_id > previous_id):
                return broken(link.previous_id, f"deleted: entry {entry.id} was sealed after it")
            return broken(entry.id, "added by hand: its seal does not follow the entry before it")
        expected = chain_hash(previous_hash, entry, key)
        if not hmac.compare_digest(link.chain_hash, expected):
            return broken(entry.id, "changed: its seal does not match the chain")
        previous_id, previous_hash = entry.id, link.chain_hash
        checked += 1
        db.session.expunge(entry)
        db.session.expunge(link)
    if orphan is not None:
        return broken(orphan, ORPHANED)
    return Verdict(checked, waiting, Head(previous_id, previous_hash))
