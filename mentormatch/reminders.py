"""Work on a schedule: reminders, alerts and digests, each sent once, on the right day.

The queue's scheduler calls `run_daily` every morning and `run_weekly` on Mondays (see
`mentormatch.jobs`); both take the day as an argument, so tests run them on any date. A
reminder that went out is written down under a key naming what it was about and for which
day (`SentReminder`), in the same transaction as its e-mail, so running a day twice (two
workers, a retry) sends nothing twice. A day the scheduler missed is caught up the next day:
each reminder looks back over a window rather than at one date only.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from mentormatch import cadence, retention
from mentormatch.extensions import db
from mentormatch.links import external_url
from mentormatch.mail import queue_message
from mentormatch.models import (
    WORKING_MATCH_STATUSES,
    AccessToken,
    Application,
    ApplicationStatus,
    Clearance,
    ClearanceStatus,
    ConsentStatus,
    GuardianConsent,
    Match,
    MatchProposal,
    MatchStatus,
    Mentor,
    MessageStatus,
    OutboxMessage,
    ProposalStatus,
    SentReminder,
    TokenPurpose,
    Youth,
)
from mentormatch.notifications import Recipient, coordinators, mentor_recipient, who_speaks_for

# Days before a clearance expires that its mentor is reminded, largest first.
CLEARANCE_REMINDER_DAYS = (30, 7)


def _once(key: str) -> bool:
    """True the first time `key` is asked about (and it is then written down); False after."""
    if db.session.scalar(sa.select(SentReminder.id).where(SentReminder.key == key)) is not None:
        return False
    db.session.add(SentReminder(key=key))
    return True


# ---------------------------------------------------------------- clearances


def lapse_clearances(today: date) -> int:
    """Mark verified records past their expiry as lapsed; their mentors' matches pause if the
    mentor is no longer cleared (a consequence of the event)."""
    lapsed = list(db.session.scalars(sa.select(Clearance).where(
        Clearance.status == ClearanceStatus.VERIFIED, Clearance.expires_on < today)))
    for record in lapsed:
        record.move_to(ClearanceStatus.LAPSED, None, f"Expired on {record.expires_on.isoformat()}")
    db.session.commit()
    return len(lapsed)


def remind_expiring_clearances(today: date) -> int:
    """E-mail a mentor 30 and 7 days before a verified clearance expires, unless renewed."""
    horizon = today + timedelta(days=max(CLEARANCE_REMINDER_DAYS))
    records = db.session.scalars(
        sa.select(Clearance)
        .where(Clearance.status == ClearanceStatus.VERIFIED, Clearance.expires_on > today,
               Clearance.expires_on <= horizon)
        .options(so.selectinload(Clearance.mentor).selectinload(Mentor.user),
                 so.selectinload(Clearance.mentor).selectinload(Mentor.clearances))
        .order_by(Clearance.id)
    )
    sent = 0
    for record in records:
        newest = max((c for c in record.mentor.clearances if c.kind is record.kind),
                     key=lambda c: (c.completed_on, c.id))
        if newest is not record or not record.mentor.user.is_active_account:
            continue  # renewed already: the newer record is what counts
        days = (record.expires_on - today).days
        # The nearest reminder day not yet passed: 7 once within a week, else 30.
        window = min(d for d in CLEARANCE_REMINDER_DAYS if days <= d)
        if not _once(f"clearance-expiry:{window}:{record.id}:{record.expires_on.isoformat()}"):
            continue
        mentor = mentor_recipient(record.mentor)
        queue_message(mentor.email, _l("Your %(kind)s expires on %(date)s", kind=record.kind.label,
                                       date=record.expires_on.isoformat()),
                      "clearance_expiring", mentor.locale, user=record.mentor.user, clearance=record, days=days,
                      link=external_url("mentors.clearances"))
        sent += 1
    db.session.commit()
    return sent


# ---------------------------------------------------------------- check-ins


def _watched_matches(today: date) -> list[tuple[Match, cadence.Cadence]]:
    matches = db.session.scalars(
        sa.select(Match).where(Match.status.in_(WORKING_MATCH_STATUSES))
        .options(so.joinedload(Match.application, innerjoin=True).joinedload(Application.program, innerjoin=True),
                 so.joinedload(Match.application, innerjoin=True).joinedload(Application.youth, innerjoin=True),
                 so.joinedload(Match.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True),
                 so.joinedload(Match.approved_by),
                 so.subqueryload(Match.check_ins))
        .order_by(Match.id)
    )
    return [(m, cadence.for_match(m, today)) for m in matches]


def remind_due_check_ins(today: date) -> int:
    """Tell a mentor on the day a support check-in falls due, so they expect the call and log
    their meetings first."""
    sent = 0
    for match, assessed in _watched_matches(today):
        due = next((d for d in assessed.due if d.state == cadence.DUE_TODAY), None)
        if due is None or not match.mentor.user.is_active_account:
            continue
        if not _once(f"check-in-due:{match.id}:{due.due.isoformat()}"):
            continue
        mentor = mentor_recipient(match.mentor)
        queue_message(mentor.email, _l("A check-in is due for your match with %(name)s",
                                       name=match.youth.display_name),
                      "check_in_due_mentor", mentor.locale, recipient=mentor, youth=match.youth,
                      program=match.application.program, due=due.due,
                      link=external_url("lifecycle.log_meeting", match_id=match.id))
        sent += 1
    db.session.commit()
    return sent


def alert_overdue_check_ins(today: date) -> int:
    """Tell the coordinator who approved a match (every coordinator when none is recorded) once
    per due date that its check-in is overdue."""
    sent = 0
    staff = None
    for match, assessed in _watched_matches(today):
        overdue = assessed.overdue
        if overdue is None or not _once(f"check-in-overdue:{match.id}:{overdue.due.isoformat()}"):
            continue
        approver = match.approved_by
        if approver is not None and approver.is_active_account:
            people = [Recipient(approver.email, approver.first_name, "en")]
        else:
            people = staff = staff if staff is not None else coordinators()
        for person in people:
            queue_message(person.email, f"Check-in overdue: {match.youth.full_name} and {match.mentor.user.full_name}",
                          "check_in_overdue_staff", "en", recipient=person, match=match, due=overdue.due,
                          link=external_url("lifecycle.show", match_id=match.id))
        sent += 1
    db.session.commit()
    return sent


# ---------------------------------------------------------------- consent links


def expired_consent_links(today: date) -> int:
    """When a family's consent link expired unused, tell them it can be sent again."""
    start_of_day = datetime.combine(today, time(0, 0), tzinfo=timezone.utc)
    tokens = db.session.scalars(
        sa.select(AccessToken)
        .join(Application, Application.id == AccessToken.application_id)
        .where(AccessToken.purpose == TokenPurpose.GUARDIAN_CONSENT, AccessToken.used_at.is_(None),
               AccessToken.expires_at < start_of_day,
               Application.status == ApplicationStatus.AWAITING_CONSENT)
        .options(so.joinedload(AccessToken.application).joinedload(Application.youth).joinedload(Youth.guardian),
                 so.joinedload(AccessToken.application).joinedload(Application.program))
        .order_by(AccessToken.id)
    )
    sent = 0
    for token in tokens:
        if not _once(f"consent-link-expired:{token.id}"):
            continue
        application = token.application
        for person in who_speaks_for(application.youth, application):
            queue_message(person.email, _l("The consent link for %(name)s expired", name=application.youth.first_name),
                          "consent_link_expired", person.locale, recipient=person, youth=application.youth,
                          program=application.program, email=token.email,
                          link=external_url("family.status", application_id=application.id))
        sent += 1
    db.session.commit()
    return sent


# ---------------------------------------------------------------- the weekly digest


@dataclass
class Digest:
    to_review: int
    consents_to_confirm: int
    proposals_pending: int
    paused_matches: int
    overdue_check_ins: int
    failed_messages: int


def digest_figures(today: date) -> Digest:
    def count(column, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count(column)).where(*where)) or 0

    return Digest(
        to_review=count(Application.id, Application.status == ApplicationStatus.UNDER_REVIEW),
        consents_to_confirm=count(GuardianConsent.id, GuardianConsent.status == ConsentStatus.TO_CONFIRM),
        proposals_pending=count(MatchProposal.id, MatchProposal.status == ProposalStatus.PENDING),
        paused_matches=count(Match.id, Match.status == MatchStatus.PAUSED),
        overdue_check_ins=sum(1 for _m, a in _watched_matches(today) if a.overdue is not None),
        failed_messages=count(OutboxMessage.id, OutboxMessage.status == MessageStatus.FAILED),
    )


def send_weekly_digest(today: date) -> int:
    """Each coordinator's Monday summary of what waits for them."""
    week = today.isocalendar()
    figures = digest_figures(today)
    sent = 0
    for person in coordinators():
        if not _once(f"weekly-digest:{person.email}:{week.year}-W{week.week:02d}"):
            continue
        queue_message(person.email, f"MentorMatch: your week ({today.isoformat()})", "weekly_digest", "en",
                      recipient=person, figures=figures, link=external_url("main.home"))
        sent += 1
    db.session.commit()
    return sent


def run_daily(today: Optional[date] = None) -> dict[str, int]:
    """Everything that runs once a day, in order: lapses first, so reminders see them."""
    today = today or date.today()
    return {
        "clearances lapsed": lapse_clearances(today),
        "clearance reminders": remind_expiring_clearances(today),
        "check-in reminders": remind_due_check_ins(today),
        "overdue alerts": alert_overdue_check_ins(today),
        "expired consent links": expired_consent_links(today),
        "records anonymised": retention.anonymise_due(today),
    }


def run_weekly(today: Optional[date] = None) -> dict[str, int]:
    today = today or date.today()
    return {"digests": send_weekly_digest(today)}

