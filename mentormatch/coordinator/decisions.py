"""A coordinator's decisions on proposals, re-checked against the database at the moment they are made.

Approval counts a mentor's open matches and inserts the new one in a single
transaction that holds the mentor's and the application's locks, so two coordinators
approving at once can never take a mentor past capacity or give a youth two mentors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import force_locale, lazy_gettext

from mentormatch import mail
from mentormatch.extensions import db
from mentormatch.matching_service import candidates_for, is_matchable
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    DoNotMatch,
    Match,
    MatchProposal,
    MatchStatus,
    Mentor,
    ProposalStatus,
    User,
    Youth,
    record_audit,
    utcnow,
)


def _application():
    return so.joinedload(MatchProposal.application, innerjoin=True)


def _mentor():
    return so.joinedload(MatchProposal.mentor, innerjoin=True)


# What the e-mails about a new match read, in one statement: the youth with guardian and own
# account, the program, the mentor's account.
NOTIFY_OPTIONS = (
    _application().joinedload(Application.youth, innerjoin=True).joinedload(Youth.guardian),
    _application().joinedload(Application.youth, innerjoin=True).joinedload(Youth.user),
    _application().joinedload(Application.program, innerjoin=True),
    _mentor().joinedload(Mentor.user, innerjoin=True),
)
# The approval checks also read the consents and the mentor's clearances: three statements in all.
CHECK_OPTIONS = NOTIFY_OPTIONS + (
    _application().selectinload(Application.consents),
    _mentor().selectinload(Mentor.clearances),
)


class DecisionRefused(Exception):
    """The decision no longer holds: the message says why, and nothing was changed."""


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def lock_for_approval(mentor_id: int, application_id: int) -> None:
    """Hold the mentor and the youth's application until commit: row locks on PostgreSQL, the
    single write lock on SQLite (which lets one writer in at a time, so the count of a mentor's
    matches and the insert of a new one are one step another writer waits for)."""
    if not _is_sqlite():
        # FOR NO KEY UPDATE: approvals for one mentor queue behind each other, while rows that
        # merely point at the mentor (a do-not-match pair, a match) can still be inserted.
        # Two proposals for one youth name two mentors, so the mentor's lock alone would let
        # both be approved at once: the application is taken next. Mentor first, then
        # application, on every path: no two approvals can wait on each other in a circle.
        db.session.execute(sa.select(Mentor.id).where(Mentor.id == mentor_id).with_for_update(key_share=True))
    lock_application(application_id)


def lock_application(application_id: int) -> None:
    """Hold the youth's application until commit, so a rejection, swap or rule-out cannot cross an
    approval of the same youth: it waits for the approval and then sees its outcome.

    Only the application is taken (never a mentor after it), so these never wait on an
    approval in a circle. Anything read before the lock may be stale: it is read again under it.
    """
    if _is_sqlite():
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    else:
        db.session.execute(sa.select(Application.id).where(Application.id == application_id)
                           .with_for_update(key_share=True))
    db.session.expire_all()


def open_matches(mentor_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Match.id))
        .where(Match.mentor_id == mentor_id, Match.status.in_(OPEN_MATCH_STATUSES))
    ) or 0


def approval_problem(proposal: MatchProposal) -> Optional[str]:
    """Why this proposal cannot be approved right now, in words; None when it can."""
    application, mentor = proposal.application, proposal.mentor
    youth = application.youth
    if proposal.status is not ProposalStatus.PENDING:
        return f"This proposal is already {proposal.status.label.lower()}."
    if application.status is not ApplicationStatus.WAITLISTED:
        return (f"{youth.full_name}'s application is now {application.status.label.lower()}, "
                "not waiting for a mentor.")
    if not is_matchable(application):
        return f"{youth.full_name} has no guardian consent on file any more."
    problems = mentor.clearance_problems()
    if problems:
        return f"{mentor.user.full_name} is no longer cleared: {' '.join(problems)}"
    taken = open_matches(mentor.id)
    if taken >= mentor.capacity:
        return f"{mentor.user.full_name} has no free place ({taken} of {mentor.capacity} taken)."
    ruled_out = db.session.scalar(
        sa.select(DoNotMatch.reason).where(DoNotMatch.youth_id == youth.id,
                                           DoNotMatch.mentor_id == mentor.id)
    )
    if ruled_out is not None:
        return f"This pair is on the do-not-match list: {ruled_out}"
    return None


def _approve_locked(proposal: MatchProposal, actor: User, notify: bool = True) -> Match:
    problem = approval_problem(proposal)
    if problem:
        db.session.rollback()
        raise DecisionRefused(problem)
    now = utcnow()
    proposal.status = ProposalStatus.APPROVED
    proposal.decided_by_id = actor.id
    proposal.decided_at = now
    match = Match(application_id=proposal.application_id, mentor_id=proposal.mentor_id,
                  proposal=proposal, status=MatchStatus.AWAITING_FIRST_MEETING,
                  approved_by_id=actor.id, approved_at=now)
    db.session.add(match)
    record_audit(actor, "proposal.approve", proposal, before={"status": "pending"},
                 after={"status": "approved", "mentor_id": proposal.mentor_id},
                 application_id=proposal.application_id)
    record_audit(actor, "match.create", match, application_id=proposal.application_id,
                 mentor_id=proposal.mentor_id, proposal_id=proposal.id)
    proposal.application.move_to(ApplicationStatus.PROPOSED, actor,
                                 f"Mentor proposed: {proposal.mentor.user.first_name}")
    db.session.commit()
    if notify:
        # The commit expired every row; read back what the e-mails show in one go.
        db.session.scalar(sa.select(MatchProposal).where(MatchProposal.id == proposal.id)
                          .options(*NOTIFY_OPTIONS))
        notify_match(match)
    return match


def approve(proposal_id: int, actor: User, notify: bool = True) -> Match:
    """Approve a pending proposal after re-checking it; raise DecisionRefused when it no longer holds.

    `notify=False` is for loading demo data, where nobody should be e-mailed.
    """
    mentor_id, application_id = db.session.execute(
        sa.select(MatchProposal.mentor_id, MatchProposal.application_id)
        .where(MatchProposal.id == proposal_id)
    ).one()
    lock_for_approval(mentor_id, application_id)
    proposal = db.session.scalar(sa.select(MatchProposal).where(MatchProposal.id == proposal_id)
                                 .options(*CHECK_OPTIONS))
    if proposal.mentor_id != mentor_id:
        db.session.rollback()
        raise DecisionRefused("The proposal changed while you were deciding; look again.")
    return _approve_locked(proposal, actor, notify)


def reject(proposal: MatchProposal, actor: User, reason: str) -> None:
    """Turn a pending proposal down; the youth stays on the waitlist for the next run."""
    lock_application(proposal.application_id)
    _reject_locked(proposal, actor, reason)
    db.session.commit()


def _refuse_unless_pending(proposal: MatchProposal) -> None:
    if proposal.status is not ProposalStatus.PENDING:
        db.session.rollback()
        raise DecisionRefused(f"This proposal is already {proposal.status.label.lower()}.")


def _reject_locked(proposal: MatchProposal, actor: User, reason: str) -> None:
    _refuse_unless_pending(proposal)
    proposal.status = ProposalStatus.REJECTED
    proposal.decided_by_id = actor.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason
    record_audit(actor, "proposal.reject", proposal, before={"status": "pending"},
                 after={"status": "rejected", "reason": reason},
                 application_id=proposal.application_id)


def swap(proposal: MatchProposal, actor: User, mentor_id: int) -> None:
    """Point a pending proposal at one of its alternatives; the old mentor becomes an alternative."""
    lock_application(proposal.application_id)
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
    application_id, score, reasons = application.id, candidate.score, candidate.reasons
    db.session.rollback()
    lock_for_approval(mentor_id, application_id)
    proposal = MatchProposal(run_id=run_id, application_id=application_id, mentor_id=mentor_id,
                             score=min(max(score, 0.0), 1.0), reasons=reasons, alternatives=[])
    db.session.add(proposal)
    db.session.flush()
    record_audit(actor, "proposal.hand_pick", proposal, application_id=application_id,
                 mentor_id=mentor_id)
    return _approve_locked(proposal, actor)


def rule_out(youth_id: int, mentor_id: int, reason: str, actor: User,
             proposal: Optional[MatchProposal] = None) -> DoNotMatch:
    """Record a do-not-match pair; a pending proposal for that pair is rejected with the same reason."""
    if proposal is not None:
        lock_application(proposal.application_id)
    pair = db.session.scalar(sa.select(DoNotMatch).where(DoNotMatch.youth_id == youth_id,
                                                         DoNotMatch.mentor_id == mentor_id))
    if pair is None:
        pair = DoNotMatch(youth_id=youth_id, mentor_id=mentor_id, reason=reason, created_by_id=actor.id)
        db.session.add(pair)
        record_audit(actor, "do_not_match.create", pair, youth_id=youth_id, mentor_id=mentor_id,
                     reason=reason)
    if proposal is not None and proposal.status is ProposalStatus.PENDING:
        _reject_locked(proposal, actor, f"Do not match: {reason}")
    db.session.commit()
    return pair


# ---------------------------------------------------------------- e-mail


@dataclass
class Recipient:
    email: str
    name: str
    locale: str


def family_recipients(application: Application) -> list[Recipient]:
    """Who speaks for the youth: the guardian while under 18, the young person from 18."""
    youth = application.youth
    people: list[Optional[User]] = (
        [youth.guardian] if application.needs_consent() else [youth.user or youth.guardian]
    )
    found = [Recipient(p.email, p.first_name, p.locale or "en") for p in people if p is not None]
    if not found:
        consent = application.active_consent
        address = consent.guardian_email if consent else youth.guardian_email
        if address:
            found.append(Recipient(address, "", "en"))
    return found


def send_to(recipient: Recipient, subject, template: str, **context: Any) -> None:
    """Send in the recipient's own language; `subject` is a lazy string translated here."""
    with force_locale(recipient.locale):
        mail.send(recipient.email, str(subject), template, recipient=recipient, **context)


def notify_match(match: Match) -> None:
    application = match.application
    mentor_user = match.mentor.user
    for person in family_recipients(application):
        send_to(person, lazy_gettext("A mentor has been proposed"), "match_proposed_family",
                youth=application.youth, program=application.program, mentor=mentor_user,
                reasons=match.proposal.reasons if match.proposal else [])
    send_to(Recipient(mentor_user.email, mentor_user.first_name, mentor_user.locale or "en"),
            lazy_gettext("You have a new mentee"), "match_proposed_mentor",
            youth=application.youth, program=application.program)


def notify_decision(application: Application, decision: str, reason: str) -> None:
    for person in family_recipients(application):
        send_to(person, lazy_gettext("News about your MentorMatch application"), "coordinator_decision",
                youth=application.youth, program=application.program, decision=decision, reason=reason)

