"""Each person's private calendar feed (iCalendar): the events they said they are coming to, and
their matches' meetings: the first one, and each one the mentor logged in the past year.

The address holds a secret; only its hash is kept, so the address is shown once, when it is made,
and making a new one retires the old. Times are written as floating (local wall-clock) times,
which is how the service keeps them. Nothing in the feed names a young person: a calendar is
often synchronised with another company's servers.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from icalendar import Calendar, Event

from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    AccessToken,
    Application,
    CalendarFeed,
    CheckIn,
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


# Logged meetings older than this stay out of the feed, which calendar apps fetch again and again.
LOGGED_MEETINGS_DAYS = 365


def _theirs(statement, user: User):
    """`statement` (over Match) narrowed to the matches of `user`; None for anyone not in a match."""
    if user.role is Role.MENTOR:
        return statement.join(Mentor, Match.mentor_id == Mentor.id).where(Mentor.user_id == user.id)
    if user.role in (Role.GUARDIAN, Role.YOUTH):
        return statement.join(Application, Match.application_id == Application.id).join(Youth).where(
            sa.or_(Youth.guardian_id == user.id, Youth.user_id == user.id))
    return None


def _matches(user: User) -> list[Match]:
    statement = _theirs(sa.select(Match).where(Match.status.in_(OPEN_MATCH_STATUSES),
                                               Match.first_meeting_at.is_not(None)), user)
    return [] if statement is None else list(db.session.scalars(statement))


def _logged_meetings(user: User, today: date) -> list[CheckIn]:
    statement = _theirs(sa.select(CheckIn).join(Match, CheckIn.match_id == Match.id)
                        .where(CheckIn.is_mentor_meeting.is_(True),
                               CheckIn.occurred_on >= today - timedelta(days=LOGGED_MEETINGS_DAYS))
                        .order_by(CheckIn.occurred_on), user)
    return [] if statement is None else list(db.session.scalars(statement))


def feed(user: User, site: str) -> bytes:
    """The iCalendar text of `user`'s RSVPs, first meetings and logged meetings, in their language."""
    with force_locale(user.locale or "en"):
        return _feed(user, site)


def _feed(user: User, site: str) -> bytes:
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
        waitlisted = rsvp.status is RsvpStatus.WAITLISTED
        event.add("summary", _("%(title)s (waitlist)", title=gathering.title) if waitlisted else gathering.title)
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
        event.add("summary", _("MentorMatch first meeting (%(program)s)", program=match.application.program.name))
        if match.first_meeting_place:
            event.add("location", match.first_meeting_place)
        calendar.add_component(event)
    for meeting in _logged_meetings(user, stamp.date()):
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{site}")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.occurred_on)
        event.add("dtend", meeting.occurred_on + timedelta(days=1))
        event.add("summary", _("MentorMatch meeting (%(program)s)", program=meeting.match.application.program.name))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
