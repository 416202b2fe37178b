"""Accounts: registration by role, log in and out, password reset by e-mail."""
from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from mentormatch.auth import routes  # noqa: E402,F401
