"""What a change in one place means for the rest of the service, run after it commits.

Each function here subscribes to a domain event and runs once for it, on a worker, in a
transaction of its own (see `mentormatch.events`). E-mail consequences live in
`mentormatch.notifications`.

| event                                  | consequence                                            |
|----------------------------------------|--------------------------------------------------------|
| proposal.declined_by_guardian          | the pair is never proposed again for that child        |
| consent.withdrawn                      | the child's working matches pause                      |
| mentor.suspended                       | the mentor's working matches pause                     |
| clearance.lapsed, clearance.failed     | the mentor's working matches pause if not cleared      |
"""
from __future__ import annotations

import sqlalchemy as sa

from mentormatch.eventbus import subscribe
from mentormatch.extensions import db
from mentormatch.lifecycle.actions import pause_match
from mentormatch.models import (
    WORKING_MATCH_STATUSES,
    Clearance,
    DomainEvent,
    DoNotMatch,
    Match,
    MatchProposal,
    Mentor,
    PairSource,
    PauseReason,
    record_audit,
)


@subscribe("proposal.declined_by_guardian")
def never_propose_declined_pair(event: DomainEvent) -> None:
    """A mentor the family turned down is ruled out for that child until a coordinator lifts it."""
    proposal = db.session.get(MatchProposal, event.object_id)
    youth_id = proposal.application.youth_id
    standing = db.session.scalar(sa.select(DoNotMatch).where(
        DoNotMatch.youth_id == youth_id, DoNotMatch.mentor_id == proposal.mentor_id, DoNotMatch.lifted_at.is_(None)))
    if standing is not None:
        return
    pair = DoNotMatch(youth_id=youth_id, mentor_id=proposal.mentor_id, source=PairSource.FAMILY,
                      reason=proposal.decision_reason or "", proposal_id=proposal.id,
                      created_by_id=proposal.decided_by_id, created_at=proposal.decided_at)
    record_audit(proposal.decided_by, "do_not_match.create", pair, youth_id=youth_id,
                 mentor_id=proposal.mentor_id, source=PairSource.FAMILY.value, reason=pair.reason)


def _working_matches(**where) -> list[Match]:
    statement = sa.select(Match).where(Match.status.in_(WORKING_MATCH_STATUSES)).order_by(Match.id)
    for column, value in where.items():
        statement = statement.where(getattr(Match, column) == value)
    return list(db.session.scalars(statement))


@subscribe("consent.withdrawn")
def pause_matches_without_consent(event: DomainEvent) -> None:
    for match in _working_matches(application_id=event.object_id):
        pause_match(match, PauseReason.CONSENT_WITHDRAWN)


@subscribe("mentor.suspended")
def pause_suspended_mentors_matches(event: DomainEvent) -> None:
    for match in _working_matches(mentor_id=event.object_id):
        pause_match(match, PauseReason.MENTOR_SUSPENDED)


@subscribe("clearance.lapsed", "clearance.failed")
def pause_uncleared_mentors_matches(event: DomainEvent) -> None:
    clearance = db.session.get(Clearance, event.object_id)
    mentor: Mentor = clearance.mentor
    if mentor.can_be_matched():
        return  # a newer record of the same kind still stands
    for match in _working_matches(mentor_id=mentor.id):
        pause_match(match, PauseReason.CLEARANCE_LAPSED)
