"""Settings read from the environment, with safe defaults for development."""
from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-not-secret"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict:
    """Build the app's settings from environment variables."""
    default_db = "sqlite:///" + str(Path(instance_path) / "mentormatch.db")
    database_url = os.environ.get("DATABASE_URL", default_db)
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "ENV_NAME": os.environ.get("MENTORMATCH_ENV", "development"),
        # Where the service is reached: every link in an e-mail starts with it, whoever asked.
        "APP_BASE_URL": os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000"),
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
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PASSWORD_RESET_HOURS": 2,
        "CONSENT_LINK_DAYS": 14,
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
    """Refuse to start a production server on the development secret key."""
    if settings.get("ENV_NAME") == "production":
        key = settings.get("SECRET_KEY") or ""
        if key == DEV_SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters "
                "when MENTORMATCH_ENV=production."
            )
