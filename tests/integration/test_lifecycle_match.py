"""A match after approval: first meeting and commitment make it active; check-ins, alerts, closure."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch import cadence
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    CheckIn,
    ClosureReason,
    Match,
    MatchStatus,
    Role,
    utcnow,
)
from tests.builders import (
    PASSWORD,
    make_application,
    make_check_in,
    make_match,
    make_mentor,
    make_program,
    make_user,
    make_youth,
)


def login_coordinator(browser, **names):
    coordinator = make_user(Role.COORDINATOR, **names)
    assert browser.login(coordinator.email, PASSWORD).status_code == 302
    return coordinator


def proposed_match(guardian=None, age=15, **overrides):
    program = make_program()
    youth = make_youth(age=age, guardian=guardian or (make_user(Role.GUARDIAN, first_name="Pat", last_name="Rivera")
                                                      if age < 18 else None))
    application = make_application(youth, program, status=ApplicationStatus.PROPOSED,
                                   waiting_since=utcnow() - timedelta(days=90))
    return make_match(application, make_mentor(programs=[program]), **overrides)


def actions_of(match):
    """What was done to the match; staff reading its page is audited too (tests/integration/test_audit_reads.py)."""
    return [e.action for e in db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "matches", AuditEvent.object_id == match.id,
                                    AuditEvent.action != "match.view")
        .order_by(AuditEvent.id))]


def test_first_meeting_and_signed_commitment_make_the_match_active(browser):
    coordinator = login_coordinator(browser)
    match = proposed_match()
    page = f"/matches/{match.id}"
    assert "Schedule the first meeting" in browser.get(page).get_data(as_text=True)

    missing_guardian = browser.post(f"{page}/first-meeting", {
        "day": (date.today() + timedelta(days=3)).isoformat(), "at": "17:30", "place": "Station 3 lobby",
        "staff_member": str(coordinator.id), "guardian_name": ""}, form_page=page)
    assert missing_guardian.status_code == 422
    assert "name the guardian who attends" in missing_guardian.get_data(as_text=True)

    saved = browser.post(f"{page}/first-meeting", {
        "day": (date.today() + timedelta(days=3)).isoformat(), "at": "17:30", "place": "Station 3 lobby",
        "staff_member": str(coordinator.id), "guardian_name": "Pat Rivera"}, form_page=page)
    assert saved.status_code == 302
    db.session.refresh(match)
    assert match.first_meeting_place == "Station 3 lobby"
    assert f"Staff: {coordinator.full_name}" in match.first_meeting_attendees
    assert "Guardian: Pat Rivera" in match.first_meeting_attendees

    signed = browser.post(f"{page}/commitment", {
        "mentor_name": "Officer Lee", "youth_name": "Ana Rivera", "guardian_name": "Pat Rivera",
        "staff_name": coordinator.full_name, "signed_on": date.today().isoformat()}, form_page=page)
    assert signed.status_code == 302
    db.session.refresh(match)
    assert match.status is MatchStatus.AWAITING_FIRST_MEETING, "not active before the meeting is held"

    held = browser.post(f"{page}/first-meeting/held", {"held_on": date.today().isoformat()}, form_page=page)
    assert held.status_code == 302
    db.session.refresh(match)
    assert match.status is MatchStatus.ACTIVE
    assert match.application.status is ApplicationStatus.MATCHED
    assert match.commitment_signatures == {"mentor": "Officer Lee", "youth": "Ana Rivera",
                                           "guardian": "Pat Rivera", "staff": coordinator.full_name}
    assert actions_of(match) == ["match.first_meeting_scheduled", "match.commitment_signed",
                                 "match.first_meeting_held", "match.active"]
    assert "The match is active." in browser.get(page).get_data(as_text=True)


def test_a_minor_s_commitment_needs_the_guardian_s_signature(browser):
    login_coordinator(browser)
    match = proposed_match(age=16)
    response = browser.post(f"/matches/{match.id}/commitment", {
        "mentor_name": "A", "youth_name": "B", "guardian_name": " ", "staff_name": "C",
        "signed_on": date.today().isoformat()}, form_page=f"/matches/{match.id}")
    assert response.status_code == 422
    assert "the guardian signs too" in response.get_data(as_text=True)
    db.session.refresh(match)
    assert match.commitment_signed_on is None


def test_an_adult_youth_needs_no_guardian_at_the_first_meeting(browser):
    coordinator = login_coordinator(browser)
    match = proposed_match(age=19)
    page = f"/matches/{match.id}"
    response = browser.post(f"{page}/first-meeting", {
        "day": date.today().isoformat(), "at": "10:00", "place": "Library", "staff_member": str(coordinator.id)},
        form_page=page)
    assert response.status_code == 302
    db.session.refresh(match)
    assert "Guardian" not in match.first_meeting_attendees


def test_the_meeting_plan_is_saved_in_place_with_htmx(browser):
    login_coordinator(browser)
    match = proposed_match()
    browser.get(f"/matches/{match.id}")
    response = browser.htmx_post(f"/matches/{match.id}/plan", {"meeting_plan": "Tuesdays 5 pm at the library"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="meeting-plan"') and "Saved." in body
    db.session.refresh(match)
    assert match.meeting_plan == "Tuesdays 5 pm at the library"
    assert "match.meeting_plan" in actions_of(match)


def test_a_safety_concern_is_on_the_dashboard_until_resolved(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=20))
    youth_name = match.youth.full_name
    logged = browser.post(f"/matches/{match.id}/check-ins/new", {
        "occurred_on": date.today().isoformat(), "party": "youth", "method": "phone",
        "meetings_per_month": "2", "relationship_quality": "2", "safety_concern": "y",
        "notes": "Mentor asked to meet alone off-site"}, form_page=f"/matches/{match.id}/check-ins/new")
    assert logged.status_code == 302
    check_in = db.session.scalar(sa.select(CheckIn).where(CheckIn.match_id == match.id))
    assert check_in.safety_concern and check_in.relationship_quality == 2 and check_in.meetings_per_month == 2
    assert "match.safety_concern" in actions_of(match)

    dashboard = browser.get("/home").get_data(as_text=True)
    alerts = dashboard[dashboard.index('id="safety-alerts"'):]
    assert youth_name in alerts and "Mentor asked to meet alone off-site" in alerts

    resolved = browser.htmx_post(f"/matches/check-ins/{check_in.id}/resolve")
    assert resolved.status_code == 200 and "No unresolved safety concern." in resolved.get_data(as_text=True)
    db.session.refresh(check_in)
    assert check_in.safety_resolved_at is not None
    assert youth_name not in browser.get("/home").get_data(as_text=True).split('id="safety-alerts"')[1]


def test_a_check_in_date_in_the_future_is_refused(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=5))
    response = browser.post(f"/matches/{match.id}/check-ins/new", {
        "occurred_on": (date.today() + timedelta(days=1)).isoformat(), "party": "mentor", "method": "phone"},
        form_page=f"/matches/{match.id}/check-ins/new")
    assert response.status_code == 422 and "This date is in the future." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0


def test_close_with_rematch_puts_the_youth_back_in_their_original_place(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=200))
    match.application.status = ApplicationStatus.MATCHED
    db.session.commit()
    waiting_since = match.application.waiting_since
    response = browser.post(f"/matches/{match.id}/close", {
        "planned": "no", "reason": "moved", "mentor_notes": "Sad to part", "youth_notes": "", "guardian_notes": "Moving to Fresno",
        "rematch": "yes", "contact_rule": "program"}, form_page=f"/matches/{match.id}/close")
    assert response.status_code == 302
    db.session.refresh(match)
    application = match.application
    assert match.status is MatchStatus.CLOSED and match.closure_reason is ClosureReason.MOVED
    assert match.closure_planned is False and match.rematch is True
    assert match.closure_notes == {"mentor": "Sad to part", "guardian": "Moving to Fresno"}
    assert match.post_closure_contact.startswith("Contact only at program events")
    assert application.status is ApplicationStatus.WAITLISTED
    assert application.waiting_since == waiting_since
    assert db.session.get(Match, match.id) is not None, "nothing is deleted"
    page = browser.get(f"/matches/{match.id}").get_data(as_text=True)
    assert "Back on the waitlist" in page or "back on the waitlist" in page
    assert "Waiting for a mentor" in page
    assert "match.closed" in actions_of(match)


def test_close_without_rematch_ends_the_application(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=400))
    match.application.status = ApplicationStatus.MATCHED
    db.session.commit()
    browser.post(f"/matches/{match.id}/close", {"planned": "yes", "reason": "aged_out", "rematch": "no",
                                                "contact_rule": "adult"}, form_page=f"/matches/{match.id}/close")
    db.session.refresh(match)
    assert match.status is MatchStatus.CLOSED and match.closure_planned is True
    assert match.application.status is ApplicationStatus.CLOSED


def test_closing_before_the_first_meeting_without_rematch_closes_the_application(browser):
    login_coordinator(browser)
    match = proposed_match()
    browser.post(f"/matches/{match.id}/close", {"planned": "no", "reason": "other", "rematch": "no",
                                                "contact_rule": "none"}, form_page=f"/matches/{match.id}/close")
    db.session.refresh(match)
    assert match.status is MatchStatus.CLOSED
    assert match.application.status is ApplicationStatus.CLOSED


def test_a_closure_needs_the_planned_and_rematch_answers(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=30))
    response = browser.post(f"/matches/{match.id}/close", {"reason": "time", "contact_rule": "none"},
                            form_page=f"/matches/{match.id}/close")
    assert response.status_code == 422 and response.get_data(as_text=True).count("Choose yes or no.") == 2
    db.session.refresh(match)
    assert match.status is MatchStatus.ACTIVE


def test_a_mentor_logs_meetings_only_with_their_own_mentee(browser):
    match = proposed_match(held_on=date.today() - timedelta(days=40))
    other = proposed_match(held_on=date.today() - timedelta(days=40))
    mentor_user = match.mentor.user
    assert browser.login(mentor_user.email, PASSWORD).status_code == 302
    assert "Log a meeting" in browser.get("/home").get_data(as_text=True)
    response = browser.post(f"/matches/{match.id}/meetings/new", {
        "occurred_on": date.today().isoformat(), "method": "in_person", "notes": "Shot hoops"},
        form_page=f"/matches/{match.id}/meetings/new")
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(CheckIn).where(CheckIn.match_id == match.id))
    assert meeting.is_mentor_meeting and meeting.logged_by_id == mentor_user.id
    assert browser.get(f"/matches/{other.id}/meetings/new").status_code == 404
    assert browser.get(f"/matches/{match.id}").status_code == 403
    db.session.refresh(match)
    assert not cadence.for_match(match, date.today()).at_risk


def test_overdue_check_ins_are_listed_per_coordinator_and_per_program(browser):
    viewer = login_coordinator(browser)
    jordan = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield")
    overdue = proposed_match(held_on=date.today() - timedelta(days=50), approved_by=jordan)
    on_time = proposed_match(held_on=date.today() - timedelta(days=50), approved_by=viewer)
    make_check_in(on_time, date.today() - timedelta(days=36))
    make_check_in(on_time, date.today() - timedelta(days=21))
    page = browser.get("/matches/").get_data(as_text=True)
    by_coordinator = page[page.index("Overdue check-ins by coordinator"):page.index("Overdue check-ins by program")]
    by_program = page[page.index("Overdue check-ins by program"):page.index("At risk: no meeting")]
    assert "Jordan Whitfield (1)" in by_coordinator and overdue.youth.full_name in by_coordinator
    assert on_time.youth.full_name not in by_coordinator
    assert f"{overdue.application.program.name} (1)" in by_program
    at_risk = page[page.index("At risk: no meeting"):page.index("All open matches")]
    assert overdue.youth.full_name in at_risk and on_time.youth.full_name in at_risk


def test_cadence_of_a_stored_match_across_month_ends(app):
    match = proposed_match(held_on=date(2025, 1, 31), approved_on=date(2025, 1, 20))
    match.application.program.checkins_first_month = 2
    match.application.program.checkin_interval_days = 30
    make_check_in(match, date(2025, 2, 14))
    make_check_in(match, date(2025, 3, 4))
    make_check_in(match, date(2025, 2, 28), mentor_meeting=True)
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assessed = cadence.for_match(match, date(2025, 4, 3))
    assert [(d.due, d.state) for d in assessed.due] == [
        (date(2025, 2, 15), cadence.DONE), (date(2025, 3, 2), cadence.LATE), (date(2025, 4, 1), cadence.OVERDUE)]
    assert assessed.days_since_meeting == 34 and assessed.at_risk


@pytest.mark.parametrize("target", ["https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example"])
def test_resolving_a_concern_never_redirects_off_site(browser, target):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=10))
    check_in = make_check_in(match, date.today(), safety_concern=True)
    response = browser.post(f"/matches/check-ins/{check_in.id}/resolve", {"next": target}, form_page="/home")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/matches/{match.id}")


def test_a_closed_match_takes_no_more_check_ins_or_meetings(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date(2025, 1, 10), closed_on=date(2025, 6, 1))
    response = browser.post(f"/matches/{match.id}/check-ins/new", {
        "occurred_on": date.today().isoformat(), "party": "mentor", "method": "phone"}, form_page=f"/matches/{match.id}")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
    browser.logout()
    assert browser.login(match.mentor.user.email, PASSWORD).status_code == 302
    assert browser.get(f"/matches/{match.id}/meetings/new").status_code == 404


def test_the_match_audit_trail_tells_the_pair_s_story(browser):
    login_coordinator(browser)
    match = proposed_match(held_on=date.today() - timedelta(days=20))
    browser.post(f"/matches/{match.id}/check-ins/new", {
        "occurred_on": date.today().isoformat(), "party": "mentor", "method": "phone", "relationship_quality": "",
        "safety_concern": "y"},
        form_page=f"/matches/{match.id}/check-ins/new")
    check_in = db.session.scalar(sa.select(CheckIn).where(CheckIn.match_id == match.id))
    browser.post(f"/matches/check-ins/{check_in.id}/resolve", form_page=f"/matches/{match.id}")
    assert actions_of(match) == ["match.check_in", "match.safety_concern", "match.safety_resolved"]
    page = browser.get(f"/matches/{match.id}").get_data(as_text=True)
    trail = browser.get(f"/coordinator/audit/matches/{match.id}").get_data(as_text=True)
    assert f"/coordinator/audit/matches/{match.id}" in page
    assert "match.safety_resolved" in trail or "safety resolved" in trail.lower()
