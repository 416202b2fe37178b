"""The partnership: partner organizations and their liaisons, referrals with their invitation
links, what a liaison may see of a referral, and the report by referral source."""
from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partners")

from mentormatch.partners import admin_routes, invitation_routes, routes  # noqa: E402,F401
