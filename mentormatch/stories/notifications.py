"""E-mail about stories: the family is asked to approve, coordinators hear when a story can be
published, and when one is withdrawn."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from mentormatch.eventbus import subscribe
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.models import DomainEvent, Story
from mentormatch.notifications import coordinators
from mentormatch.partners.notifications import notify, person
from mentormatch.stories.service import approvers


@subscribe("story.awaiting_approval")
def ask_the_family(event: DomainEvent) -> None:
    story = db.session.get(Story, event.object_id)
    people = [person(a.user) for a in approvers(story) if a.user is not None]
    notify(event, people, _l("May we share %(name)s's story?", name=story.match.application.youth.first_name),
           "story_approval", story=story, program=story.match.application.program,
           link=external_url("stories.show", story_id=story.id))


@subscribe("story.approved", "story.withdrawn")
def tell_coordinators(event: DomainEvent) -> None:
    story = db.session.get(Story, event.object_id)
    approved = event.kind == "story.approved"
    subject = (f"A story is approved by the family and can be published: {story.title}" if approved
               else f"A story was withdrawn: {story.title}")
    notify(event, coordinators(), subject, "story_staff", story=story, approved=approved,
           link=external_url("stories.show", story_id=story.id))
