"""A coordinator clears a mentor, runs matching, expands a proposal, swaps it, approves it; the guardian
then sees the proposed mentor. Every htmx action must update the page in place, never reload it."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mentormatch.extensions import db
from mentormatch.models import ApplicationStatus, Clearance, ClearanceKind, Program, Role
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth
from tests.support.axe import axe_violations
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.e2e

SCREENSHOTS = screenshot_folder()


def build_scene(live_app) -> dict:
    with live_app.app_context():
        program = make_program(name="Sacramento Explorer Post 300")
        coordinator = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield",
                                email="jordan@example.org")
        guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Santos", email="maria@example.org")
        youth = make_youth(15, guardian=guardian, first_name="Lucia", last_name="Santos",
                           interests=["robotics", "K9", "forensics"], availability=["tue-evening", "sat-morning"])
        application = make_application(youth, program)
        for first, last, interests in (("Omar", "Reyes", ["robotics", "K9"]), ("Sam", "Lee", ["forensics"])):
            make_mentor(programs=[program], interests=interests, availability=["tue-evening"],
                        user=make_user(Role.MENTOR, first_name=first, last_name=last))
        dana = make_mentor(cleared=False, programs=[program], interests=["robotics", "forensics"],
                           availability=["sat-morning"], gender="female",
                           user=make_user(Role.MENTOR, first_name="Dana", last_name="Nguyen"))
        today = date.today()
        for kind in (ClearanceKind.BACKGROUND_CHECK, ClearanceKind.YOUTH_PROTECTION, ClearanceKind.MANDATED_REPORTER):
            db.session.add(Clearance(mentor=dana, kind=kind, completed_on=today - timedelta(days=14),
                                     expires_on=today + timedelta(days=700), reference="LS-4417"))
        db.session.commit()
        return {"program": program.id, "application": application.id, "dana": dana.id,
                "coordinator": coordinator.email, "guardian": guardian.email}


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def mark_page(page) -> None:
    page.evaluate("window.__mm_marker = 1")


def assert_no_reload(page) -> None:
    assert page.evaluate("window.__mm_marker") == 1, "the page was reloaded instead of updated in place"


def test_coordinator_clears_runs_swaps_approves_and_the_guardian_sees_the_mentor(page, live_app):
    scene = build_scene(live_app)
    log_in(page, scene["coordinator"])

    page.get_by_role("link", name="Mentors", exact=True).click()
    page.get_by_role("region", name=re.compile(r"^Awaiting approval")).get_by_role("link", name="Dana Nguyen").click()
    for _ in range(3):
        page.get_by_role("button", name=re.compile(r"^Verify")).first.click()
        expect(page.get_by_text(re.compile(r"marked passed\."))).to_be_visible()
    page.get_by_label("Interview date").fill(date.today().isoformat())
    page.get_by_label("Notes").fill("Clear about boundaries; prefers weekend meetings.")
    page.get_by_role("button", name="Record interview").click()
    page.get_by_label("Action").select_option("approve")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Cleared: in the matching pool.")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "coordinator-mentor-clearance.png"), full_page=True)
    assert axe_violations(page) == []

    page.goto(f"/coordinator/programs/{scene['program']}/matching")
    mark_page(page)
    page.get_by_role("button", name="Run matching").click()
    row = page.locator("tbody[id^=proposal-]").filter(has_text="Lucia Santos")
    expect(row).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Mentors with a free place", exact=True)).to_be_visible()
    assert_no_reload(page)

    row.get_by_role("link", name="Details of Lucia Santos").click()
    expect(row.get_by_role("heading", name="Top alternatives")).to_be_visible()
    expect(row.get_by_text("Shared interests")).to_be_visible()
    assert_no_reload(page)
    page.screenshot(path=str(SCREENSHOTS / "coordinator-proposal-expanded.png"), full_page=True)
    assert axe_violations(page) == []

    swap = row.get_by_role("button", name=re.compile(r"^Swap to ")).first
    chosen = swap.inner_text().removeprefix("Swap to ").strip()
    swap.click()
    expect(row.get_by_text("Swapped; approve it when you are ready.")).to_be_visible()
    expect(row.get_by_role("cell", name=chosen, exact=True)).to_be_visible()
    assert_no_reload(page)

    row.get_by_role("button", name=re.compile(r"^Approve Lucia Santos")).click()
    expect(row.get_by_text(re.compile(r"^Approved\."))).to_be_visible()
    counts = page.locator("[id^=proposal-counts-]")
    expect(counts).to_contain_text("0 awaiting decision")
    expect(counts).to_contain_text("1 approved")
    assert_no_reload(page)
    page.screenshot(path=str(SCREENSHOTS / "coordinator-matching-run.png"), full_page=True)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Log out").click()
    log_in(page, scene["guardian"])
    page.goto(f"/family/applications/{scene['application']}")
    first_name = chosen.split()[0]
    expect(page.get_by_text(f"A coordinator proposes {first_name} as mentor")).to_be_visible()


def test_coordinator_filters_rejects_and_bulk_approves_in_place(page, live_app):
    scene = build_scene(live_app)
    with live_app.app_context():
        program = db.session.get(Program, scene["program"])
        for first in ("Devon", "Mai", "Tou"):
            make_application(make_youth(16, first_name=first, last_name="Carter"), program)
        make_application(make_youth(17, first_name="Ana", last_name="Cruz"), program,
                         status=ApplicationStatus.UNDER_REVIEW)
    log_in(page, scene["coordinator"])
    expect(page.get_by_role("heading", name="Coordinator dashboard")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "coordinator-dashboard.png"), full_page=True)
    assert axe_violations(page) == []

    page.get_by_role("link", name="Applications", exact=True).click()
    # htmx binds the filters once the page has loaded; typing before that would go unheard.
    expect(page).to_have_url(re.compile(r"/coordinator/applications$"))
    page.wait_for_load_state("load")
    mark_page(page)
    page.get_by_label("Name").fill("mai")
    results = page.locator("#application-results")
    expect(results).to_contain_text("1 application")
    expect(results.get_by_role("link", name="Mai Carter")).to_be_visible()
    expect(results.get_by_role("link", name="Devon Carter")).to_have_count(0)
    page.get_by_label("Name").fill("")
    page.get_by_label("Status").select_option("under_review")
    expect(results.get_by_role("link", name="Ana Cruz")).to_be_visible()
    expect(results).to_contain_text("1 application")
    assert_no_reload(page)
    page.screenshot(path=str(SCREENSHOTS / "coordinator-applications.png"), full_page=True)
    assert axe_violations(page) == []

    page.goto(f"/coordinator/programs/{scene['program']}/matching")
    mark_page(page)
    page.get_by_role("button", name="Run matching").click()
    row = page.locator("tbody[id^=proposal-]").filter(has_text="Lucia Santos")
    expect(row).to_be_visible(timeout=30_000)
    row.get_by_role("link", name="Details of Lucia Santos").click()
    row.get_by_label("Reason for rejecting").fill("Mentor's shift pattern changes next month")
    row.get_by_role("button", name=re.compile(r"^Reject")).click()
    expect(row.get_by_text("Rejected; the youth stays on the waitlist.")).to_be_visible()
    expect(page.locator("[id^=proposal-counts-]")).to_contain_text("1 rejected")
    assert_no_reload(page)

    page.get_by_label("Select Devon Carter").check()
    page.get_by_label("Select Mai Carter").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("2 approved.")).to_be_visible()
    expect(page.locator("[id^=proposal-counts-]")).to_contain_text("2 approved")
    assert_no_reload(page)

    page.goto(f"/coordinator/programs/{scene['program']}/waitlist")
    expect(page.get_by_role("heading", name="Who waits longest")).to_be_visible()
    mark_page(page)
    page.get_by_label("Age", exact=True).select_option("15")
    waiting = page.locator("#waitlist-results")
    expect(waiting).to_contain_text("1 waiting")
    expect(waiting.get_by_role("link", name="Lucia Santos")).to_be_visible()
    assert_no_reload(page)
    page.get_by_label("Age", exact=True).select_option("")
    expect(waiting).to_contain_text("2 waiting")
    page.screenshot(path=str(SCREENSHOTS / "coordinator-waitlist.png"), full_page=True)
    assert axe_violations(page) == []
