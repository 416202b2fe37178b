"""What happens to a match and its application at each step, each step audited.

The public functions the match pages call are units of work: each changes, audits and commits.
`close_match` and `pause_match` are steps of larger units (a family's decline, a consequence
of withdrawn consent) and leave the commit to their caller; see the convention in
`mentormatch.models`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Optional

from mentormatch.extensions import db
from mentormatch.models import (
    WORKING_MATCH_STATUSES,
    ApplicationStatus,
    CheckIn,
    CheckInParty,
    ClosureReason,
    ContactMethod,
    Match,
    MatchStatus,
    MentorStatus,
    PauseReason,
    User,
    in_english,
    record_audit,
    utcnow,
)


def _noon(day: date) -> datetime:
    # A day recorded without a time is kept at noon UTC so it reads as the same day everywhere in the US.
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)


def _first_meeting(match: Match) -> dict:
    return {
        "at": match.first_meeting_at.isoformat() if match.first_meeting_at else None,
        "place": match.first_meeting_place,
        "attendees": match.first_meeting_attendees,
        "held_at": match.first_meeting_held_at.isoformat() if match.first_meeting_held_at else None,
    }


def schedule_first_meeting(match: Match, actor: User, at: datetime, place: str, staff: User,
                           guardian_name: str = "", others: str = "") -> None:
    """Set or move the first meeting; a staff member is always among those present."""
    before = _first_meeting(match)
    youth = match.youth
    attendees = [f"Mentor: {match.mentor.user.full_name}", f"Youth: {youth.full_name}",
                 f"Staff: {staff.full_name}"]
    if guardian_name.strip():
        attendees.append(f"Guardian: {guardian_name.strip()}")
    if others.strip():
        attendees.append(f"Also: {others.strip()}")
    match.first_meeting_at = at
    match.first_meeting_place = place.strip()
    match.first_meeting_attendees = "; ".join(attendees)
    record_audit(actor, "match.first_meeting_scheduled", match, before=before, after=_first_meeting(match),
                 staff_id=staff.id)
    db.session.commit()


def record_meeting_held(match: Match, actor: User, held_on: date) -> None:
    """Note that the first meeting took place; activates the match once the commitment is signed too."""
    before = _first_meeting(match)
    match.first_meeting_held_at = _noon(held_on)
    record_audit(actor, "match.first_meeting_held", match, before=before, after=_first_meeting(match))
    _activate_when_ready(match, actor)
    db.session.commit()


def record_commitment(match: Match, actor: User, signatures: dict[str, str], signed_on: date) -> None:
    """Keep the typed signatures of the commitment; activates the match once the first meeting is held."""
    before = {"signed_on": match.commitment_signed_on.isoformat() if match.commitment_signed_on else None}
    match.commitment_signatures = {role: name.strip() for role, name in signatures.items() if name.strip()}
    match.commitment_signed_on = signed_on
    record_audit(actor, "match.commitment_signed", match, before=before,
                 after={"signed_on": signed_on.isoformat(), "signatures": match.commitment_signatures})
    _activate_when_ready(match, actor)
    db.session.commit()


def _activate_when_ready(match: Match, actor: User) -> None:
    if match.status is not MatchStatus.AWAITING_FIRST_MEETING:
        return
    if match.first_meeting_held_at is None or match.commitment_signed_on is None:
        return
    match.move_to(MatchStatus.ACTIVE, actor, "First meeting held and commitment signed.")
    application = match.application
    if application.status is ApplicationStatus.PROPOSED:
        application.move_to(ApplicationStatus.MATCHED, actor, "First meeting held and commitment signed.")


def update_meeting_plan(match: Match, actor: User, plan: str) -> None:
    before = match.meeting_plan
    match.meeting_plan = plan.strip()
    record_audit(actor, "match.meeting_plan", match, before={"meeting_plan": before},
                 after={"meeting_plan": match.meeting_plan})
    db.session.commit()


def log_check_in(match: Match, actor: User, *, occurred_on: date, party: CheckInParty,
                 method: ContactMethod, is_mentor_meeting: bool = False,
                 meetings_per_month: Optional[int] = None, relationship_quality: Optional[int] = None,
                 safety_concern: bool = False, notes: str = "") -> CheckIn:
    """Add a support check-in or a mentor's meeting; a safety concern is audited on its own."""
    check_in = CheckIn(
        match=match, occurred_on=occurred_on, party=party, method=method,
        is_mentor_meeting=is_mentor_meeting, meetings_per_month=meetings_per_month,
        relationship_quality=relationship_quality, safety_concern=safety_concern,
        notes=notes.strip(), logged_by_id=actor.id,
    )
    db.session.add(check_in)
    db.session.flush()
    # Recorded on the match, so its audit trail tells the whole story of the pair.
    record_audit(actor, "match.meeting_logged" if is_mentor_meeting else "match.check_in", match,
                 after={"check_in_id": check_in.id, "occurred_on": occurred_on.isoformat(),
                        "party": party.value, "method": method.value,
                        "relationship_quality": relationship_quality, "safety_concern": safety_concern})
    if safety_concern:
        record_audit(actor, "match.safety_concern", match, check_in_id=check_in.id)
    db.session.commit()
    return check_in


def resolve_concern(check_in: CheckIn, actor: User) -> None:
    check_in.safety_resolved_at = utcnow()
    record_audit(actor, "match.safety_resolved", check_in.match, before={"safety_resolved_at": None},
                 after={"safety_resolved_at": check_in.safety_resolved_at.isoformat()}, check_in_id=check_in.id)
    db.session.commit()


def close_match(match: Match, actor: Optional[User], *, reason: ClosureReason, rematch: bool,
                notes: Optional[dict[str, str]] = None, planned: bool = False,
                contact_rule: Optional[str] = None, application_status: Optional[ApplicationStatus] = None) -> None:
    """Close a match for good, the one way a match ends; nothing is deleted.

    The youth goes back to the waitlist in their old place (`rematch`), or the application
    moves to `application_status` (closed by default; the family's withdrawal passes
    WITHDRAWN), unless the caller has moved it already.
    """
    match.closure_planned = planned
    match.closure_reason = reason
    match.closure_notes = {who: text.strip() for who, text in (notes or {}).items() if text and text.strip()}
    match.rematch = rematch
    match.post_closure_contact = contact_rule
    match.move_to(MatchStatus.CLOSED, actor, in_english(reason.label), planned=planned, rematch=rematch,
                  post_closure_contact=contact_rule)
    application = match.application
    why = f"Match closed: {in_english(reason.label).lower()}."
    if rematch:
        # Without consent on file (it was withdrawn) the application stays paused, off the waitlist.
        if application.consent_on_file and application.can_move_to(ApplicationStatus.WAITLISTED):
            application.move_to(ApplicationStatus.WAITLISTED, actor, why + " Back on the waitlist for a new mentor.")
        return
    target = application_status or ApplicationStatus.CLOSED
    if application.can_move_to(target):
        application.move_to(target, actor, why + " No rematch.")


def close(match: Match, actor: User, *, planned: bool, reason: ClosureReason, notes: dict[str, str],
          rematch: bool, contact_rule: str) -> None:
    """A coordinator closes a match with its reason, exit notes, rematch choice and contact rule."""
    close_match(match, actor, planned=planned, reason=reason, notes=notes, rematch=rematch,
                contact_rule=contact_rule)
    db.session.commit()


def pause_match(match: Match, reason: PauseReason) -> bool:
    """Put a working match on hold until a coordinator decides; False when it is not working."""
    if match.status not in WORKING_MATCH_STATUSES:
        return False
    match.pause_reason = reason
    match.move_to(MatchStatus.PAUSED, None, in_english(reason.label), pause_reason=reason.value)
    return True


def resume_problem(match: Match) -> Optional[str]:
    """Why a paused match cannot go on yet, in words; None when it can."""
    if match.status is not MatchStatus.PAUSED:
        return "This match is not paused."
    if not match.application.consent_on_file:
        return "The guardian's consent is not on file: ask the guardian to consent again first."
    if not match.mentor.can_be_matched():
        problems = [p.text for p in match.mentor.missing_clearances()]
        if match.mentor.status is not MentorStatus.APPROVED:
            problems.insert(0, f"The mentor is {match.mentor.status.label.lower()}.")
        return "The mentor is not cleared: " + " ".join(problems)
    return None


def resume_match(match: Match, actor: User, note: str) -> None:
    """Let a paused match go on, its consent and mentor in order again."""
    match.move_to(match.status_to_resume, actor, note)
    application = match.application
    target = ApplicationStatus.MATCHED if match.status is MatchStatus.ACTIVE else ApplicationStatus.PROPOSED
    if application.status is ApplicationStatus.PAUSED:
        application.move_to(target, actor, "The match goes on: " + note)
    db.session.commit()
