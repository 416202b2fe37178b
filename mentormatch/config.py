"""Settings read from the environment, with safe defaults for development."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-not-secret"
DEV_BASE_URL = "http://127.0.0.1:5000"
# A development server answers on the loopback names when no base URL is configured.
DEV_HOSTS = ["127.0.0.1", "localhost"]
PROXY_HEADERS = ("FOR", "PROTO", "HOST", "PORT", "PREFIX")


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _names(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def from_environment(instance_path: str) -> dict:
    """Build the app's settings from environment variables."""
    default_db = "sqlite:///" + str(Path(instance_path) / "mentormatch.db")
    database_url = os.environ.get("DATABASE_URL", default_db)
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    base_url = os.environ.get("APP_BASE_URL", "").strip()
    # Served over https, cookies go over https only unless explicitly told otherwise.
    secure_cookies = _flag("SESSION_COOKIE_SECURE", default=base_url.startswith("https://"))
    return {
        "ENV_NAME": os.environ.get("MENTORMATCH_ENV", "development"),
        # Where the service is reached, e.g. https://mentors.example.gov or https://example.gov/mentors;
        # links in e-mail are built from it, never from the request's Host header.
        "APP_BASE_URL": base_url,
        # Host names besides APP_BASE_URL's that requests may name (another name for the same service).
        "EXTRA_TRUSTED_HOSTS": _names("TRUSTED_HOSTS"),
        # How many reverse proxies in front of the app set each X-Forwarded-* header; 0 trusts none.
        **{f"PROXY_FIX_X_{name}": int(os.environ.get(f"PROXY_FIX_X_{name}", "0")) for name in PROXY_HEADERS},
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "MentorMatch <no-reply@mentormatch.local>"
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A login lasts at most this long, remembered or not; then the person logs in again.
        "LOGIN_SESSION_DAYS": 30,
        "PASSWORD_RESET_HOURS": 2,
        "EMAIL_CONFIRMATION_HOURS": 48,
        # A registration is answered after at least this long, whether or not the address had an
        # account (creating one writes a few rows more than noting the attempt).
        "REGISTRATION_ANSWER_SECONDS": 0.25,
        "CONSENT_LINK_DAYS": 14,
        # A partner's invitation link works this long; a logged meeting counts this many volunteer hours.
        "REFERRAL_LINK_DAYS": int(os.environ.get("REFERRAL_LINK_DAYS", "21")),
        "MENTOR_MEETING_HOURS": float(os.environ.get("MENTOR_MEETING_HOURS", "1")),
        "WTF_CSRF_TIME_LIMIT": None,
        "LANGUAGES": ["en", "es"],
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        "BABEL_DEFAULT_LOCALE": "en",
        # The job queue: a message claimed by a worker this many seconds ago without word is sent
        # again; a matching run whose heartbeat is this old lost its worker.
        "OUTBOX_CLAIM_LOST_SECONDS": float(os.environ.get("OUTBOX_CLAIM_LOST_SECONDS", "600")),
        "RUN_STALE_SECONDS": float(os.environ.get("RUN_STALE_SECONDS", "900")),
        # Seconds a server may reuse a whole-table figure (median waits, cadence counts) it has not seen change.
        "FIGURES_MAX_AGE": float(os.environ.get("FIGURES_MAX_AGE", "60")),
    }


def check_production(settings: dict) -> None:
    """Refuse to start a production server on the development secret key or without its address."""
    if settings.get("ENV_NAME") == "production":
        key = settings.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "when MENTORMATCH_ENV=production."
            )
        if not settings.get("APP_BASE_URL"):
            raise RuntimeError(
                "APP_BASE_URL must be set to the address users reach the service at "
                "(e.g. https://mentors.example.gov) when MENTORMATCH_ENV=production."
            )


def settle(settings: dict) -> None:
    """Fill in the settings that follow from others, once overrides are applied.

    The base URL's host becomes the only trusted host (plus EXTRA_TRUSTED_HOSTS), so a request
    naming another Host is refused with 400 before any view runs. The remember-me cookie is as
    secure as the session cookie it stands in for.
    """
    base_url = settings.get("APP_BASE_URL") or ""
    if not base_url and settings.get("ENV_NAME") != "production":
        settings["APP_BASE_URL"] = base_url = DEV_BASE_URL
        hosts = list(DEV_HOSTS)
    else:
        hosts = []
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"APP_BASE_URL must look like https://mentors.example.gov, not {base_url!r}.")
    if settings.get("TRUSTED_HOSTS") is None:
        hosts = [parts.hostname, *hosts, *settings.get("EXTRA_TRUSTED_HOSTS", [])]
        settings["TRUSTED_HOSTS"] = list(dict.fromkeys(hosts))
    settings["REMEMBER_COOKIE_SECURE"] = bool(settings.get("SESSION_COOKIE_SECURE"))
