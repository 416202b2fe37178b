"""Families: children, the application journey, guardian consent, status pages and data rights."""
from flask import Blueprint

bp = Blueprint("family", __name__, url_prefix="/family")

from mentormatch.family import routes  # noqa: E402,F401
