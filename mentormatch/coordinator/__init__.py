"""The coordinator's workspace: review queues, mentor clearance, matching runs and their proposals,
the waitlist and the audit trail."""
from flask import Blueprint

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")

from mentormatch.coordinator import routes  # noqa: E402,F401
