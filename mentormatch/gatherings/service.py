"""Who sees which event, and every change to events and RSVPs: publish, cancel, answer, cancel an
answer (the waitlist moves up), and attendance at the door.

Capacity counts people, guests included. An answer locks the event's row first, so two answers
at once cannot both take its last place: the second waits, then finds it taken and joins the
waitlist. SQLite serialises writers anyway; on PostgreSQL the row lock does it.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    Audience,
    Gathering,
    GatheringStatus,
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
from mentormatch.partners.referrals import liaison_partner

STAFF = (Role.COORDINATOR, Role.ADMIN)
FAMILY = (Role.GUARDIAN, Role.YOUTH)
MAX_GUESTS = 5


class RsvpRefused(Exception):
    """The answer was not recorded; the message is for the person who gave it."""


def _family_youth_ids(user: User):
    return sa.select(Youth.id).where(sa.or_(Youth.guardian_id == user.id, Youth.user_id == user.id))


def _visibility(user: Optional[User]):
    """The condition on Gathering for the published events `user` may see (None: nobody logged in)."""
    public = Gathering.audience == Audience.PUBLIC
    if user is None or not user.is_authenticated:
        return public
    if user.role in STAFF:
        return sa.true()
    if user.role is Role.PARTNER:
        partner = liaison_partner(user)
        return sa.or_(public, Gathering.partner_id == (partner.id if partner else -1))
    if user.role is Role.MENTOR:
        matched = sa.exists().where(Match.mentor_id == Mentor.id, Mentor.user_id == user.id,
                                    Match.status.in_(OPEN_MATCH_STATUSES))
        return sa.or_(public, Gathering.audience == Audience.MENTORS,
                      sa.and_(Gathering.audience == Audience.MATCHED_PAIRS, matched))
    in_program = sa.exists().where(Application.youth_id.in_(_family_youth_ids(user)),
                                   Application.program_id == Gathering.program_id, Application.status.notin_(
                                       ("draft", "withdrawn", "ineligible")))
    matched = sa.exists().where(Match.application_id == Application.id,
                                Application.youth_id.in_(_family_youth_ids(user)),
                                Match.status.in_(OPEN_MATCH_STATUSES))
    return sa.or_(public, sa.and_(Gathering.audience == Audience.PROGRAM_FAMILIES, in_program),
                  sa.and_(Gathering.audience == Audience.MATCHED_PAIRS, matched))


def upcoming(user: Optional[User], limit: Optional[int] = None) -> list[Gathering]:
    """Published events not yet over that `user` may see, soonest first."""
    statement = (sa.select(Gathering)
                 .where(Gathering.status == GatheringStatus.PUBLISHED, Gathering.ends_at >= utcnow(), _visibility(user))
                 .order_by(Gathering.starts_at, Gathering.id))
    if limit:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def can_see(gathering: Gathering, user: Optional[User]) -> bool:
    if may_manage(gathering, user):
        return True
    if gathering.status is GatheringStatus.DRAFT:
        return False
    return db.session.scalar(sa.select(sa.func.count(Gathering.id)).where(
        Gathering.id == gathering.id, _visibility(user))) == 1


def may_manage(gathering: Optional[Gathering], user: Optional[User]) -> bool:
    """Staff manage every event; a liaison those their organization co-hosts."""
    if user is None or not user.is_authenticated:
        return False
    if user.role in STAFF:
        return True
    if user.role is Role.PARTNER and gathering is not None:
        partner = liaison_partner(user)
        return partner is not None and partner.is_active and gathering.partner_id == partner.id
    return False


def managed_by(user: User) -> list[Gathering]:
    statement = sa.select(Gathering).order_by(Gathering.starts_at.desc(), Gathering.id.desc())
    if user.role is Role.PARTNER:
        partner = liaison_partner(user)
        statement = statement.where(Gathering.partner_id == (partner.id if partner else -1))
    return list(db.session.scalars(statement))


FIELDS = ("title", "kind", "description", "starts_at", "ends_at", "place", "capacity", "audience", "program_id",
          "partner_id")


def save(gathering: Gathering, actor: User, **values) -> Gathering:
    """Create or change an event (a draft until published); a liaison's events are their organization's."""
    new = gathering.id is None
    before = None if new else {name: _plain(getattr(gathering, name)) for name in FIELDS}
    for name, value in values.items():
        setattr(gathering, name, value)
    if actor.role is Role.PARTNER:
        gathering.partner_id = liaison_partner(actor).id
    if new:
        gathering.created_by = actor
        db.session.add(gathering)
    record_audit(actor, "gathering.create" if new else "gathering.update", gathering, before=before,
                 after={name: _plain(getattr(gathering, name)) for name in FIELDS})
    db.session.commit()
    return gathering


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else getattr(value, "value", value)


def publish(gathering: Gathering, actor: User) -> None:
    gathering.move_to(GatheringStatus.PUBLISHED, actor)
    db.session.commit()


def cancel(gathering: Gathering, actor: User) -> None:
    """Cancel the event; everyone who answered is told (a consequence of the event)."""
    gathering.move_to(GatheringStatus.CANCELLED, actor)
    db.session.commit()


def _lock(gathering: Gathering) -> Gathering:
    return db.session.scalar(sa.select(Gathering).where(Gathering.id == gathering.id)
                             .with_for_update().execution_options(populate_existing=True))


def places_taken(gathering: Gathering, without: Optional[Rsvp] = None) -> int:
    return sum(r.people for r in gathering.rsvps if r.status is RsvpStatus.GOING and r is not without)


def places_left(gathering: Gathering) -> Optional[int]:
    if gathering.capacity is None:
        return None
    return max(0, gathering.capacity - places_taken(gathering))


def answer_of(gathering: Gathering, user: User) -> Optional[Rsvp]:
    return next((r for r in gathering.rsvps if r.user_id == user.id), None)


def respond(gathering: Gathering, user: User, guests: int) -> Rsvp:
    """Say "I'm coming": a place if there is room for everyone in the party, else the waitlist."""
    gathering = _lock(gathering)
    if gathering.status is not GatheringStatus.PUBLISHED or gathering.ends_at < utcnow():
        db.session.rollback()
        raise RsvpRefused("closed")
    guests = guests if user.role in FAMILY else 0
    if not 0 <= guests <= MAX_GUESTS:
        db.session.rollback()
        raise RsvpRefused("guests")
    existing = answer_of(gathering, user)
    room = gathering.capacity is None or places_taken(gathering, without=existing) + 1 + guests <= gathering.capacity
    if existing is None:
        rsvp = Rsvp.record(gathering, user, RsvpStatus.GOING if room else RsvpStatus.WAITLISTED, guests)
    else:
        rsvp = existing
        if rsvp.status is RsvpStatus.GOING and not room:
            db.session.rollback()
            raise RsvpRefused("no_room_for_guests")
        if rsvp.guests != guests:
            record_audit(user, "rsvp.guests", rsvp, before={"guests": rsvp.guests}, after={"guests": guests},
                         **rsvp.audit_details())
            rsvp.guests = guests
        if rsvp.status is RsvpStatus.CANCELLED:
            rsvp.move_to(RsvpStatus.GOING if room else RsvpStatus.WAITLISTED, user)
        elif rsvp.status is RsvpStatus.WAITLISTED and room:
            rsvp.move_to(RsvpStatus.GOING, user)
    _move_waitlist_up(gathering)
    db.session.commit()
    return rsvp


def cancel_answer(rsvp: Rsvp, user: User) -> None:
    """Not coming after all: the place goes to whoever waited longest and fits."""
    gathering = _lock(rsvp.gathering)
    if rsvp.status is not RsvpStatus.CANCELLED:
        rsvp.move_to(RsvpStatus.CANCELLED, user)
    _move_waitlist_up(gathering)
    db.session.commit()


def _move_waitlist_up(gathering: Gathering) -> None:
    waiting = sorted((r for r in gathering.rsvps if r.status is RsvpStatus.WAITLISTED),
                     key=lambda r: (r.waitlisted_at or r.created_at, r.id))
    for rsvp in waiting:
        if gathering.capacity is not None and places_taken(gathering) + rsvp.people > gathering.capacity:
            continue
        # Told by e-mail: a consequence of rsvp.going coming from the waitlist.
        rsvp.move_to(RsvpStatus.GOING, None, "A place became free")


def mark_attendance(rsvp: Rsvp, actor: User, attended: bool) -> None:
    """One tap at the door: came, or (a wrong tap undone) did not."""
    if attended == (rsvp.attended_at is not None):
        return
    rsvp.attended_at = utcnow() if attended else None
    rsvp.attendance_taken_by_id = actor.id if attended else None
    record_audit(actor, "rsvp.attended" if attended else "rsvp.attendance_undone", rsvp, **rsvp.audit_details())
    db.session.commit()
