"""Model rules: eligibility, status transitions, clearances, tokens and database constraints."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from mentormatch.extensions import db
from mentormatch.models import (
    AccessToken,
    ApplicationStatus,
    AuditEvent,
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    MentorStatus,
    TokenPurpose,
    TransitionError,
    age_on,
    utcnow,
)
from mentormatch.passwords import password_problem
from tests.builders import make_application, make_mentor, make_program, make_user, make_youth

ON = date(2026, 9, 1)


@pytest.mark.parametrize("born, grade, problem", [
    (date(2012, 6, 1), 8, None),                       # 14, 8th grade done
    (date(2012, 6, 1), 7, "needs grade 8 completed"),  # 14 without 8th grade
    (date(2011, 6, 1), 7, None),                       # 15: no grade rule
    (date(2012, 12, 1), 8, "starts at age 14"),        # 13
    (date(2005, 9, 2), 12, None),                      # 20, the day before the 21st birthday
    (date(2005, 9, 1), 12, "up to 20"),                # 21st birthday
])
def test_explorer_eligibility(app, born, grade, problem):
    explorers = make_program(name="Explorers", min_age=14, max_age=20, min_grade_completed=8,
                             grade_rule_until_age=15)
    result = explorers.eligibility_problem(born, grade, ON)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_age_on_counts_leap_day_birthdays():
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_allowed_transition_is_audited(app):
    coordinator = make_user()
    application = make_application(make_youth(), make_program(), status=ApplicationStatus.UNDER_REVIEW)
    application.move_to(ApplicationStatus.WAITLISTED, coordinator, "Eligible")
    db.session.commit()
    assert application.waiting_since is not None and application.decided_by == coordinator
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "application.waitlisted"))
    assert event.details == {"before": {"status": "under_review"},
                             "after": {"status": "waitlisted", "reason": "Eligible"}}


def test_forbidden_transition_is_refused_with_a_reason(app):
    application = make_application(make_youth(), make_program(), status=ApplicationStatus.WITHDRAWN)
    with pytest.raises(TransitionError, match="withdrawn cannot become waiting for a mentor"):
        application.move_to(ApplicationStatus.WAITLISTED, None)
    assert application.status is ApplicationStatus.WITHDRAWN


def test_rematch_keeps_the_original_wait_date(app):
    application = make_application(make_youth(), make_program(), status=ApplicationStatus.MATCHED)
    first_wait = utcnow() - timedelta(days=200)
    application.waiting_since = first_wait
    application.move_to(ApplicationStatus.WAITLISTED, None, "Rematch after closure")
    assert application.waiting_since == first_wait
    assert application.days_waiting() == 200


def test_one_open_application_per_youth_and_program(app):
    youth, program = make_youth(), make_program()
    make_application(youth, program, status=ApplicationStatus.WITHDRAWN)
    make_application(youth, program, status=ApplicationStatus.WAITLISTED)
    with pytest.raises(IntegrityError):
        make_application(youth, program, status=ApplicationStatus.UNDER_REVIEW)
    db.session.rollback()


def test_capacity_cannot_be_negative(app):
    with pytest.raises(IntegrityError):
        make_mentor(capacity=-1)
    db.session.rollback()


def test_unique_email(app):
    make_user(email="same@example.org")
    with pytest.raises(IntegrityError):
        make_user(email="same@example.org")
    db.session.rollback()


def test_cleared_mentor_has_no_problems(app):
    assert make_mentor(cleared=True).clearance_problems() == []


def test_mentor_problems_name_each_missing_or_lapsed_record(app):
    mentor = make_mentor(cleared=True)
    record = mentor.current_clearance(ClearanceKind.MANDATED_REPORTER)
    record.expires_on = date.today() - timedelta(days=1)
    mentor.current_clearance(ClearanceKind.INTERVIEW).verified_at = None
    db.session.commit()
    problems = mentor.clearance_problems()
    assert any(p.startswith("Mandated-reporter training (AB 506): expired") for p in problems)
    assert "Interview: no verified record." in problems
    assert not mentor.is_cleared()


def test_failed_background_check_and_suspension_block_matching(app):
    mentor = make_mentor(cleared=True)
    db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.BACKGROUND_CHECK,
                             completed_on=date.today(), expires_on=date.today() + timedelta(days=900),
                             passed=False, verified_at=utcnow(), status=ClearanceStatus.FAILED))
    mentor.move_to(MentorStatus.SUSPENDED, None, "Failed the background check")
    db.session.commit()
    problems = mentor.clearance_problems()
    assert "Status: suspended." in problems
    assert "Background check (Live Scan): not passed." in problems


def test_access_token_is_single_use_and_expires(app):
    user = make_user()
    token, raw = AccessToken.issue(TokenPurpose.PASSWORD_RESET, user.email, timedelta(hours=1), user=user)
    db.session.commit()
    assert token.token_hash != raw and len(raw) > 30
    assert AccessToken.find_usable(TokenPurpose.PASSWORD_RESET, raw) == token
    assert AccessToken.find_usable(TokenPurpose.GUARDIAN_CONSENT, raw) is None
    token.used_at = utcnow()
    assert AccessToken.find_usable(TokenPurpose.PASSWORD_RESET, raw) is None
    token.used_at, token.expires_at = None, utcnow() - timedelta(seconds=1)
    assert AccessToken.find_usable(TokenPurpose.PASSWORD_RESET, raw) is None


@pytest.mark.parametrize("password, ok", [
    ("correct horse battery", True), ("short", False), ("password1234", False),
    ("zzzzzzzzzzzz", False), ("ababababababab", False),
])
def test_password_rules(password, ok):
    assert (password_problem(password) is None) is ok


def test_password_may_not_contain_the_users_name():
    assert "name" in password_problem("whitfield2026!", "jordan@example.org", "Jordan", "Whitfield")
