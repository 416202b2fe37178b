"""A family declines the mentor a coordinator approved; later runs never propose that mentor again,
the matching page says why, and the coordinator can allow the pair again with a reason."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from mentormatch.models import Role
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth
from tests.support.axe import axe_violations
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.e2e


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def run_matching(page, program_id: int):
    page.goto(f"/coordinator/programs/{program_id}/matching")
    page.get_by_role("button", name="Run matching").click()
    row = page.locator("tbody[id^=proposal-]").filter(has_text="Sofia Johnson")
    expect(row).to_be_visible(timeout=30_000)
    return row


def test_a_declined_mentor_is_not_proposed_again_and_the_coordinator_sees_why(page, live_app):
    with live_app.app_context():
        program = make_program(name="Sacramento Explorer Post 300")
        coordinator = make_user(Role.COORDINATOR, email="jordan@example.org")
        guardian = make_user(Role.GUARDIAN, first_name="Ana", last_name="Johnson", email="ana@example.org")
        application = make_application(make_youth(15, guardian=guardian, first_name="Sofia", last_name="Johnson",
                                                  interests=["robotics", "K9"]), program)
        make_mentor(programs=[program], interests=["robotics", "K9"], gender="female",
                    user=make_user(Role.MENTOR, first_name="Camila", last_name="Thompson"))
        make_mentor(programs=[program], interests=["cooking"],
                    user=make_user(Role.MENTOR, first_name="Ben", last_name="Okafor"))
        program_id, application_id = program.id, application.id
        coordinator_email, guardian_email = coordinator.email, guardian.email

    log_in(page, coordinator_email)
    row = run_matching(page, program_id)
    expect(row.get_by_role("cell", name="Camila Thompson", exact=True)).to_be_visible()
    row.get_by_role("button", name=re.compile(r"^Approve Sofia Johnson")).click()
    expect(row.get_by_text(re.compile(r"^Approved\."))).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, guardian_email)
    page.goto(f"/family/applications/{application_id}")
    expect(page.get_by_text("A coordinator proposes Camila as mentor")).to_be_visible()
    page.locator("summary", has_text="Decline this mentor").click()
    page.get_by_label("Why are you declining this mentor?").fill("We need someone who can meet on weekends.")
    page.get_by_role("button", name="Decline this mentor").click()
    expect(page.get_by_text("You declined the proposed mentor.")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, coordinator_email)
    row = run_matching(page, program_id)
    expect(row.get_by_role("cell", name="Ben Okafor", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="Camila Thompson", exact=True)).to_have_count(0)
    page.goto(f"/coordinator/programs/{program_id}/matching")
    pairs = page.get_by_role("region", name="Pairs no run proposes")
    expect(pairs.get_by_text(f"Declined by the family on {date.today().isoformat()}: "
                             "We need someone who can meet on weekends.")).to_be_visible()
    page.screenshot(path=str(screenshot_folder() / "coordinator-declined-pair.png"), full_page=True)
    assert axe_violations(page) == []

    pairs.get_by_text("Allow again").click()
    pairs.get_by_label("Why this pair may be proposed again").fill("The family asked for Camila after all.")
    pairs.get_by_role("button", name="Allow this pair again").click()
    expect(page.get_by_text("Sofia Johnson and Camila Thompson may be proposed again.")).to_be_visible()
    expect(page.get_by_text("Allowed again on")).to_be_visible()
