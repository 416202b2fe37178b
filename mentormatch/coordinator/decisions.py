"""A coordinator's decisions on proposals, re-checked against the database at the moment they are made.

Approval counts a mentor's open matches and inserts the new one in a single
transaction that holds the mentor's and the application's locks, so two coordinators
approving at once can never take a mentor past capacity or give a youth two mentors.
"""
from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch.extensions import db
from mentormatch.matching_service import candidates_for
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    DoNotMatch,
    Match,
    MatchProposal,
    MatchStatus,
    Mentor,
    PairSource,
    ProposalStatus,
    User,
    record_audit,
    utcnow,
)


def _application():
    return so.joinedload(MatchProposal.application, innerjoin=True)


def _mentor():
    return so.joinedload(MatchProposal.mentor, innerjoin=True)


# What an approval reads, in one statement: the youth, the mentor's account, the consents and
# the mentor's clearances joined in, with the mentor's open matches and any ruled-out pair beside
# them. The e-mails that follow are written by the event's consequences, which read their own.
CHECK_OPTIONS = (
    _application().joinedload(Application.youth, innerjoin=True),
    _application().joinedload(Application.consents),
    _mentor().joinedload(Mentor.user, innerjoin=True),
    _mentor().joinedload(Mentor.clearances),
    # What only an expanded row shows: the approved row is shown folded.
    so.defer(MatchProposal.alternatives, raiseload=True),
    so.defer(MatchProposal.chance, raiseload=True),
)


class DecisionRefused(Exception):
    """The decision no longer holds: the message says why, and nothing was changed."""


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def lock_for_approval(mentor_id: int, application_id: int, actor: User) -> None:
    """Hold the mentor and the youth's application until commit: row locks on PostgreSQL, the
    single write lock on SQLite (which lets one writer in at a time, so the count of a mentor's
    matches and the insert of a new one are one step another writer waits for). The order is
    `_lock_mentor_of`'s: mentor, then application."""
    if not _is_sqlite():
        db.session.execute(sa.select(Mentor.id).where(Mentor.id == mentor_id).with_for_update(key_share=True))
    lock_application(application_id, actor)


def _lock_mentor_of(proposal_id: int) -> tuple[int, int]:
    """The proposal's mentor and application, with the mentor's row held on PostgreSQL: one statement.

    FOR NO KEY UPDATE: approvals for one mentor queue behind each other, while rows that merely
    point at the mentor (a do-not-match pair, a match) can still be inserted. Two proposals for
    one youth name two mentors, so the mentor's lock alone would let both be approved at once:
    the application is taken next. Mentor first, then application, on every path: no two
    approvals can wait on each other in a circle.
    """
    pair = _PAIR if _is_sqlite() else _PAIR_WITH_MENTOR_LOCK
    mentor_id, application_id = db.session.execute(pair, {"proposal_id": proposal_id}).one()
    return mentor_id, application_id


def lock_application(application_id: int, actor: User) -> None:
    """Hold the youth's application until commit, so a rejection, swap or rule-out cannot cross an
    approval of the same youth: it waits for the approval and then sees its outcome.

    Only the application is taken (never a mentor after it), so these never wait on an
    approval in a circle. Anything read before the lock may be stale: it is read again under it,
    all but the actor's own account, which a decision reads only for its id.
    """
    if _is_sqlite():
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    else:
        db.session.execute(_APPLICATION_LOCK, {"application_id": application_id})
    # By identity key: the actor is often the request's current_user, a stand-in for the object.
    actor_key = sa.inspect(User).identity_key_from_primary_key((actor.id,))
    for key, loaded in list(db.session.identity_map.items()):
        if key != actor_key:
            db.session.expire(loaded)


def open_matches(mentor_id: int) -> int:
    return db.session.scalar(sa.select(_taken(mentor_id))) or 0


def _taken(mentor_id) -> sa.ScalarSelect:
    """The mentor's open matches, as a column another select can carry."""
    return (sa.select(sa.func.count(Match.id))
            .where(Match.mentor_id == mentor_id, Match.status.in_(OPEN_MATCH_STATUSES)).scalar_subquery())


def _ruled_out(youth_id, mentor_id) -> sa.ScalarSelect:
    """A standing do-not-match pair of this youth and mentor, if any, as a column."""
    return (sa.select(DoNotMatch.id)
            .where(DoNotMatch.youth_id == youth_id, DoNotMatch.mentor_id == mentor_id,
                   DoNotMatch.lifted_at.is_(None))
            .limit(1).scalar_subquery())


def approval_problem(proposal: MatchProposal, taken: int, ruled_out: Optional[int]) -> Optional[str]:
    """Why this proposal cannot be approved right now, in words; None when it can.

    `taken` is the mentor's open matches and `ruled_out` the id of a standing do-not-match pair
    of the two, both read under the locks.
    """
    application, mentor = proposal.application, proposal.mentor
    youth = application.youth
    if proposal.status is not ProposalStatus.PENDING:
        return f"This proposal is already {proposal.status.label.lower()}."
    if application.status is not ApplicationStatus.WAITLISTED:
        return (f"{youth.full_name}'s application is now {application.status.label.lower()}, "
                "not waiting for a mentor.")
    if not application.consent_on_file:
        return f"{youth.full_name} has no confirmed guardian consent on file."
    if not mentor.can_be_matched():
        return f"{mentor.user.full_name} is no longer cleared: {' '.join(mentor.clearance_problems())}"
    if taken >= mentor.capacity:
        return f"{mentor.user.full_name} has no free place ({taken} of {mentor.capacity} taken)."
    if ruled_out is not None:
        return f"This pair is ruled out: {db.session.get(DoNotMatch, ruled_out).description}"
    return None


def _approve_locked(proposal: MatchProposal, actor: User, taken: int, ruled_out: Optional[int]) -> Match:
    problem = approval_problem(proposal, taken, ruled_out)
    if problem:
        db.session.rollback()
        raise DecisionRefused(problem)
    now = utcnow()
    # The match goes in first, alone, for its id: the audit trail and the events then all go in at
    # commit, in one flush, rather than some in a flush of their own to wait for that id.
    match = Match(application_id=proposal.application_id, mentor_id=proposal.mentor_id,
                  proposal=proposal, status=MatchStatus.AWAITING_FIRST_MEETING,
                  approved_by_id=actor.id, approved_at=now)
    db.session.add(match)
    db.session.flush()
    proposal.move_to(ProposalStatus.APPROVED, actor, at=now)
    record_audit(actor, "match.create", match, application_id=proposal.application_id,
                 mentor_id=proposal.mentor_id, proposal_id=proposal.id)
    proposal.application.move_to(ApplicationStatus.PROPOSED, actor,
                                 f"Mentor proposed: {proposal.mentor.user.first_name}")
    _commit_keeping_loaded()
    return match


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the session holds: it was read under the decision's locks and
    written by it, so the row shown after the decision is drawn from it without reading it again."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def approve(proposal_id: int, actor: User) -> Match:
    """Approve a pending proposal after re-checking it; raise DecisionRefused when it no longer holds.

    The family and the mentor are e-mailed after commit, by the event's consequences. The match's
    proposal comes back loaded (youth, mentor and account), ready to be shown.
    """
    mentor_id, application_id = _lock_mentor_of(proposal_id)
    lock_application(application_id, actor)
    proposal, taken, ruled_out = db.session.execute(_APPROVAL_READ, {"proposal_id": proposal_id}).unique().one()
    if proposal.mentor_id != mentor_id:
        db.session.rollback()
        raise DecisionRefused("The proposal changed while you were deciding; look again.")
    return _approve_locked(proposal, actor, taken, ruled_out)


# An approval's statements, built once: a statement keeps its cache key, so each approval skips
# walking the statement and its loader options to find its compiled form.
_PAIR = (sa.select(MatchProposal.mentor_id, MatchProposal.application_id)
         .where(MatchProposal.id == sa.bindparam("proposal_id")))
_PAIR_WITH_MENTOR_LOCK = (_PAIR.join(Mentor, Mentor.id == MatchProposal.mentor_id)
                          .with_for_update(of=Mentor, key_share=True))
_APPLICATION_LOCK = (sa.select(Application.id).where(Application.id == sa.bindparam("application_id"))
                     .with_for_update(key_share=True))
_APPROVAL_READ = (
    sa.select(MatchProposal, _taken(MatchProposal.mentor_id),
              _ruled_out(sa.select(Application.youth_id).where(Application.id == MatchProposal.application_id)
                         .correlate(MatchProposal).scalar_subquery(), MatchProposal.mentor_id))
    .where(MatchProposal.id == sa.bindparam("proposal_id")).options(*CHECK_OPTIONS)
)


def reject(proposal: MatchProposal, actor: User, reason: str) -> None:
    """Turn a pending proposal down; the youth stays on the waitlist for the next run."""
    lock_application(proposal.application_id, actor)
    _reject_locked(proposal, actor, reason)
    db.session.commit()


def _refuse_unless_pending(proposal: MatchProposal) -> None:
    if proposal.status is not ProposalStatus.PENDING:
        db.session.rollback()
        raise DecisionRefused(f"This proposal is already {proposal.status.label.lower()}.")


def _reject_locked(proposal: MatchProposal, actor: User, reason: str) -> None:
    _refuse_unless_pending(proposal)
    proposal.move_to(ProposalStatus.REJECTED, actor, reason)


def swap(proposal: MatchProposal, actor: User, mentor_id: int) -> None:
    """Point a pending proposal at one of its alternatives; the old mentor becomes an alternative."""
    lock_application(proposal.application_id, actor)
    _refuse_unless_pending(proposal)
    chosen = next((a for a in proposal.alternatives if a["mentor_id"] == mentor_id), None)
    if chosen is None:
        db.session.rollback()
        raise DecisionRefused("That mentor is not one of this youth's alternatives.")
    previous = {"mentor_id": proposal.mentor_id, "score": proposal.score, "reasons": proposal.reasons}
    others = [a for a in proposal.alternatives if a["mentor_id"] != mentor_id]
    proposal.mentor_id = mentor_id
    proposal.score = chosen["score"]
    proposal.reasons = chosen["reasons"]
    proposal.alternatives = sorted([previous, *others], key=lambda a: -a["score"])
    record_audit(actor, "proposal.swap", proposal, before={"mentor_id": previous["mentor_id"]},
                 after={"mentor_id": mentor_id}, application_id=proposal.application_id)
    db.session.commit()


def hand_pick(application: Application, run_id: Optional[int], mentor_id: int, actor: User) -> Match:
    """Approve a coordinator's own choice of mentor for a youth the engine left unmatched."""
    candidate = next((c for c in candidates_for(application) if c.mentor.id == mentor_id), None)
    if candidate is None:
        raise DecisionRefused("That mentor does not serve this program.")
    if candidate.excluded_by:
        raise DecisionRefused(f"{candidate.mentor.user.full_name} cannot be matched: {candidate.excluded_by}.")
    application_id, youth_id = application.id, application.youth_id
    score, reasons = candidate.score, candidate.reasons
    db.session.rollback()
    lock_for_approval(mentor_id, application_id, actor)
    proposal = MatchProposal(run_id=run_id, application_id=application_id, mentor_id=mentor_id,
                             score=min(max(score, 0.0), 1.0), reasons=reasons, alternatives=[])
    db.session.add(proposal)
    db.session.flush()
    record_audit(actor, "proposal.hand_pick", proposal, application_id=application_id,
                 mentor_id=mentor_id)
    taken, ruled_out = db.session.execute(
        sa.select(_taken(mentor_id), _ruled_out(youth_id, mentor_id))).one()
    return _approve_locked(proposal, actor, taken, ruled_out)


def rule_out(youth_id: int, mentor_id: int, reason: str, actor: User,
             proposal: Optional[MatchProposal] = None) -> DoNotMatch:
    """Record a do-not-match pair; a pending proposal for that pair is rejected with the same reason."""
    if proposal is not None:
        lock_application(proposal.application_id, actor)
    pair = db.session.scalar(sa.select(DoNotMatch).where(DoNotMatch.youth_id == youth_id,
                                                         DoNotMatch.mentor_id == mentor_id,
                                                         DoNotMatch.lifted_at.is_(None)))
    if pair is None:
        pair = DoNotMatch(youth_id=youth_id, mentor_id=mentor_id, reason=reason, created_by_id=actor.id,
                          source=PairSource.COORDINATOR)
        record_audit(actor, "do_not_match.create", pair, youth_id=youth_id, mentor_id=mentor_id,
                     source=PairSource.COORDINATOR.value, reason=reason)
    if proposal is not None and proposal.status is ProposalStatus.PENDING:
        _reject_locked(proposal, actor, f"Do not match: {reason}")
    db.session.commit()
    return pair


def lift_pair(pair: DoNotMatch, actor: User, reason: str) -> None:
    """Let later runs propose a ruled-out pair again; the coordinator's reason is kept."""
    if not pair.standing:
        raise DecisionRefused("This pair is already allowed again.")
    pair.lift(actor, reason)
    db.session.commit()
