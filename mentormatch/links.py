"""Absolute links for e-mail, built from the configured address of the service, never the request.

A link in an e-mail must point at the service whoever asked for the e-mail and however they
reached it (a forged Host header must not turn a password-reset link into someone else's),
and it must be buildable by a worker with no request at all.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under APP_BASE_URL (scheme, host and an optional path)."""
    base = urlsplit(current_app.config["APP_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
