"""Outgoing e-mail through an outbox: written in the transaction that causes it, sent by workers.

`queue_message` renders a message in the recipient's language and adds it to the outbox in
the caller's transaction; after commit a worker sends it over SMTP (`deliver`). A message is
claimed before it is sent (one conditional UPDATE), so two workers never send it at once; a
refused or failed connection puts it back with a growing delay, and after `MAX_ATTEMPTS` it
is marked failed, which coordinators see on their dashboard with a button to try again. An
SMTP outage loses nothing. Where no MAIL_SERVER is configured the message is written to the
log and counts as sent.
"""
from __future__ import annotations

import logging
import re
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import force_locale

from mentormatch import queue
from mentormatch.extensions import db
from mentormatch.models import MessageStatus, OutboxMessage, record_audit, utcnow

log = logging.getLogger(__name__)

# Delay before each new attempt: a minute, five, half an hour, then every two hours.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = 8
SWEEP_BATCH = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ONE_ADDRESS = re.compile(r"[^\s@,;<>\"()\[\]:]+@[^\s@,;<>\"()\[\]:]+")


def header_safe(value: str) -> str:
    """A header value with line breaks and other control characters replaced by spaces, so a
    name typed with CR/LF cannot add headers or fail the message."""
    return _CONTROL.sub(" ", str(value)).strip()


@sa.event.listens_for(so.Session, "after_flush")
def _stage_new_messages(session: so.Session, _context) -> None:
    for obj in session.new:
        if isinstance(obj, OutboxMessage) and obj.status is MessageStatus.PENDING:
            queue.after_commit("deliver_message", obj.id, session=session)


def queue_message(to: str, subject: Any, template: str, locale: str = "en", key: Optional[str] = None,
                  **context: Any) -> Optional[OutboxMessage]:
    """Render `templates/email/<template>.txt` in `locale` and put it in the outbox.

    `subject` may be a lazy string; it is translated here. With a `key`, a message already
    written under that key is not written again (a consequence that runs twice).
    """
    if key is not None and db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == key)):
        return None
    if not _ONE_ADDRESS.fullmatch(to or ""):
        # Addresses come from validated forms; one that is not a single plain address is refused
        # rather than let it smuggle a second recipient or header into the message.
        log.warning("E-mail %r not written: %r is not one plain address", template, to)
        return None
    with force_locale(locale):
        subject_text = header_safe(str(subject))
        body = render_template(f"email/{template}.txt", **context)
    message = OutboxMessage(key=key, to_address=to, subject=subject_text, body=body,
                            template=template, locale=locale, status=MessageStatus.PENDING,
                            next_attempt_at=utcnow())
    db.session.add(message)
    return message


def send(to: str, subject: Any, template: str, locale: Optional[str] = None, **context: Any) -> None:
    """Queue one message and commit it: for account e-mails (reset, welcome) sent right after
    their own change was committed."""
    queue_message(to, subject, template, locale or _current_locale(), **context)
    db.session.commit()


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else "en"


def deliver(message_id: int, now: Optional[datetime] = None) -> MessageStatus:
    """Send one message if it is due and nobody else has it; record how it went."""
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .values(status=MessageStatus.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    message = db.session.get(OutboxMessage, message_id)
    if not claimed:
        return message.status if message else MessageStatus.SENT
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:1000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.FAILED
            log.error("Giving up on e-mail %s to %s after %s attempts: %s", message.id, message.to_address,
                      message.attempts, message.last_error)
        else:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            log.warning("E-mail %s to %s not sent (attempt %s), trying again at %s: %s", message.id,
                        message.to_address, message.attempts, message.next_attempt_at, message.last_error)
        db.session.commit()
        return message.status
    message.status = MessageStatus.SENT
    message.sent_at = utcnow()
    message.last_error = None
    db.session.commit()
    return message.status


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    # The same id on every attempt lets a receiving server drop a copy it already has.
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="mentormatch.local")
    email.set_content(message.body)
    server = config.get("MAIL_SERVER")
    if not server:
        log.info("E-mail (no MAIL_SERVER set) to %s: %s\n%s", message.to_address, message.subject, message.body)
        return
    with smtplib.SMTP(server, config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def due_messages(now: Optional[datetime] = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Messages to hand to the queue again: due retries, ones whose job was lost, and ones a
    worker claimed and never reported on. A claim that old is released first."""
    now = now or utcnow()
    # A message claimed this long ago by a worker that never reported back is sent again.
    claim_lost_after = timedelta(seconds=current_app.config["OUTBOX_CLAIM_LOST_SECONDS"])
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_at < now - claim_lost_after)
        .values(status=MessageStatus.PENDING, next_attempt_at=now)
    )
    db.session.commit()
    return list(db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ))


def deliver_due(now: Optional[datetime] = None) -> dict[str, int]:
    """Send every due message in this process: the sweep's work, and what tests drive directly."""
    counts: dict[str, int] = {}
    for message_id in due_messages(now):
        status = deliver(message_id, now)
        counts[status.value] = counts.get(status.value, 0) + 1
    return counts


def failed_messages(limit: int = 50) -> list[OutboxMessage]:
    return list(db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc()).limit(limit)
    ))


def retry(message: OutboxMessage, actor) -> None:
    """Send a failed message again from the start (a coordinator fixed the address or the server)."""
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    record_audit(actor, "outbox.retry", message, to=message.to_address)
    queue.after_commit("deliver_message", message.id)
    db.session.commit()
