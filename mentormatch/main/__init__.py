"""The public front page and each role's home page."""
from flask import Blueprint

bp = Blueprint("main", __name__)

from mentormatch.main import routes  # noqa: E402,F401
