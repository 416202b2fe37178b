"""Friendly error pages; a failure is logged, never shown as a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import SecurityError

from mentormatch.extensions import db

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("The request could not be understood", "Go back, reload the page and try again."),
    403: ("You do not have access to this page", "It belongs to another role or another family. "
          "If you think you should see it, ask your program coordinator."),
    404: ("Page not found", "The page does not exist, or it is not one you can see."),
    405: ("That action is not allowed here", "Go back and use the page's buttons."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "The error is logged. Please try again in a moment."),
    503: ("The service is busy or down for maintenance", "Your change was not saved. Please try again in a minute."),
}


def _page(code: int, detail: str | None = None):
    title, text = MESSAGES[code]
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def register(app: Flask) -> None:
    for code in (400, 403, 404, 405, 429):
        app.register_error_handler(code, lambda e, code=code: _page(code))

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # The Host header names a site that is not ours: no page of ours, no links built from it.
        return "Bad request: unknown host.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _page(400, "The form expired or was sent from elsewhere. Reload the page and send it again.")

    @app.errorhandler(OperationalError)
    def database_down(error):
        log.exception("Database unavailable")
        db.session.rollback()
        return _page(503)

    @app.errorhandler(500)
    def server_error(error):
        log.error("Unhandled error: %s", getattr(error, "original_exception", error))
        db.session.rollback()
        return _page(500)
