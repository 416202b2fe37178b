"""Outgoing e-mail over SMTP; written to the log when no server is configured."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template

log = logging.getLogger(__name__)


def send(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render `templates/email/<template>.txt` and send it to one address."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(f"email/{template}.txt", **context))
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        log.info("E-mail (no MAIL_SERVER set) to %s: %s\n%s", to, subject, message.get_content())
        return message
    try:
        with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=10) as smtp:
            if current_app.config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if current_app.config.get("MAIL_USERNAME"):
                smtp.login(current_app.config["MAIL_USERNAME"], current_app.config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # A mail outage must not lose the user's action; the message is logged for resending.
        log.exception("Could not send e-mail to %s: %s\n%s", to, subject, message.get_content())
    return message
