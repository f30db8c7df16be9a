"""The access log's chain: `flask audit seal` and `flask audit verify`, and what breaks it.

On PostgreSQL a trigger refuses UPDATE and DELETE, so the tampering tests step
around it as superuser (``session_replication_role = replica``), as someone
with the database's own keys could; the chain still names what they did.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app import access_log
from app.extensions import db
from app.models import AuditChainLink, AuditEvent, record_audit_event


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["audit", *args])


@pytest.fixture
def sealed_log(mash, cli):
    """Five entries, sealed; returns their ids."""
    for n in range(5):
        record_audit_event(mash["social_care"], "viewed", f"referral:{n + 1}", page="referral")
    db.session.commit()
    result = cli("seal")
    assert result.exit_code == 0, result.output
    return list(db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


def by_hand(statement: str, **params) -> None:
    """Change the tables directly, past the trigger where there is one."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    db.session.execute(text(statement), params)
    db.session.commit()


def test_an_untouched_log_verifies(sealed_log, cli):
    result = cli("verify")
    assert result.exit_code == 0, result.output
    assert "intact: 5 sealed entries" in result.output and f"head {sealed_log[-1]}:" in result.output


def test_sealing_is_in_id_order_and_idempotent(sealed_log, cli, mash):
    links = db.session.scalars(select(AuditChainLink).order_by(AuditChainLink.event_id)).all()
    assert [link.event_id for link in links] == sealed_log
    assert [link.previous_id for link in links] == [None, *sealed_log[:-1]]
    assert "Sealed 0 entries" in cli("seal").output
    record_audit_event(mash["police"], "viewed", "person:1", page="person")
    db.session.commit()
    assert "not sealed yet" in cli("verify").output and cli("verify").exit_code == 0
    assert "Sealed 1 entries" in cli("seal").output


def test_a_changed_entry_is_named(sealed_log, cli):
    by_hand("UPDATE audit_events SET subject = 'referral:99' WHERE id = :id", id=sealed_log[2])
    result = cli("verify")
    assert result.exit_code != 0
    assert f"broken at entry {sealed_log[2]}: changed" in result.output


def test_a_changed_entry_re_signed_without_the_key_is_named(sealed_log, cli):
    by_hand(
        "UPDATE audit_events SET ip = '10.9.9.9', entry_mac = :mac WHERE id = :id",
        id=sealed_log[1],
        mac="0" * 64,
    )
    assert f"broken at entry {sealed_log[1]}" in cli("verify").output


def test_a_deleted_entry_is_named(sealed_log, cli):
    by_hand("DELETE FROM audit_events WHERE id = :id", id=sealed_log[3])
    result = cli("verify")
    assert result.exit_code != 0 and f"broken at entry {sealed_log[3]}: deleted" in result.output


def test_a_deleted_entry_and_its_seal_are_named(sealed_log, cli):
    by_hand("DELETE FROM audit_chain WHERE event_id = :id", id=sealed_log[1])
    by_hand("DELETE FROM audit_events WHERE id = :id", id=sealed_log[1])
    result = cli("verify")
    assert result.exit_code != 0
    assert (
        f"broken at entry {sealed_log[1]}: deleted: entry {sealed_log[2]} was sealed after it"
        in result.output
    )


def test_an_entry_inserted_by_hand_is_named(sealed_log, cli):
    by_hand(
        "INSERT INTO audit_events (at, actor_id, action, subject, details) "
        "VALUES (CURRENT_TIMESTAMP, NULL, 'viewed', 'referral:7', '{}')"
    )
    inserted = db.session.scalar(select(func.max(AuditEvent.id)))
    result = cli("verify")
    assert result.exit_code != 0 and f"broken at entry {inserted}: changed or added by hand" in result.output


def test_an_entry_inserted_into_the_sealed_part_is_named(sealed_log, cli, mash):
    """Copied from a real entry, so its own signature is good: the chain still shows it."""
    by_hand(
        "INSERT INTO audit_events (at, actor_id, action, subject, details, ip, reason, request_id, entry_mac) "
        "SELECT at, actor_id, action, subject, details, ip, reason, request_id, entry_mac "
        "FROM audit_events WHERE id = :id",
        id=sealed_log[0],
    )
    copy = db.session.scalar(select(func.max(AuditEvent.id)))
    record_audit_event(mash["police"], "viewed", "person:1", page="person")
    db.session.commit()
    cli("seal")  # the copy is sealed as if it were real...
    assert cli("verify").exit_code == 0
    after = db.session.scalar(select(func.max(AuditEvent.id)))
    by_hand("UPDATE audit_chain SET previous_id = :id WHERE event_id = :next", id=sealed_log[-1], next=after)
    by_hand("DELETE FROM audit_chain WHERE event_id = :id", id=copy)
    # ...but unsealed again to hide it, it no longer fits.
    result = cli("verify")
    assert result.exit_code != 0 and f"broken at entry {copy}: added by hand" in result.output


def test_verify_reads_the_key_from_the_settings(sealed_log, app):
    app.config["AUDIT_LOG_KEY"] = "another key"
    try:
        verdict = access_log.verify()
    finally:
        app.config["AUDIT_LOG_KEY"] = ""
    assert verdict.broken_id == sealed_log[0]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET subject = 'referral:99'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_chain SET chain_hash = 'x'",
        "DELETE FROM audit_chain",
    ],
)
def test_postgresql_refuses_changing_or_removing_entries(sealed_log, statement):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text(statement))
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 5


def test_removing_the_newest_entries_and_their_seals_is_shown_by_a_kept_head(sealed_log, cli):
    kept = cli("verify").output.split("head ")[1].split(";")[0]
    assert cli("verify", "--head", kept).exit_code == 0
    by_hand("DELETE FROM audit_chain WHERE event_id = :id", id=sealed_log[-1])
    by_hand("DELETE FROM audit_events WHERE id = :id", id=sealed_log[-1])
    assert cli("verify").exit_code == 0  # a shorter chain is still a chain...
    result = cli("verify", "--head", kept)
    assert (
        result.exit_code != 0 and f"no longer holds the head {kept}" in result.output
    )  # ...but not the one kept
