"""Journeys through a match: a safety concern reaches the dashboard at once, a closure with rematch
puts the youth back on the waitlist, and a mentor logs a meeting from their home page."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mentormatch.models import ApplicationStatus, Role, utcnow
from tests.builders import PASSWORD, make_application, make_match, make_mentor, make_program, make_user, make_youth
from tests.support.axe import axe_violations

pytestmark = pytest.mark.e2e


def active_match(youth_first: str, program_name: str = "Youth Leadership Academy", mentor_email: str | None = None):
    program = make_program(name=program_name)
    youth = make_youth(age=15, first_name=youth_first, last_name="Reyes",
                       guardian=make_user(Role.GUARDIAN, first_name="Rosa", last_name="Reyes"))
    application = make_application(youth, program, status=ApplicationStatus.MATCHED,
                                   waiting_since=utcnow() - timedelta(days=120))
    names = {"email": mentor_email} if mentor_email else {}
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Dana", last_name="Nguyen", **names))
    return make_match(application, mentor, held_on=date.today() - timedelta(days=60))


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_safety_concern_logged_in_a_check_in_is_on_the_dashboard_at_once(page, seed):
    seed(make_user, Role.COORDINATOR, email="lead@example.org", first_name="Jordan", last_name="Whitfield")
    match_id = seed(active_match, "Camila")
    log_in(page, "lead@example.org")
    page.goto(f"/matches/{match_id}")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log a check-in").click()
    assert axe_violations(page) == []
    page.get_by_label("With whom").select_option("guardian")
    page.get_by_label("How").select_option("phone")
    page.get_by_label("Relationship quality").select_option("2")
    page.get_by_label("There is a safety concern").check()
    page.get_by_label("Notes").fill("Mentor offered a ride home without telling the guardian")
    page.get_by_role("button", name="Log the check-in").click()
    expect(page.get_by_text("The safety concern is on the dashboard.")).to_be_visible()

    page.get_by_role("link", name="Home").click()
    assert axe_violations(page) == []
    alerts = page.locator("#safety-alerts")
    expect(alerts.get_by_role("heading", name="Safety concerns")).to_be_visible()
    expect(alerts.get_by_role("link", name="Camila Reyes with Dana Nguyen")).to_be_visible()
    expect(alerts.get_by_text("Mentor offered a ride home")).to_be_visible()

    alerts.get_by_role("button", name="Mark resolved").click()
    expect(page.locator("#safety-alerts").get_by_text("No unresolved safety concern.")).to_be_visible()
    expect(page.get_by_text("Mentor offered a ride home")).to_have_count(0)


def test_closing_a_match_with_rematch_puts_the_youth_back_on_the_waitlist(page, seed, live_app):
    seed(make_user, Role.COORDINATOR, email="lead@example.org")
    match_id = seed(active_match, "Mateo", "Police Cadet Program")
    with live_app.app_context():
        from mentormatch.extensions import db
        from mentormatch.models import Match

        program_id = db.session.get(Match, match_id).application.program_id
    log_in(page, "lead@example.org")
    page.goto(f"/matches/{match_id}")
    page.get_by_role("button", name="Close this match").click()
    assert axe_violations(page) == []
    page.locator("fieldset", has_text="Was the closure planned?").get_by_label("No").check()
    page.get_by_label("Reason").select_option("moved")
    page.get_by_label("Exit notes: mentor").fill("Transferred to North Division.")
    page.get_by_label("Exit notes: guardian").fill("We are moving to Roseville in May.")
    page.locator("fieldset", has_text="Put the youth back on the waitlist").get_by_label("Yes").check()
    page.get_by_label("Contact after closure").select_option("program")
    page.get_by_role("button", name="Close the match").click()

    expect(page.get_by_text("Match closed. The youth is back on the waitlist.")).to_be_visible()
    expect(page.locator("#application-status")).to_have_text("Waiting for a mentor")
    expect(page.get_by_text("Moved away (unplanned)")).to_be_visible()

    page.goto(f"/coordinator/programs/{program_id}/waitlist")
    expect(page.get_by_text("Mateo Reyes")).to_be_visible()



def test_a_mentor_logs_a_meeting_from_their_home_page(page, seed):
    seed(active_match, "Lucia", mentor_email="dana@example.org")
    log_in(page, "dana@example.org")
    mentee = page.locator("article", has_text="Lucia R.")
    mentee.get_by_role("button", name="Log a meeting").click()
    expect(page.get_by_role("heading", name="Log a meeting with Lucia R.")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("How you met").select_option("in_person")
    page.get_by_label("What you did (optional)").fill("Practised for the academy fitness test")
    page.get_by_role("button", name="Log the meeting").click()
    expect(page.get_by_text("Meeting logged. Thank you.")).to_be_visible()
    page.get_by_role("button", name="Log a meeting").click()
    expect(page.get_by_text("Practised for the academy fitness test")).to_be_visible()
