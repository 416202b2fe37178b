"""Where each of a mentor's clearances stands, and the e-mail reminder before one expires."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import click
import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch import mail
from mentormatch.extensions import db
from mentormatch.models import REQUIRED_CLEARANCES, Clearance, ClearanceKind, Mentor, record_audit, utcnow

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
        return "missing", "Missing: record it below."
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


def clearances_due_for_reminder(on: date) -> list[Clearance]:
    """Verified records expiring within 30 days that have had no reminder yet."""
    return list(db.session.scalars(
        sa.select(Clearance)
        .where(
            Clearance.verified_at.is_not(None),
            Clearance.reminder_sent_at.is_(None),
            Clearance.expires_on.between(on, on + timedelta(days=REMINDER_DAYS)),
        )
        .options(so.selectinload(Clearance.mentor).selectinload(Mentor.user),
                 so.selectinload(Clearance.mentor).selectinload(Mentor.clearances))
    ))


def send_reminders(on: Optional[date] = None) -> int:
    on = on or date.today()
    sent = 0
    for record in clearances_due_for_reminder(on):
        newest = max((c for c in record.mentor.clearances if c.kind is record.kind),
                     key=lambda c: (c.completed_on, c.id))
        if newest is not record:
            continue  # already renewed; the newer record is what counts
        user = record.mentor.user
        mail.send(user.email, f"Your {record.kind.label} expires on {record.expires_on.isoformat()}",
                  "clearance_expiring", user=user, clearance=record, days=(record.expires_on - on).days)
        record.reminder_sent_at = utcnow()
        record_audit(None, "clearance.reminder_sent", record, kind=record.kind.value)
        db.session.commit()
        sent += 1
    return sent


@click.command("send-clearance-reminders")
def send_clearance_reminders() -> None:
    """E-mail mentors whose verified clearances expire within 30 days (once per record)."""
    click.echo(f"Sent {send_reminders()} clearance reminder(s).")
