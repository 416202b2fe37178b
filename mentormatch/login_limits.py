"""How fast passwords may be guessed, without letting a stranger lock the owner out.

Three limits count failed log-ins (a successful one redirects and is never counted):

* per account and source address, 5 per 15 minutes and 20 per day: the owner who mistypes
  gets five tries, and one address can try at most 20 passwords a day against one account;
* per account, 50 per hour and 200 per day, from browsers that have never logged in to it:
  guessing from many addresses together stays below 200 passwords a day (73,000 a year against
  passwords of 10 or more characters that are not on the common list). Reaching it takes at
  least three addresses within an hour, or ten within a day, and even then the owner still logs
  in from a browser they used before, which carries a signed "known browser" cookie;
* per source address, 30 per 15 minutes across all accounts, against one address trying many.

Before, five failures from anywhere locked the account for everyone, staff included.

For an unknown address the password is still checked, against a stand-in hash, so that the
answer takes as long as for a real account and timing cannot tell which addresses have one.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.security import check_password_hash, generate_password_hash

PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes; 20 per day"
PER_ACCOUNT = "50 per hour; 200 per day"
PER_ADDRESS = "30 per 15 minutes"

KNOWN_BROWSER_COOKIE = "known_browser"
KNOWN_BROWSER_DAYS = 365
# A shared family computer may know a few accounts; more is not worth a bigger cookie.
KNOWN_BROWSER_ACCOUNTS = 5


def _account(email: str) -> str:
    # The limiter's storage (Redis, say) holds a digest, not people's e-mail addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _submitted_account() -> str:
    return _account(request.form.get("email") or "")


def account_key() -> str:
    return "login-account:" + _submitted_account()


def account_and_address_key() -> str:
    return f"login-account-address:{_submitted_account()}:{get_remote_address()}"


def failed(response: Response) -> bool:
    """Only failures count toward a limit: a successful log-in redirects."""
    return response.status_code != 302


def account_and_address_message() -> str:
    return _("Too many attempts to log in to this account from here. Try again in 15 minutes, "
             "or reset your password.")


def account_message() -> str:
    return _("Too many attempts to log in to this account from other places. Log in from a device "
             "you have used before, or try again in an hour.")


def address_message() -> str:
    return _("Too many attempts from your network. Try again in 15 minutes.")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-browser")


def _known_accounts() -> list[str]:
    value = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not value:
        return []
    try:
        accounts = _serializer().loads(value)
    except BadSignature:
        return []
    return [a for a in accounts if isinstance(a, str)] if isinstance(accounts, list) else []


def is_known_browser() -> bool:
    """Has this browser logged in to the account being tried before?"""
    return _submitted_account() in _known_accounts()


def remember_browser(response: Response, email: str) -> Response:
    """Mark this browser as one the account has logged in from."""
    accounts = [_account(email)] + [a for a in _known_accounts() if a != _account(email)]
    response.set_cookie(
        KNOWN_BROWSER_COOKIE, _serializer().dumps(accounts[:KNOWN_BROWSER_ACCOUNTS]),
        max_age=KNOWN_BROWSER_DAYS * 24 * 3600, httponly=True, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


@lru_cache(maxsize=1)
def _stand_in_hash() -> str:
    # Made like a real password hash (same method and cost), once per process.
    return generate_password_hash("not anybody's password", method="scrypt")


def password_matches(user, password: str) -> bool:
    """Check `password` against `user`'s hash, or a stand-in's when there is no user, in about the same time."""
    if user is None:
        check_password_hash(_stand_in_hash(), password)
        return False
    return user.check_password(password)

