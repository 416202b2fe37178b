"""Nothing about a minor is kept for ever: records past their program's retention period are anonymised.

An admin sets each program's retention period in years (7 by default). Once every application
a young person made is over (closed, withdrawn or ineligible) and the latest of those endings,
or of their matches' closings, is older than the longest retention period among the programs
they applied to, the daily job anonymises them: the youth's record, the free text of their
consents, matches and check-ins, and the personal values in the audit trail of those records.
What stays is what the reports count (applications and matches with their statuses, dates and
closure reasons) and the audit trail's shape (who did what, when, to which record). The admin
sees the dry-run count per program before the job runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ENDED_APPLICATION_STATUSES,
    Application,
    AuditEvent,
    CheckIn,
    Match,
    Program,
    User,
    Youth,
    record_audit,
    utcnow,
)

DEFAULT_YEARS = 7
REMOVED = "[removed]"
# Values in the audit trail that say what happened rather than about whom; everything else
# in an anonymised record's trail is replaced.
KEPT_DETAIL_KEYS = frozenset({
    "status", "before", "after", "kind", "step", "source", "method", "rematch", "planned", "role",
    "mentor_id", "application_id", "proposal_id", "consent_id", "program_id", "check_in_id", "youth_id",
    "held_on", "signed_on", "occurred_on", "party", "relationship_quality", "safety_concern", "pause_reason",
    "at", "held_at", "count", "figures",
})


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Due:
    youth_id: int
    ended_on: date
    program_ids: tuple[int, ...]


def due(today: date) -> list[Due]:
    """Young people whose every application is over and whose retention period has passed."""
    last_change = (
        sa.select(Application.youth_id,
                  sa.func.max(Application.status_changed_at).label("application_end"),
                  sa.func.max(Match.closed_at).label("match_end"),
                  sa.func.count(Application.id).label("applications"),
                  sa.func.sum(sa.case((Application.status.in_(ENDED_APPLICATION_STATUSES), 1), else_=0))
                  .label("ended"))
        .outerjoin(Match, Match.application_id == Application.id)
        .join(Youth, Youth.id == Application.youth_id)
        .where(Youth.anonymised_at.is_(None))
        .group_by(Application.youth_id)
    )
    programs: dict[int, list[int]] = {}
    for youth_id, program_id in db.session.execute(
            sa.select(Application.youth_id, Application.program_id).distinct()):
        programs.setdefault(youth_id, []).append(program_id)
    years = {p.id: p.retention_years for p in db.session.scalars(sa.select(Program))}
    found = []
    for youth_id, application_end, match_end, applications, ended_count in db.session.execute(last_change):
        if applications != ended_count:
            continue  # something is still open
        last = max(d for d in (application_end, match_end) if d is not None).date()
        keep = max(years[p] for p in programs[youth_id])
        if last <= _years_before(today, keep):
            found.append(Due(youth_id, last, tuple(sorted(programs[youth_id]))))
    return found


def preview(today: Optional[date] = None) -> dict[int, int]:
    """How many young people the job would anonymise now, per program they applied to (dry run)."""
    counts: dict[int, int] = {}
    for item in due(today or date.today()):
        for program_id in item.program_ids:
            counts[program_id] = counts.get(program_id, 0) + 1
    return counts


def anonymise_due(today: Optional[date] = None, actor: Optional[User] = None) -> int:
    """Anonymise everyone past their retention period; one transaction each, audited."""
    today = today or date.today()
    done = 0
    for item in due(today):
        youth = db.session.get(Youth, item.youth_id)
        anonymise(youth, actor, reason=f"Retention period passed (records ended {item.ended_on.isoformat()})")
        db.session.commit()
        done += 1
    return done


def anonymise(youth: Youth, actor: Optional[User], reason: str) -> None:
    """Remove what identifies a young person, keeping what reports count and the trail's shape."""
    application_ids = [a.id for a in youth.applications]
    match_ids = list(db.session.scalars(sa.select(Match.id).where(Match.application_id.in_(application_ids))))
    youth.first_name = youth.last_name = "Deleted"
    youth.date_of_birth = None
    youth.grade_completed = None
    youth.school = youth.zip_code = youth.goals = ""
    youth.languages, youth.interests, youth.availability = [], [], []
    youth.mentor_gender_preference = youth.required_language = None
    youth.max_travel_miles = None
    youth.guardian_email = None
    youth.anonymised_at = utcnow()
    for application in youth.applications:
        application.decision_reason = REMOVED if application.decision_reason else None
        for consent in application.consents:
            consent.typed_signature = REMOVED
            consent.guardian_email = ""
            consent.withdrawal_reason = REMOVED if consent.withdrawal_reason else None
            consent.confirmation_note = REMOVED if consent.confirmation_note else None
    for match in db.session.scalars(sa.select(Match).where(Match.id.in_(match_ids))):
        match.first_meeting_place = REMOVED if match.first_meeting_place else None
        match.first_meeting_attendees = REMOVED if match.first_meeting_attendees else None
        match.commitment_signatures = {role: REMOVED for role in (match.commitment_signatures or {})}
        match.meeting_plan = ""
        match.closure_notes = {who: REMOVED for who in (match.closure_notes or {})}
        match.post_closure_contact = REMOVED if match.post_closure_contact else None
    db.session.execute(sa.update(CheckIn).where(CheckIn.match_id.in_(match_ids), CheckIn.notes != "")
                       .values(notes=REMOVED))
    trail = db.session.scalars(sa.select(AuditEvent).where(sa.or_(
        sa.and_(AuditEvent.object_type == "youth", AuditEvent.object_id == youth.id),
        sa.and_(AuditEvent.object_type == "applications", AuditEvent.object_id.in_(application_ids)),
        sa.and_(AuditEvent.object_type == "matches", AuditEvent.object_id.in_(match_ids)),
    )))
    for event in trail:
        event.details = scrub(event.details)
    record_audit(actor, "youth.anonymised", youth, reason=reason, applications=len(application_ids),
                 matches=len(match_ids))


def scrub(value: Any, key: Optional[str] = None) -> Any:
    """An audit event's details with every value that could name or locate someone replaced."""
    if isinstance(value, dict):
        return {k: (scrub(v, k) if k in KEPT_DETAIL_KEYS else _removed(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, key) for v in value]
    return value


def _removed(value: Any) -> Any:
    return None if value is None else REMOVED

