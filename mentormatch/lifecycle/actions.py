"""What happens to a match and its application at each step, each step audited."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Optional

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    CheckIn,
    CheckInParty,
    ClosureReason,
    ContactMethod,
    Match,
    MatchStatus,
    User,
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


def record_meeting_held(match: Match, actor: User, held_on: date) -> None:
    """Note that the first meeting took place; activates the match once the commitment is signed too."""
    before = _first_meeting(match)
    match.first_meeting_held_at = _noon(held_on)
    record_audit(actor, "match.first_meeting_held", match, before=before, after=_first_meeting(match))
    _activate_when_ready(match, actor)


def record_commitment(match: Match, actor: User, signatures: dict[str, str], signed_on: date) -> None:
    """Keep the typed signatures of the commitment; activates the match once the first meeting is held."""
    before = {"signed_on": match.commitment_signed_on.isoformat() if match.commitment_signed_on else None}
    match.commitment_signatures = {role: name.strip() for role, name in signatures.items() if name.strip()}
    match.commitment_signed_on = signed_on
    record_audit(actor, "match.commitment_signed", match, before=before,
                 after={"signed_on": signed_on.isoformat(), "signatures": match.commitment_signatures})
    _activate_when_ready(match, actor)


def _activate_when_ready(match: Match, actor: User) -> None:
    if match.status is not MatchStatus.AWAITING_FIRST_MEETING:
        return
    if match.first_meeting_held_at is None or match.commitment_signed_on is None:
        return
    match.status = MatchStatus.ACTIVE
    record_audit(actor, "match.status", match, before={"status": MatchStatus.AWAITING_FIRST_MEETING.value},
                 after={"status": MatchStatus.ACTIVE.value})
    application = match.application
    if application.status is ApplicationStatus.PROPOSED:
        application.move_to(ApplicationStatus.MATCHED, actor, "First meeting held and commitment signed.")


def update_meeting_plan(match: Match, actor: User, plan: str) -> None:
    before = match.meeting_plan
    match.meeting_plan = plan.strip()
    record_audit(actor, "match.meeting_plan", match, before={"meeting_plan": before},
                 after={"meeting_plan": match.meeting_plan})


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
    return check_in


def resolve_concern(check_in: CheckIn, actor: User) -> None:
    check_in.safety_resolved_at = utcnow()
    record_audit(actor, "match.safety_resolved", check_in.match, before={"safety_resolved_at": None},
                 after={"safety_resolved_at": check_in.safety_resolved_at.isoformat()}, check_in_id=check_in.id)


def close_match(match: Match, actor: User, *, planned: bool, reason: ClosureReason, notes: dict[str, str],
                rematch: bool, contact_rule: str) -> None:
    """Close a match for good; the youth goes back to the waitlist in their old place, or their
    application ends. Nothing is deleted."""
    before = {"status": match.status.value}
    match.status = MatchStatus.CLOSED
    match.closed_at = utcnow()
    match.closed_by_id = actor.id
    match.closure_planned = planned
    match.closure_reason = reason
    match.closure_notes = {who: text.strip() for who, text in notes.items() if text.strip()}
    match.rematch = rematch
    match.post_closure_contact = contact_rule
    record_audit(actor, "match.closed", match, before=before, after={
        "status": MatchStatus.CLOSED.value, "planned": planned, "reason": reason.value,
        "rematch": rematch, "post_closure_contact": contact_rule,
    })
    application = match.application
    why = f"Match closed: {reason.label.lower()}."
    if rematch:
        application.move_to(ApplicationStatus.WAITLISTED, actor, why + " Back on the waitlist for a new mentor.")
    else:
        application.move_to(ApplicationStatus.CLOSED, actor, why + " No rematch.")
