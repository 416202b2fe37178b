"""Program reports with charts and CSV exports, recruitment gaps, and learning from outcomes."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from mentormatch.reports import routes  # noqa: E402,F401
