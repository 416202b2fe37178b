"""Absolute links for e-mail, built from the configured APP_BASE_URL and never from the request.

A link built from the request would carry whatever Host header the sender chose, so a password
reset asked for with "Host: evil.example" would mail the victim a link to evil.example.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under APP_BASE_URL, with or without a request.

    `endpoint` is the full name ("auth.reset_password"); `values` are the URL's arguments, with
    `_anchor` for a fragment. E-mail rendered by a background worker needs only an app context.
    """
    app = current_app
    base = urlsplit(app.config["APP_BASE_URL"])
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    adapter = app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(anchor, safe="%!#$&'()*+,/:;=?@")
    return url
