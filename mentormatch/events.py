"""Domain events after commit: each is handed to the queue, and each consequence runs once.

A state change records a `DomainEvent` row in its own transaction (`record_audit` does it).
When that transaction commits, the event's id goes to the queue (`queue.after_commit`); a
worker then runs every consequence subscribed to the event's kind (`eventbus.subscribe`),
each in a transaction of its own that also writes an `EventHandling` row. That row is the
consequence's receipt: delivered twice, an event's consequence finds its receipt and does
nothing; two workers racing on one event cannot both commit the receipt, so the loser's
work is rolled back. A consequence that fails is tried again by the next delivery, which
the queue's retries or the minute's sweep provide; the others are not run twice.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.exc import IntegrityError

from mentormatch import queue
from mentormatch.eventbus import subscribers_of
from mentormatch.extensions import db
from mentormatch.models import DomainEvent, EventHandling, utcnow

log = logging.getLogger(__name__)

# An event still undispatched this long after it was recorded lost its job: the sweep hands it on.
LOST_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500
# An event whose consequence failed this often is left for a person to look at (the dashboard says so).
MAX_ATTEMPTS = 10


@sa.event.listens_for(so.Session, "after_flush")
def _stage_new_events(session: so.Session, _context) -> None:
    for obj in session.new:
        if isinstance(obj, DomainEvent) and obj.dispatched_at is None:
            queue.after_commit("dispatch_event", obj.id, session=session)


@contextmanager
def quiet() -> Iterator[None]:
    """Events recorded inside are history being loaded: their state consequences run, but
    nobody is e-mailed about them."""
    db.session.info["quiet_events"] = True
    try:
        yield
    finally:
        db.session.info.pop("quiet_events", None)


def handle(event_id: int) -> bool:
    """Run the event's consequences not yet done; True once all of them are."""
    event = db.session.get(DomainEvent, event_id)
    if event is None or event.dispatched_at is not None:
        return True
    done = set(db.session.scalars(sa.select(EventHandling.subscriber)
                                  .where(EventHandling.event_id == event_id)))
    failed: list[str] = []
    for name, consequence in subscribers_of(event.kind):
        if name in done:
            continue
        # What a quiet event causes is quiet too: loading history e-mails nobody, down the line.
        outer = db.session.info.get("quiet_events", False)
        db.session.info["quiet_events"] = event.quiet or outer
        try:
            consequence(event)
            db.session.add(EventHandling(event_id=event_id, subscriber=name))
            db.session.commit()
        except IntegrityError:
            # Another worker committed this consequence first; ours is undone.
            db.session.rollback()
        except Exception as error:
            db.session.rollback()
            log.exception("Consequence %s of event %s (%s) failed", name, event_id, event.kind)
            failed.append(f"{name}: {type(error).__name__}: {error}")
        finally:
            db.session.info["quiet_events"] = outer
        event = db.session.get(DomainEvent, event_id)
    if failed:
        event.attempts += 1
        event.last_error = "; ".join(failed)[:2000]
        db.session.commit()
        return False
    db.session.execute(sa.update(DomainEvent).where(DomainEvent.id == event_id,
                                                    DomainEvent.dispatched_at.is_(None))
                       .values(dispatched_at=utcnow(), last_error=None))
    db.session.commit()
    return True


def dispatch_all() -> int:
    """Run here every consequence not yet run (the command line, after loading data)."""
    handled = 0
    while True:
        pending = list(db.session.scalars(sa.select(DomainEvent.id).where(DomainEvent.dispatched_at.is_(None),
                                                                           DomainEvent.attempts < MAX_ATTEMPTS)
                                          .order_by(DomainEvent.id).limit(SWEEP_BATCH)))
        if not pending:
            return handled
        for event_id in pending:
            handle(event_id)
            handled += 1


def lost_events(now: Optional[datetime] = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Ids of events recorded a while ago whose consequences have not all run."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(DomainEvent.id)
        .where(DomainEvent.dispatched_at.is_(None), DomainEvent.created_at < now - LOST_AFTER,
               DomainEvent.attempts < MAX_ATTEMPTS)
        .order_by(DomainEvent.id).limit(limit)
    ))


def stuck_events(limit: int = 50) -> list[DomainEvent]:
    """Events whose consequences kept failing: someone must look at the error."""
    return list(db.session.scalars(
        sa.select(DomainEvent)
        .where(DomainEvent.dispatched_at.is_(None), DomainEvent.attempts >= MAX_ATTEMPTS)
        .order_by(DomainEvent.id).limit(limit)
    ))


_NEWEST = sa.select(sa.func.max(DomainEvent.id))


def newest_event_id() -> int:
    """The id of the newest event: a change anywhere moves it, on every server alike."""
    return db.session.scalar(_NEWEST) or 0
