"""Each person's private calendar feed (iCalendar): the events they said they are coming to and
the first meetings of their matches.

The address holds a secret; only its hash is kept, so the address is shown once, when it is made,
and making a new one retires the old. Times are written as floating (local wall-clock) times,
which is how the service keeps them. Nothing in the feed names a young person: a calendar is
often synchronised with another company's servers.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from icalendar import Calendar, Event

from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    AccessToken,
    Application,
    CalendarFeed,
    Match,
    Mentor,
    Role,
    Rsvp,
    RsvpStatus,
    User,
    Youth,
    record_audit,
    utcnow,
)


def issue(user: User) -> str:
    """A new secret address for `user`'s feed; any earlier one stops working. Returns the secret."""
    raw = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user=user)
        db.session.add(feed)
    feed.token_hash = AccessToken.hash(raw)
    feed.created_at = utcnow()
    record_audit(user, "calendar.address_made", user)
    db.session.commit()
    return raw


def owner(raw: str) -> Optional[User]:
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == AccessToken.hash(raw or "")))
    if feed is None or not feed.user.is_active_account:
        return None
    return feed.user


def has_feed(user: User) -> bool:
    return db.session.get(CalendarFeed, user.id) is not None


def _floating(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _matches(user: User) -> list[Match]:
    statement = sa.select(Match).where(Match.status.in_(OPEN_MATCH_STATUSES), Match.first_meeting_at.is_not(None))
    if user.role is Role.MENTOR:
        statement = statement.join(Mentor).where(Mentor.user_id == user.id)
    elif user.role in (Role.GUARDIAN, Role.YOUTH):
        statement = statement.join(Application).join(Youth).where(
            sa.or_(Youth.guardian_id == user.id, Youth.user_id == user.id))
    else:
        return []
    return list(db.session.scalars(statement))


def feed(user: User, site: str) -> bytes:
    """The iCalendar text of `user`'s RSVPs and first meetings."""
    calendar = Calendar()
    calendar.add("prodid", "-//MentorMatch//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "MentorMatch")
    stamp = utcnow()
    answers = db.session.scalars(sa.select(Rsvp).where(Rsvp.user_id == user.id,
                                                       Rsvp.status.in_([RsvpStatus.GOING, RsvpStatus.WAITLISTED])))
    for rsvp in answers:
        gathering = rsvp.gathering
        event = Event()
        event.add("uid", f"event-{gathering.id}@{site}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _floating(gathering.starts_at))
        event.add("dtend", _floating(gathering.ends_at))
        waitlisted = " (waitlist)" if rsvp.status is RsvpStatus.WAITLISTED else ""
        event.add("summary", gathering.title + waitlisted)
        event.add("location", gathering.place)
        event.add("status", "CANCELLED" if gathering.status.value == "cancelled" else "CONFIRMED")
        if gathering.description:
            event.add("description", gathering.description)
        calendar.add_component(event)
    for match in _matches(user):
        event = Event()
        event.add("uid", f"first-meeting-{match.id}@{site}")
        event.add("dtstamp", stamp)
        event.add("dtstart", _floating(match.first_meeting_at))
        event.add("duration", timedelta(hours=1))
        event.add("summary", f"MentorMatch first meeting ({match.application.program.name})")
        if match.first_meeting_place:
            event.add("location", match.first_meeting_place)
        calendar.add_component(event)
    return calendar.to_ical()
