"""Events: coordinators and partner liaisons publish them; people RSVP, join a waitlist, are
reminded the day before, and are checked in at the door; mentors' volunteer hours; and each
person's private calendar feed."""
from flask import Blueprint

bp = Blueprint("gatherings", __name__, url_prefix="/events")

from mentormatch.gatherings import routes  # noqa: E402,F401
