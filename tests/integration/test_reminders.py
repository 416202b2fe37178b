"""Scheduled work with a frozen clock: each reminder goes out once, on the right day, across month
ends, however often the schedule runs."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mentormatch import reminders
from mentormatch.extensions import db
from mentormatch.models import (
    AccessToken,
    ApplicationStatus,
    ClearanceKind,
    OutboxMessage,
    Role,
    TokenPurpose,
    utcnow,
)
from tests.builders import make_application, make_match, make_mentor, make_program, make_user, make_youth


def days(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def messages(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template)
                                   .order_by(OutboxMessage.id)))


def run_every_day(start: date, end: date, template: str, twice: bool = True) -> dict[date, int]:
    """Run the daily work on each day (twice, as two workers might); how many messages each day wrote."""
    written: dict[date, int] = {}
    for day in days(start, end):
        before = len(messages(template))
        reminders.run_daily(day)
        if twice:
            reminders.run_daily(day)
        after = len(messages(template))
        if after > before:
            written[day] = after - before
    return written


def test_a_mentor_is_reminded_30_and_7_days_before_a_clearance_expires_across_february(app):
    mentor = make_mentor(user=make_user(Role.MENTOR, email="dana@example.org"))
    record = next(c for c in mentor.clearances if c.kind is ClearanceKind.MANDATED_REPORTER)
    record.expires_on = date(2028, 3, 1)  # a leap year: 29 days in February
    db.session.commit()
    sent = run_every_day(date(2028, 1, 1), date(2028, 3, 10), "clearance_expiring")
    assert sent == {date(2028, 1, 31): 1, date(2028, 2, 23): 1}
    first, second = messages("clearance_expiring")
    assert first.to_address == "dana@example.org" and "in 30 days" in first.body
    assert "in 7 days" in second.body
    assert record.status.value == "lapsed"  # on 2 March, the day after it expired


def test_a_renewed_clearance_gets_no_reminder(app):
    mentor = make_mentor()
    record = next(c for c in mentor.clearances if c.kind is ClearanceKind.BACKGROUND_CHECK)
    record.expires_on = date(2027, 12, 31)
    db.session.commit()
    from mentormatch.models import Clearance, ClearanceStatus

    db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.BACKGROUND_CHECK, completed_on=date(2027, 11, 1),
                             expires_on=date(2030, 11, 1), verified_at=utcnow(), status=ClearanceStatus.VERIFIED))
    db.session.commit()
    assert run_every_day(date(2027, 11, 15), date(2027, 12, 31), "clearance_expiring") == {}


def test_check_in_reminders_and_overdue_alerts_fall_on_their_days_from_the_31st(app):
    coordinator = make_user(Role.COORDINATOR, email="jordan@example.org", first_name="Jordan")
    program = make_program(checkins_first_month=2, checkin_interval_days=30)
    application = make_application(make_youth(age=19), program, status=ApplicationStatus.MATCHED)
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, email="dana@example.org"))
    start = date(2027, 1, 31)
    make_match(application, mentor, approved_by=coordinator, approved_on=start - timedelta(days=7), held_on=start)
    due = [start + timedelta(days=n) for n in (15, 30, 60, 90)]  # 15 Feb, 2 Mar, 1 Apr, 1 May
    reminded = run_every_day(start, date(2027, 5, 3), "check_in_due_mentor")
    assert reminded == {day: 1 for day in due}
    alerts = messages("check_in_overdue_staff")
    assert {m.to_address for m in alerts} == {"jordan@example.org"}
    # With no check-in ever logged, each due date is overdue from the day after, and alerted once.
    assert sorted(next(d for d in due if d.isoformat() in m.body) for m in alerts) == due


def test_an_expired_consent_link_is_told_to_the_family_once(app):
    youth_user = make_user(Role.YOUTH, email="tou@example.org")
    application = make_application(make_youth(age=16, user=youth_user, guardian_email="mai@example.org"),
                                   make_program(), status=ApplicationStatus.AWAITING_CONSENT, consent=False)
    token, _raw = AccessToken.issue(TokenPurpose.GUARDIAN_CONSENT, "mai@example.org", timedelta(days=14),
                                    application=application)
    db.session.commit()
    expiry = token.expires_at.date()
    sent = run_every_day(expiry - timedelta(days=2), expiry + timedelta(days=5), "consent_link_expired")
    assert sent == {expiry + timedelta(days=1): 1}
    (message,) = messages("consent_link_expired")
    assert message.to_address == "tou@example.org" and "mai@example.org" in message.body


def test_each_coordinator_gets_one_digest_a_week(app):
    make_user(Role.COORDINATOR, email="a@example.org")
    make_user(Role.COORDINATOR, email="b@example.org")
    for monday in (date(2027, 12, 27), date(2028, 1, 3), date(2028, 1, 10)):
        reminders.run_weekly(monday)
        reminders.run_weekly(monday)
    digests = messages("weekly_digest")
    assert len(digests) == 6
    assert sorted(m.to_address for m in digests) == ["a@example.org"] * 3 + ["b@example.org"] * 3
