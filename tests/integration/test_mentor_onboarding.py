"""Mentor onboarding: the profile, clearance records and what the mentor is shown about them,
the expiry reminders, and the mentor's home that shows only their own mentees."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.mentors.clearances import default_expiry
from mentormatch.models import (
    Clearance,
    ClearanceKind,
    ClearanceStatus,
    Match,
    MatchStatus,
    Mentor,
    MentorStatus,
    Role,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth


def profile_answers(**overrides) -> dict:
    answers = {"agency": "Sacramento Police Department", "unit": "Youth Services", "badge_number": "4411",
               "years_of_service": "8", "youth_experience_years": "3.5",
               "bio": "I coach youth basketball and have advised Explorers for three years.",
               "interests": ["basketball", "K9"], "languages": ["English", "Spanish"], "gender": "female",
               "zip_code": "95814", "availability": ["tue-evening", "sat-morning"], "capacity": "2"}
    answers.update(overrides)
    return answers


def new_mentor(browser) -> Mentor:
    mentor = make_mentor(cleared=False, user=make_user(Role.MENTOR, first_name="Dana"))
    browser.login(mentor.user.email, PASSWORD)
    return mentor


def test_mentor_completes_the_profile(browser):
    program = make_program(name="Explorer Post 300")
    mentor = new_mentor(browser)
    response = browser.post("/mentor/profile", profile_answers(programs=[str(program.id)]), form_page="/mentor/profile")
    assert response.status_code == 302
    db.session.refresh(mentor)
    assert (mentor.unit, mentor.badge_number, mentor.years_of_service, mentor.youth_experience_years) == \
        ("Youth Services", "4411", 8, 3.5)
    assert mentor.interests == ["basketball", "K9"] and mentor.languages == ["English", "Spanish"]
    assert mentor.availability == ["tue-evening", "sat-morning"] and mentor.zip_code == "95814"
    assert [p.name for p in mentor.programs] == ["Explorer Post 300"] and mentor.capacity == 2


def test_profile_rejects_an_unknown_zip_code_and_keeps_the_answers(browser):
    program = make_program()
    new_mentor(browser)
    response = browser.post("/mentor/profile", profile_answers(zip_code="00000", programs=[str(program.id)]),
                            form_page="/mentor/profile")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "We do not know that ZIP code" in body
    assert "I coach youth basketball" in body and 'value="4411"' in body


def test_profile_needs_a_program_and_a_time_to_meet(browser):
    make_program()
    new_mentor(browser)
    response = browser.post("/mentor/profile", profile_answers(availability=[], programs=[]),
                            form_page="/mentor/profile")
    body = response.get_data(as_text=True)
    assert "Choose at least one program." in body and "Choose at least one time you can meet." in body


def test_profile_accepts_zero_capacity_and_refuses_a_negative_one(browser):
    program = make_program()
    mentor = new_mentor(browser)
    negative = browser.post("/mentor/profile", profile_answers(capacity="-1", programs=[str(program.id)]),
                            form_page="/mentor/profile")
    assert negative.status_code == 422
    browser.post("/mentor/profile", profile_answers(capacity="0", programs=[str(program.id)]),
                 form_page="/mentor/profile")
    db.session.refresh(mentor)
    assert mentor.capacity == 0


def test_a_new_mentor_sees_every_clearance_missing(browser):
    new_mentor(browser)
    page = browser.get("/mentor/clearances").get_data(as_text=True)
    assert page.count("Record it below.") == len(ClearanceKind) and "Missing Missing" not in page


def test_recording_a_background_check_defaults_to_three_years_and_stays_unverified(browser):
    mentor = new_mentor(browser)
    completed = date.today() - timedelta(days=10)
    browser.post("/mentor/clearances", {"kind": "background_check", "completed_on": completed.isoformat(),
                                        "reference": "LS-2231"}, form_page="/mentor/clearances")
    record = db.session.scalar(sa.select(Clearance).where(Clearance.mentor_id == mentor.id))
    assert record.expires_on == default_expiry(ClearanceKind.BACKGROUND_CHECK, completed)
    assert record.expires_on.year == completed.year + 3 and record.verified_at is None
    page = browser.get("/mentor/clearances").get_data(as_text=True)
    assert "waiting for a coordinator to verify it" in page


def test_trainings_default_to_two_years_and_the_interview_never_expires():
    completed = date(2026, 3, 1)
    assert default_expiry(ClearanceKind.YOUTH_PROTECTION, completed) == date(2028, 3, 1)
    assert default_expiry(ClearanceKind.MANDATED_REPORTER, completed) == date(2028, 3, 1)
    assert default_expiry(ClearanceKind.INTERVIEW, completed) is None


def test_a_clearance_completed_in_the_future_or_expiring_before_completion_is_refused(browser):
    new_mentor(browser)
    future = browser.post("/mentor/clearances", {"kind": "interview",
                                                 "completed_on": (date.today() + timedelta(days=3)).isoformat()},
                          form_page="/mentor/clearances")
    assert future.status_code == 422 and "cannot be in the future" in future.get_data(as_text=True)
    backwards = browser.post("/mentor/clearances", {"kind": "youth_protection", "completed_on": "2025-05-01",
                                                    "expires_on": "2025-01-01"}, form_page="/mentor/clearances")
    assert backwards.status_code == 422 and "must be after the completion date" in backwards.get_data(as_text=True)


def test_mentor_sees_a_lapsed_and_an_expiring_clearance(browser):
    mentor = make_mentor(cleared=True, user=make_user(Role.MENTOR))
    records = {c.kind: c for c in mentor.clearances}
    records[ClearanceKind.BACKGROUND_CHECK].expires_on = date.today() - timedelta(days=2)
    records[ClearanceKind.YOUTH_PROTECTION].expires_on = date.today() + timedelta(days=12)
    db.session.commit()
    browser.login(mentor.user.email, PASSWORD)
    page = browser.get("/mentor/clearances").get_data(as_text=True)
    assert f"Lapsed on {(date.today() - timedelta(days=2)).isoformat()}" in page
    assert f"Expires on {(date.today() + timedelta(days=12)).isoformat()}: renew it soon." in page
    assert "Verified; does not expire." in page


def test_a_mentor_cannot_reach_another_mentors_records(browser):
    other = make_mentor(cleared=True, user=make_user(Role.MENTOR, first_name="Other"), badge_number="9999")
    new_mentor(browser)
    assert "9999" not in browser.get("/mentor/profile").get_data(as_text=True)
    assert other.clearances and "Other" not in browser.get("/mentor/clearances").get_data(as_text=True)


def test_clearance_reminders_go_once_for_verified_records_expiring_within_30_days(app, smtp):
    mentor = make_mentor(cleared=True, user=make_user(Role.MENTOR, email="dana@example.org", first_name="Dana"))
    records = {c.kind: c for c in mentor.clearances}
    records[ClearanceKind.MANDATED_REPORTER].expires_on = date.today() + timedelta(days=20)
    db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.YOUTH_PROTECTION, completed_on=date.today(),
                             expires_on=date.today() + timedelta(days=5)))  # unverified: no reminder
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["run-scheduled", "daily"])
    assert "clearance reminders: 1" in first.output
    (message,) = smtp.inbox.wait_for(1)
    assert message["To"] == "dana@example.org"
    assert "Mandated-reporter training (AB 506)" in message["Subject"]
    assert "in 20 days" in message.get_content()
    second = runner.invoke(args=["run-scheduled", "daily"])
    assert "clearance reminders: 0" in second.output
    assert len(smtp.inbox.messages) == 1


def test_no_reminder_for_a_record_already_renewed(app, smtp):
    mentor = make_mentor(cleared=True, user=make_user(Role.MENTOR))
    old = next(c for c in mentor.clearances if c.kind is ClearanceKind.YOUTH_PROTECTION)
    old.expires_on = date.today() + timedelta(days=10)
    db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.YOUTH_PROTECTION, completed_on=date.today(),
                             expires_on=date.today() + timedelta(days=730), verified_at=utcnow(),
                             status=ClearanceStatus.VERIFIED))
    db.session.commit()
    assert "clearance reminders: 0" in app.test_cli_runner().invoke(args=["run-scheduled", "daily"]).output


def test_mentor_home_shows_only_their_accepted_mentees_with_guardian_contact(browser):
    program = make_program()
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR))
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez", phone="916-555-0142")
    mine = make_application(make_youth(age=15, guardian=guardian, first_name="Ana", last_name="Lopez",
                                       interests=["robotics"]), program)
    db.session.add(Match(application=mine, mentor=mentor, status=MatchStatus.AWAITING_FIRST_MEETING,
                         meeting_plan="Tuesdays at the station.", accepted_at=utcnow(), accepted_by=guardian))
    others = make_application(make_youth(first_name="Zed", last_name="Stranger"), program)
    db.session.add(Match(application=others, mentor=make_mentor(programs=[program]), status=MatchStatus.ACTIVE))
    db.session.commit()
    browser.login(mentor.user.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "Ana L." in home and "Lopez" not in home.replace("Maria Lopez", "")
    assert "age 15" in home and "robotics" in home and "Tuesdays at the station." in home
    assert guardian.email in home and "916-555-0142" in home
    assert "Zed" not in home and "Stranger" not in home


def test_a_mentor_sees_no_mentee_until_a_match_is_approved(browser):
    mentor = make_mentor(user=make_user(Role.MENTOR), status=MentorStatus.APPROVED)
    make_application(make_youth(first_name="Waiting"), make_program())
    browser.login(mentor.user.email, PASSWORD)
    assert "Waiting" not in browser.get("/home").get_data(as_text=True)
