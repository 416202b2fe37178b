"""E-mail about events: a place freed for someone on the waitlist, an event cancelled, and the
reminder the day before (a job on the queue's schedule, once per person and event).

| event / schedule             | who hears                                  |
|------------------------------|--------------------------------------------|
| rsvp.going from the waitlist | the person who now has a place             |
| gathering.cancelled          | everyone going or on the waitlist          |
| every hour                   | everyone going to an event that is tomorrow |
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from huey import crontab

from mentormatch.eventbus import subscribe
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.mail import queue_message
from mentormatch.models import DomainEvent, Gathering, GatheringStatus, Rsvp, RsvpStatus
from mentormatch.partners.notifications import notify, person
from mentormatch.queue import job
from mentormatch.reminders import _once


@subscribe("rsvp.going")
def place_from_waitlist(event: DomainEvent) -> None:
    if (event.data.get("before") or {}).get("status") != RsvpStatus.WAITLISTED.value:
        return
    rsvp = db.session.get(Rsvp, event.object_id)
    if not rsvp.user.is_active_account:
        return
    gathering = rsvp.gathering
    notify(event, [person(rsvp.user)], _l("You have a place: %(title)s", title=gathering.title),
           "gathering_place", gathering=gathering, link=external_url("gatherings.show", gathering_id=gathering.id))


@subscribe("gathering.cancelled")
def gathering_cancelled(event: DomainEvent) -> None:
    gathering = db.session.get(Gathering, event.object_id)
    people = [person(r.user) for r in gathering.rsvps
              if r.status in (RsvpStatus.GOING, RsvpStatus.WAITLISTED) and r.user.is_active_account]
    notify(event, people, _l("Cancelled: %(title)s", title=gathering.title), "gathering_cancelled",
           gathering=gathering, link=external_url("gatherings.index"))


def remind_tomorrow(today: Optional[date] = None) -> int:
    """Remind everyone going to an event that starts tomorrow, once per person and start time."""
    today = today or date.today()
    start = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=timezone.utc)
    rsvps = db.session.scalars(
        sa.select(Rsvp).join(Gathering)
        .where(Gathering.status == GatheringStatus.PUBLISHED, Gathering.starts_at >= start,
               Gathering.starts_at < start + timedelta(days=1), Rsvp.status == RsvpStatus.GOING)
        .options(so.joinedload(Rsvp.gathering), so.joinedload(Rsvp.user)).order_by(Rsvp.id))
    sent = 0
    for rsvp in rsvps:
        gathering, user = rsvp.gathering, rsvp.user
        if not user.is_active_account or not _once(f"event-reminder:{rsvp.id}:{gathering.starts_at.isoformat()}"):
            continue
        recipient = person(user)
        queue_message(recipient.email, _l("Tomorrow: %(title)s", title=gathering.title), "gathering_reminder",
                      recipient.locale, recipient=recipient, gathering=gathering, rsvp=rsvp,
                      link=external_url("gatherings.show", gathering_id=gathering.id))
        sent += 1
    db.session.commit()
    return sent


@job(schedule=crontab(minute="10"))
def event_reminders() -> None:
    """Every hour, so an event published late in the day still has its reminder sent."""
    remind_tomorrow()
