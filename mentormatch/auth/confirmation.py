"""E-mail confirmation: a self-registered account proves its address before it sees or adds anyone.

Registration answers the same way whether or not the address has an account: a new address
gets a confirmation link, an address that already has an account gets a note saying someone
tried to register with it. The confirmation link is single-use, expires, and is stored only as a
hash (an AccessToken). Opening it confirms the address only for a browser logged in to that very
account, so the link alone (forwarded, or opened by someone who registered another person's
address) confirms nothing; a password reset, which needs the mailbox too, also confirms.

An unconfirmed account may log in, but until it is confirmed every page that is not public
sends it to the page asking it to confirm, where it can have the link sent again. Staff accounts
are made by an administrator or on the command line and start confirmed.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from flask import Flask, current_app, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from mentormatch import access, mail
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.models import AccessToken, Role, TokenPurpose, User, record_audit, utcnow

SELF_REGISTERED = frozenset({Role.GUARDIAN, Role.YOUTH, Role.MENTOR})

# What an unconfirmed account may still use besides public pages: its own account and the way out.
OPEN_TO_UNCONFIRMED = frozenset({
    "auth.unconfirmed", "auth.resend_confirmation", "auth.confirm_email", "auth.logout", "auth.settings",
    "auth.log_out_everywhere",
})


def needs_confirmation(user) -> bool:
    return user.is_authenticated and user.role in SELF_REGISTERED and not user.email_confirmed


def _retire_links(user: User) -> None:
    db.session.execute(
        sa.update(AccessToken)
        .where(AccessToken.user_id == user.id, AccessToken.purpose == TokenPurpose.EMAIL_CONFIRMATION,
               AccessToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def send_confirmation(user: User) -> None:
    """E-mail `user` a fresh confirmation link, in their language; earlier links stop working.

    Commits, with whatever the caller added (a new account).
    """
    hours = current_app.config["EMAIL_CONFIRMATION_HOURS"]
    _retire_links(user)
    _token, raw = AccessToken.issue(TokenPurpose.EMAIL_CONFIRMATION, user.email, timedelta(hours=hours), user=user)
    db.session.commit()
    with force_locale(user.locale):
        mail.send(user.email, _("Confirm your e-mail address for MentorMatch"), "confirm_email", user=user,
                  link=external_url("auth.confirm_email", token=raw), hours=hours)


def send_registration_attempt(user: User) -> None:
    """Tell the owner of an existing account that someone tried to register with their address."""
    db.session.commit()
    with force_locale(user.locale):
        mail.send(user.email, _("Someone tried to create a MentorMatch account with your e-mail"),
                  "registration_attempt", user=user, login_link=external_url("auth.login"),
                  reset_link=external_url("auth.forgot_password"))


def usable_link(raw: str) -> Optional[AccessToken]:
    token = AccessToken.find_usable(TokenPurpose.EMAIL_CONFIRMATION, raw)
    if token is None or token.user is None or token.email != token.user.email:
        return None
    return token


def confirm(user: User, token: Optional[AccessToken] = None) -> None:
    """Record that `user` proved the address is theirs; every confirmation link of theirs is spent."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record_audit(user, "account.email_confirmed", user, via="link" if token is not None else "password reset")
    _retire_links(user)


def require_confirmed_email():
    """Before every request: an unconfirmed account sees only public pages and its own account."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_TO_UNCONFIRMED:
        return None
    if access.access_rule(current_app, endpoint) == access.PUBLIC:
        return None
    if needs_confirmation(current_user):
        return redirect(url_for("auth.unconfirmed"))
    return None


def init_app(app: Flask) -> None:
    app.before_request(require_confirmed_email)
