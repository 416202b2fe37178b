"""A mentor's own records: where each clearance stands, recording a new one, and the profile.

Reminders before a clearance expires are scheduled work: see `mentormatch.reminders`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

from mentormatch.extensions import db
from mentormatch.models import REQUIRED_CLEARANCES, Clearance, ClearanceKind, Mentor, Program, User, record_audit

REMINDER_DAYS = 30
# How long a record lasts when the mentor leaves the expiry empty; None never expires.
DEFAULT_LIFETIME_YEARS = {
    ClearanceKind.BACKGROUND_CHECK: 3,
    ClearanceKind.YOUTH_PROTECTION: 2,
    ClearanceKind.MANDATED_REPORTER: 2,
    ClearanceKind.INTERVIEW: None,
}


def default_expiry(kind: ClearanceKind, completed_on: date) -> Optional[date]:
    years = DEFAULT_LIFETIME_YEARS[kind]
    if years is None:
        return None
    try:
        return completed_on.replace(year=completed_on.year + years)
    except ValueError:  # 29 February
        return completed_on.replace(year=completed_on.year + years, day=28)


@dataclass
class ClearanceState:
    kind: ClearanceKind
    record: Optional[Clearance]
    state: str  # missing, unverified, lapsed, expiring, not_passed, current
    message: str


def clearance_states(mentor: Mentor, on: Optional[date] = None) -> list[ClearanceState]:
    """For each required clearance, the newest record and what the mentor must do about it."""
    on = on or date.today()
    states = []
    for kind in REQUIRED_CLEARANCES:
        records = [c for c in mentor.clearances if c.kind is kind]
        latest = max(records, key=lambda c: (c.completed_on, c.id), default=None)
        states.append(ClearanceState(kind, latest, *_judge(latest, on)))
    return states


def _judge(record: Optional[Clearance], on: date) -> tuple[str, str]:
    if record is None:
        return "missing", "Record it below."
    if not record.passed:
        return "not_passed", "Not passed: talk to your coordinator."
    if record.expires_on is not None and record.expires_on < on:
        return "lapsed", f"Lapsed on {record.expires_on.isoformat()}: renew it and record the new date."
    if record.verified_at is None:
        return "unverified", "Recorded, waiting for a coordinator to verify it."
    if record.expires_on is not None and record.expires_on <= on + timedelta(days=REMINDER_DAYS):
        return "expiring", f"Expires on {record.expires_on.isoformat()}: renew it soon."
    if record.expires_on is None:
        return "current", "Verified; does not expire."
    return "current", f"Verified; valid until {record.expires_on.isoformat()}."


def next_to_record(mentor: Mentor, after: Optional[ClearanceKind] = None) -> Optional[ClearanceKind]:
    """The clearance the mentor most likely records next: the first one missing or lapsed (after
    `after`, the one just recorded, when there is one), so the form need not be set again each time."""
    needed = [s.kind for s in clearance_states(mentor) if s.state in ("missing", "lapsed")]
    if after is not None and after in REQUIRED_CLEARANCES:
        order = list(REQUIRED_CLEARANCES)
        later = [k for k in needed if order.index(k) > order.index(after)]
        needed = later + [k for k in needed if k not in later]
    return needed[0] if needed else None


def record_clearance(mentor: Mentor, actor: User, kind: ClearanceKind, completed_on: date,
                     expires_on: Optional[date], reference: str) -> Clearance:
    """A mentor records a check or training; it counts once a coordinator verifies it."""
    record = Clearance(mentor=mentor, kind=kind, completed_on=completed_on,
                       expires_on=expires_on or default_expiry(kind, completed_on), reference=reference.strip())
    db.session.add(record)
    record_audit(actor, "clearance.recorded", record, kind=kind.value)
    db.session.commit()
    return record


def save_profile(mentor: Mentor, actor: User, values: dict, programs: list[Program]) -> None:
    """Keep the profile the matching uses, and which programs the mentor serves."""
    before = {name: getattr(mentor, name) for name in ("capacity", "zip_code")}
    for name, value in values.items():
        setattr(mentor, name, value)
    mentor.programs = programs
    record_audit(actor, "mentor.profile_saved", mentor, before=before,
                 after={"capacity": mentor.capacity, "zip_code": mentor.zip_code})
    db.session.commit()
