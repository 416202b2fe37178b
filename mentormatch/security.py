"""Response headers that keep browsers strict (no inline script, no framing, no sniffing), and
which X-Forwarded-* headers to believe."""
from __future__ import annotations

from flask import Flask, Response
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Pico CSS draws its icons from data: URIs.
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    # Pages behind a login hold minors' and officers' data: keep them out of shared caches.
    if current_user and current_user.is_authenticated and not headers.get("Cache-Control"):
        headers["Cache-Control"] = "no-store"
    return response


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-* from as many proxies as configured, and no more.

    Behind a reverse proxy every request comes from the proxy's address, so without this every
    client would share one rate-limit key; with too high a count a client could forge its address.
    """
    counts = {name.lower(): app.config[f"PROXY_FIX_X_{name}"] for name in ("FOR", "PROTO", "HOST", "PORT", "PREFIX")}
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{name}": n for name, n in counts.items()})


def register(app: Flask) -> None:
    app.after_request(add_security_headers)
    trust_proxies(app)
