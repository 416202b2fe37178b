"""A mentor completes the profile and sees a lapsed clearance, then records its renewal."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mentormatch.extensions import db
from mentormatch.models import Clearance, ClearanceKind, Match, MatchStatus, Role, utcnow
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth
from tests.support.axe import axe_violations

pytestmark = pytest.mark.e2e


def lapsed_mentor(live_app) -> str:
    with live_app.app_context():
        make_program(name="Sacramento Police Explorers")
        coordinator = make_user(Role.COORDINATOR)
        mentor = make_mentor(cleared=False, user=make_user(Role.MENTOR, email="dana@example.org", first_name="Dana"))
        today = date.today()
        db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.BACKGROUND_CHECK,
                                 completed_on=today - timedelta(days=3 * 365 + 5),
                                 expires_on=today - timedelta(days=5), verified_by=coordinator, verified_at=utcnow()))
        db.session.add(Clearance(mentor=mentor, kind=ClearanceKind.INTERVIEW, completed_on=today - timedelta(days=30),
                                 verified_by=coordinator, verified_at=utcnow()))
        db.session.commit()
        return (today - timedelta(days=5)).isoformat()


def test_mentor_completes_profile_and_sees_lapsed_clearance(page, live_app):
    lapsed_on = lapsed_mentor(live_app)
    page.goto("/account/login")
    page.get_by_label("E-mail").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Your profile").click()

    page.get_by_label("Agency or organization").fill("Sacramento Police Department")
    page.get_by_label("Unit or team (optional)").fill("Youth Services")
    page.get_by_label("Years of service").fill("8")
    page.get_by_label("Years of experience with young people").fill("3")
    page.get_by_label("About you and your experience with youth").fill("I coach youth basketball on weekends.")
    page.get_by_label("basketball").check()
    page.get_by_label("Spanish").check()
    page.get_by_label("Gender").select_option(label="Female")
    page.get_by_label("ZIP code where you would meet").fill("95814")
    page.get_by_label("Saturday morning").check()
    page.get_by_label("Sacramento Police Explorers").check()
    page.get_by_label("How many mentees at once").fill("2")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()

    expect(page.get_by_role("heading", name="Your clearances")).to_be_visible()
    background = page.get_by_role("row", name="Background check (Live Scan)")
    expect(background).to_contain_text("Lapsed")
    expect(background).to_contain_text(f"Lapsed on {lapsed_on}")
    expect(page.get_by_role("row", name="Youth-protection training")).to_contain_text("Missing")
    expect(page.get_by_role("row", name="Interview")).to_contain_text("Current")

    page.get_by_label("Clearance").select_option(label="Background check (Live Scan)")
    page.get_by_label("Completed on").fill(date.today().isoformat())
    page.get_by_label("Reference or certificate number (optional)").fill("LS-8812")
    page.get_by_role("button", name="Record clearance").click()
    expect(page.get_by_text("Background check (Live Scan) recorded. A coordinator will verify it.")).to_be_visible()
    expect(page.get_by_role("row", name="Background check (Live Scan)")).to_contain_text("Unverified")


def test_mentor_pages_have_no_axe_violations(page, live_app):
    lapsed_mentor(live_app)
    with live_app.app_context():
        program = make_program(name="Cadet Academy")
        mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, email="omar@example.org"))
        guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez")
        application = make_application(make_youth(age=15, guardian=guardian, first_name="Ana"), program)
        db.session.add(Match(application=application, mentor=mentor, status=MatchStatus.AWAITING_FIRST_MEETING,
                             meeting_plan="Tuesdays at the community center."))
        db.session.commit()
    problems = {}
    for email in ("dana@example.org", "omar@example.org"):
        page.goto("/account/login")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        for url in ("/home", "/mentor/profile", "/mentor/clearances"):
            page.goto(url)
            problems[f"{email} {url}"] = axe_violations(page)
        page.get_by_role("button", name="Log out").click()
    page.goto("/account/login")
    page.get_by_label("E-mail").fill("dana@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/mentor/profile")
    page.get_by_label("ZIP code where you would meet").fill("1")
    page.get_by_role("button", name="Save profile").click()
    problems["profile with errors"] = axe_violations(page)
    assert {where: found for where, found in problems.items() if found} == {}
