"""A match's life after approval: first meeting, commitment, check-ins, closure and rematch."""
from flask import Blueprint

bp = Blueprint("lifecycle", __name__, url_prefix="/matches")

from mentormatch.lifecycle import routes  # noqa: E402,F401
