"""Login sessions kept on the server, so that logging out really ends them.

The signed session cookie alone cannot be taken back: a copy keeps working until it expires.
Each login therefore gets a random session id; only its hash is stored, in `login_sessions`,
and the id travels inside the user id Flask-Login keeps in the session cookie and in the
remember-me cookie. Every request looks the session up, so log out, a password change or reset,
suspension and "log out everywhere" end every copy of both cookies at once.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, has_request_context, request
from flask_login import login_user

from mentormatch.extensions import db, login_manager
from mentormatch.models import User, UTCDateTime, utcnow

# "Last seen" is a hint for the account page; writing it on every request would cost a write per page.
LAST_SEEN_EVERY = timedelta(minutes=5)


class LoginSession(db.Model):
    """One login on one browser: who, since when, last seen, and whether it was ended."""

    __tablename__ = "login_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # A short description such as "Firefox · Windows", for the account page; not the whole header.
    user_agent: so.Mapped[str] = so.mapped_column(sa.String(80), default="")
    revoked_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship()

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def is_current(self) -> bool:
        return has_request_context() and g.get("login_session_id") == self.id


def _max_age() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_SESSION_DAYS"])


def describe_browser(header: str) -> str:
    """A short name for a browser from its User-Agent header, the same in every language: "Firefox · Windows"."""
    browsers = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                ("Safari/", "Safari"))
    systems = (("Windows", "Windows"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
               ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))
    browser = next((name for mark, name in browsers if mark in header), "")
    system = next((name for mark, name in systems if mark in header), "")
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or header[:40]


def log_in(user: User, remember: bool = False) -> LoginSession:
    """Start a server-side session for `user` and log this browser in under it."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    # Old rows of this user are of no further use; dropping them keeps the table small.
    db.session.execute(sa.delete(LoginSession).where(
        LoginSession.user_id == user.id,
        sa.or_(LoginSession.revoked_at < now - timedelta(days=1), LoginSession.created_at < now - _max_age()),
    ))
    login = LoginSession(user=user, token_hash=LoginSession.hash(raw), created_at=now, last_seen_at=now,
                         user_agent=describe_browser(request.headers.get("User-Agent", "")))
    db.session.add(login)
    db.session.flush()
    user.login_session_token = raw
    g.login_session_id = login.id
    login_user(user, remember=remember, duration=_max_age())
    return login


# Built once, as every request runs it: a statement keeps its cache key, so a request skips
# walking the statement to find its compiled form.
_SESSION_USER = (sa.select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
                 .where(User.id == sa.bindparam("user_id"), LoginSession.token_hash == sa.bindparam("token_hash")))

_ACTIVE_SESSIONS = (sa.select(LoginSession)
                    .where(LoginSession.user_id == sa.bindparam("user_id"), LoginSession.revoked_at.is_(None),
                           LoginSession.created_at > sa.bindparam("since"))
                    .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc()))


@login_manager.user_loader
def load_user(user_id: str) -> Optional[User]:
    """The user of a live session: not ended, not expired, the account active and unchanged."""
    ident, version, token = (user_id.split(":") + ["", ""])[:3]
    if not ident.isdigit() or not version.isdigit() or not token:
        return None
    row = db.session.execute(_SESSION_USER, {"user_id": int(ident), "token_hash": LoginSession.hash(token)}).first()
    if row is None:
        return None
    user, login = row
    now = utcnow()
    # A bumped session_version (suspension, erasure) ends every session as well.
    if login.revoked_at is not None or login.created_at <= now - _max_age() \
            or not user.is_active or user.session_version != int(version):
        return None
    if now - login.last_seen_at > LAST_SEEN_EVERY and not (db.session.new or db.session.dirty or db.session.deleted):
        login.last_seen_at = now
        db.session.commit()
    user.login_session_token = token
    g.login_session_id = login.id
    return user


def active_sessions(user: User) -> list[LoginSession]:
    """The user's sessions that still work, most recently seen first."""
    return list(db.session.scalars(_ACTIVE_SESSIONS, {"user_id": user.id, "since": utcnow() - _max_age()}))


def revoke_sessions(user: User, except_current: bool = False) -> int:
    """End every session of `user` (but this browser's, with `except_current`), in the caller's
    transaction; the caller commits. Returns how many were ended."""
    statement = sa.update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    current = g.get("login_session_id") if has_request_context() else None
    if except_current and current is not None:
        statement = statement.where(LoginSession.id != current)
    result = db.session.execute(statement.values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def renew_sessions(user: User) -> LoginSession:
    """End every session of `user` and log this browser in under a new one (after a password change).

    The old id dies too, so a copy of this browser's cookies taken before the change is worthless.
    """
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    revoke_sessions(user)
    return log_in(user, remember=remembered)


def end_current_session() -> None:
    """End this browser's session on the server (log out); the caller commits."""
    current = g.get("login_session_id")
    if current is not None:
        db.session.execute(sa.update(LoginSession).where(LoginSession.id == current, LoginSession.revoked_at.is_(None))
                           .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
        g.pop("login_session_id")
