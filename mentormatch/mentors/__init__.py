"""Mentors: their profile and the clearances they record for a coordinator to verify."""
from flask import Blueprint

bp = Blueprint("mentors", __name__, url_prefix="/mentor")

from mentormatch.mentors import routes  # noqa: E402,F401
