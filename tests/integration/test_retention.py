"""Nothing about a minor is kept for ever: past their program's retention period, a young person's
records are anonymised by the daily job, after a dry-run count the admin sees; reports keep counting."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from mentormatch import reminders, retention
from mentormatch.extensions import db
from mentormatch.lifecycle import actions
from mentormatch.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    ClosureReason,
    Match,
    MatchStatus,
    Role,
    Youth,
)
from tests.builders import PASSWORD, make_application, make_check_in, make_match, make_program, make_user, make_youth


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def closed_history(program, ended: date, first_name: str = "Lucia"):
    """A youth whose match and application closed on `ended`, with notes that name people."""
    youth = make_youth(age=16, first_name=first_name, last_name="Santos", school="Hiram Johnson High",
                       goals="Become a K9 handler")
    application = make_application(youth, program, status=ApplicationStatus.MATCHED)
    match = make_match(application, held_on=ended - timedelta(days=400), meeting_plan="Tuesdays at 5770 Freeport")
    make_check_in(match, ended - timedelta(days=30), notes="Lucia's mother Maria called about school.")
    actions.close_match(match, make_user(Role.COORDINATOR), reason=ClosureReason.PROGRAM_ENDED, rematch=False,
                        notes={"guardian": "Maria Santos: thank you"}, contact_rule="Events only")
    db.session.commit()
    match.closed_at = application.status_changed_at = noon(ended)
    db.session.commit()
    return youth, application, match


def test_records_past_the_period_are_anonymised_once_and_reports_keep_counting(app):
    program = make_program(retention_years=7)
    today = date(2034, 6, 1)
    old, old_application, old_match = closed_history(program, date(2027, 5, 31))
    recent, _application, _match = closed_history(program, date(2027, 6, 2), first_name="Ana")
    still_open = make_youth(age=16, first_name="Open")
    make_application(still_open, program)

    assert retention.preview(today) == {program.id: 1}
    assert reminders.run_daily(today)["records anonymised"] == 1
    assert reminders.run_daily(today)["records anonymised"] == 0

    db.session.expire_all()
    youth = db.session.get(Youth, old.id)
    assert youth.anonymised_at is not None
    assert (youth.first_name, youth.school, youth.goals, youth.date_of_birth) == ("Deleted", "", "", None)
    match = db.session.get(Match, old_match.id)
    assert match.status is MatchStatus.CLOSED and match.closure_reason is ClosureReason.PROGRAM_ENDED
    assert "Freeport" not in str(match.meeting_plan) and "Maria" not in str(match.closure_notes)
    assert all("Maria" not in c.notes for c in match.check_ins)
    assert db.session.get(Application, old_application.id).status is ApplicationStatus.CLOSED
    trail = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "matches",
                                                           AuditEvent.object_id == match.id)).all()
    assert [e.action for e in trail if e.action == "match.closed"], "the trail keeps its shape"
    assert "Maria" not in str([e.details for e in trail]) and "Freeport" not in str([e.details for e in trail])
    assert db.session.get(Youth, recent.id).anonymised_at is None
    assert db.session.get(Youth, still_open.id).anonymised_at is None
    done = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "youth.anonymised"))
    assert done.object_id == old.id and "Retention period passed" in done.details["reason"]


def test_the_admin_sees_the_dry_run_count_and_sets_each_programs_period(browser):
    admin = make_user(Role.ADMIN)
    program = make_program(name="Cadets", retention_years=1)
    closed_history(program, date.today() - timedelta(days=500))
    browser.login(admin.email, PASSWORD)
    page = browser.get("/admin/programs").get_data(as_text=True)
    assert "1 years after the last ending" in page and "would anonymise the records of <strong>1</strong>" in page
    response = browser.post("/admin/retention/run", form_page="/admin/programs", follow_redirects=True)
    assert "1 young people&#39;s records anonymised." in response.get_data(as_text=True)
    assert "no records are past their retention period today" in browser.get("/admin/programs").get_data(as_text=True)
