"""A coordinator's reviews: of applications and guardians' consent, of mentors and their clearances.

Each function is one unit of work: it checks, changes through the models' `move_to`, and
commits once; a refusal raises `ReviewRefused` before anything changed. What follows (e-mail
to the family, pausing a suspended mentor's matches) runs after commit as consequences of
the events recorded here.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    ConsentStatus,
    Mentor,
    MentorStatus,
    User,
    record_audit,
)


class ReviewRefused(Exception):
    """The review cannot be recorded as asked: the message says why; nothing was changed."""


def decision_problem(application: Application, status: ApplicationStatus) -> Optional[str]:
    if not application.can_move_to(status):
        return f"An application that is {application.status.label.lower()} cannot become {status.label.lower()}."
    if status is ApplicationStatus.WAITLISTED and not application.consent_on_file:
        consent = application.active_consent
        if consent is not None and consent.needs_confirmation:
            return "Confirm the guardian's consent first (below): it came through an address the youth gave."
        return "A guardian's consent is needed before an applicant under 18 can join the waitlist."
    return None


def decide_application(application: Application, status: ApplicationStatus, actor: User, reason: str) -> None:
    """Mark an application eligible (waitlisted) or ineligible, or ask the family for more."""
    problem = decision_problem(application, status)
    if problem:
        raise ReviewRefused(problem)
    application.move_to(status, actor, reason, source="review")
    db.session.commit()


def confirm_consent(application: Application, actor: User, note: str) -> None:
    """Record that staff confirmed, by phone or in person, a consent given through the youth's address."""
    consent = application.active_consent
    if consent is None or not consent.needs_confirmation:
        raise ReviewRefused("There is no consent waiting to be confirmed.")
    consent.move_to(ConsentStatus.GIVEN, actor, note)
    db.session.commit()


def verify_clearance(clearance: Clearance, actor: User, passed: bool) -> None:
    """Verify a recorded clearance as passed or failed."""
    status = ClearanceStatus.VERIFIED if passed else ClearanceStatus.FAILED
    if not clearance.can_move_to(status):
        raise ReviewRefused(f"This record is already {clearance.status.label.lower()}.")
    clearance.move_to(status, actor)
    db.session.commit()


def record_interview(mentor: Mentor, actor: User, held_on: date, passed: bool, notes: str) -> Clearance:
    """The interview is a clearance staff hold themselves: recorded and verified at once."""
    interview = Clearance(mentor=mentor, kind=ClearanceKind.INTERVIEW, completed_on=held_on, notes=notes)
    db.session.add(interview)
    record_audit(actor, "clearance.recorded", interview, mentor_id=mentor.id, kind=ClearanceKind.INTERVIEW.value)
    interview.move_to(ClearanceStatus.VERIFIED if passed else ClearanceStatus.FAILED, actor,
                      held_on=held_on.isoformat())
    db.session.commit()
    return interview


def approve_mentor(mentor: Mentor, actor: User, reason: str = "") -> None:
    """Admit a mentor to matching: every required clearance must be verified, passed and current."""
    missing = mentor.missing_clearances()
    if missing:
        raise ReviewRefused("Verify every clearance first: " + " ".join(p.text for p in missing))
    if not mentor.can_move_to(MentorStatus.APPROVED):
        raise ReviewRefused(f"{mentor.user.full_name} is already approved.")
    mentor.move_to(MentorStatus.APPROVED, actor, reason)
    db.session.commit()


def suspend_mentor(mentor: Mentor, actor: User, reason: str) -> None:
    """Take a mentor out of matching at once; their matches pause after commit."""
    if not mentor.can_move_to(MentorStatus.SUSPENDED):
        raise ReviewRefused(f"{mentor.user.full_name} is already suspended.")
    mentor.move_to(MentorStatus.SUSPENDED, actor, reason)
    db.session.commit()
