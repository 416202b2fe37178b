"""Success stories: a mentor or coordinator drafts one about a match, the family approves it, a
coordinator publishes it, and any of them may withdraw it at any time."""
from flask import Blueprint

bp = Blueprint("stories", __name__, url_prefix="/stories")

from mentormatch.stories import routes  # noqa: E402,F401
