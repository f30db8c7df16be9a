"""Emails for alerts, sent by the timer worker when SMTP is configured (MAIL_* settings).

An email says only that there is something to look at on a referral: its
reference and a link. Never a child's name or any case detail, since email
leaves the service.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.domain.clock import utcnow
from app.extensions import db
from app.models import Alert, AlertKind, Referral
from app.transaction import transaction

log = logging.getLogger("front_door.timers")

SUBJECTS = {
    AlertKind.ESCALATION: "Escalation on referral {reference}",
    AlertKind.DUE_SOON: "A task on referral {reference} is due within the hour",
    AlertKind.NEW_TASK: "A new task on referral {reference}",
    AlertKind.INVITATION: "Your agency is invited to take part in referral {reference}",
}


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def message_for(alert: Alert, reference: str) -> EmailMessage:
    config = current_app.config
    base = (config.get("SERVICE_URL") or "http://127.0.0.1:5000").rstrip("/")
    link = f"{base}/referrals/{alert.referral_id}" + (f"/tasks/{alert.task_id}" if alert.task_id else "")
    message = EmailMessage()
    message["Subject"] = SUBJECTS[alert.kind].format(reference=reference)
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "front-door@localhost"
    message["To"] = alert.user.email
    message.set_content(
        f"{SUBJECTS[alert.kind].format(reference=reference)}.\n\n"
        f"Sign in to Front Door to see it:\n{link}\n\n"
        "This email holds no case details. Do not reply to it.\n"
    )
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
    timeout = float(config.get("MAIL_TIMEOUT") or 10)
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    return smtp


def send_waiting(batch: int = 20) -> int:
    """Send the emails alerts are waiting for, a batch per transaction; returns how many were sent.

    The rows are claimed with SKIP LOCKED on PostgreSQL so two workers do not
    send the same email. An email is marked sent in the transaction that sent
    it: if that commit fails it may be sent again, never lost.
    """
    if not configured():
        return 0
    sent = 0
    while True:
        with transaction():
            statement = (
                select(Alert, Referral.reference)
                .join(Referral, Referral.id == Alert.referral_id)
                .where(Alert.email_pending.is_(True))
                .order_by(Alert.id)
                .limit(batch)
            )
            if db.session.get_bind().dialect.name == "postgresql":
                statement = statement.with_for_update(skip_locked=True, of=Alert)
            rows = db.session.execute(statement).all()
            if not rows:
                return sent
            try:
                smtp = _connect()
            except (OSError, smtplib.SMTPException) as error:
                log.warning("emails not sent: the mail server is unavailable (%s)", type(error).__name__)
                return sent
            with smtp:
                for alert, reference in rows:
                    try:
                        smtp.send_message(message_for(alert, reference))
                    except smtplib.SMTPException as error:
                        log.warning("alert %s: email not sent (%s)", alert.id, type(error).__name__)
                        alert.email_pending = False  # refused by the server: do not retry for ever
                        continue
                    alert.email_pending = False
                    alert.emailed_at = utcnow()
                    sent += 1
            log.info("sent %s alert emails", sent)
