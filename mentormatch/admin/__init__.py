"""Administration: programs and their rules, staff accounts."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mentormatch.admin import routes  # noqa: E402,F401
