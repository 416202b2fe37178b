"""Youth-protection contact rules and the match page, in Chromium.

A Spanish-speaking guardian on a 390 px phone sees no way to reach the proposed mentor until
accepting, then only the mentor's work contact; the mentor sees the family's contact only after
that, and logs only ways of meeting the rules allow. A coordinator takes a match from approval
through its first meeting, and axe checks the match page in each state it passes through.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from mentormatch.extensions import db
from mentormatch.models import ApplicationStatus, Role
from tests.builders import PASSWORD, make_application, make_match, make_program, make_user, make_youth
from tests.integration.test_family_status import approved_proposal
from tests.support.axe import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_translations")]

PHONE = {"width": 390, "height": 844}
WORK_EMAIL = "d.reyes@police.example.gov"
WORK_PHONE = "916-808-5300"
OWN_PHONE = "916-555-0100"
FAMILY_PHONE = "916-555-0142"


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url("**/home")


def fits_the_phone(page) -> bool:
    """Measured once the page and its style sheets have loaded, as the person sees it."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def proposed_to_a_spanish_family() -> dict:
    guardian = make_user(Role.GUARDIAN, email="maria@example.org", first_name="María", last_name="López",
                         phone=FAMILY_PHONE, locale="es")
    youth = make_youth(age=15, guardian=guardian, first_name="Ana")
    application = make_application(youth, make_program(name="Explorer Post 300"))
    _proposal, match = approved_proposal(application)
    match.mentor.work_email, match.mentor.work_phone = WORK_EMAIL, WORK_PHONE
    db.session.commit()
    return {"application": application.id, "mentor": match.mentor.user.email}


def test_the_family_accepts_on_a_phone_in_spanish_and_only_then_contact_is_shared(playwright_browser, live_app):
    with live_app.app_context():
        scene = proposed_to_a_spanish_family()
    family = playwright_browser.new_context(base_url=live_app.config["LIVE_URL"], viewport=PHONE)
    page = family.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, "maria@example.org")
        page.goto(f"/family/applications/{scene['application']}")
        expect(page.get_by_role("heading", name="¿Acepta a Dana como mentor?")).to_be_visible()
        body = page.locator("main")
        for detail in (WORK_EMAIL, WORK_PHONE, OWN_PHONE, scene["mentor"]):
            expect(body).not_to_contain_text(detail)
        assert fits_the_phone(page)
        assert axe_violations(page) == []

        page.get_by_role("button", name="Aceptar a este mentor").click()
        expect(page.get_by_text("Aceptó a Dana como mentor.")).to_be_visible()
        expect(page.get_by_role("link", name=WORK_EMAIL)).to_be_visible()
        expect(page.get_by_role("link", name=WORK_PHONE)).to_be_visible()
        expect(body).not_to_contain_text(OWN_PHONE)
        expect(body).not_to_contain_text(scene["mentor"])
        expect(page.get_by_role("button", name="Aceptar a este mentor")).to_have_count(0)
        assert fits_the_phone(page)
        assert axe_violations(page) == []
    finally:
        family.close()

    mentor = playwright_browser.new_context(base_url=live_app.config["LIVE_URL"], viewport=PHONE)
    page = mentor.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, scene["mentor"])
        expect(page.get_by_text("Family contact: María López")).to_be_visible()
        expect(page.get_by_role("link", name=FAMILY_PHONE)).to_be_visible()
        page.get_by_role("button", name="Log a meeting").click()
        page.wait_for_url("**/meetings/new")
        options = page.get_by_label("How you met").locator("option").all_inner_texts()
        assert [o for o in options if o.strip()] == [
            "In person", "Phone call with the guardian included", "Video call with the guardian included",
            "Group activity (program event or outing)"]
        assert fits_the_phone(page)
        assert axe_violations(page) == []
    finally:
        mentor.close()


def test_before_the_family_accepts_the_mentor_sees_no_family_contact(playwright_browser, live_app):
    with live_app.app_context():
        scene = proposed_to_a_spanish_family()
    context = playwright_browser.new_context(base_url=live_app.config["LIVE_URL"], viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, scene["mentor"])
        expect(page.get_by_text("Waiting for the family to accept the match")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(FAMILY_PHONE)
        expect(page.locator("main")).not_to_contain_text("maria@example.org")
        assert axe_violations(page) == []
    finally:
        context.close()


def test_the_match_page_passes_axe_before_during_and_after_the_first_meeting(page, seed, live_app):
    seed(make_user, Role.COORDINATOR, email="lead@example.org", first_name="Jordan", last_name="Whitfield")
    with live_app.app_context():
        guardian = make_user(Role.GUARDIAN, first_name="Rosa", last_name="Reyes")
        application = make_application(make_youth(age=15, guardian=guardian, first_name="Camila", last_name="Reyes"),
                                       make_program(name="Youth Leadership Academy"), status=ApplicationStatus.PROPOSED)
        match_id = make_match(application, accepted_on=date.today()).id
    log_in(page, "lead@example.org")
    page.goto(f"/matches/{match_id}")
    expect(page.get_by_text("Approved — first meeting to hold")).to_be_visible()
    assert axe_violations(page) == [], "before the first meeting is scheduled"

    soon = date.today() + timedelta(days=5)
    page.get_by_label("Date", exact=True).fill(soon.isoformat())
    page.get_by_label("Time").fill("17:30")
    page.get_by_label("Place").fill("South Station community room")
    expect(page.get_by_label("Guardian attending")).to_have_value("Rosa Reyes")
    page.get_by_role("button", name="Save the first meeting").click()
    expect(page.get_by_text("South Station community room")).to_be_visible()
    # The day it was held is asked for, filled with today and not the planned day still to come.
    expect(page.get_by_label("Date held")).to_have_value(date.today().isoformat())
    assert axe_violations(page) == [], "with the first meeting scheduled"

    page.get_by_role("button", name="Record that it was held").click()
    expect(page.get_by_text("First meeting held — commitment to sign")).to_be_visible()
    expect(page.get_by_text("first meeting to hold")).to_have_count(0)
    expect(page.get_by_text("This date is in the future")).to_have_count(0)
    assert axe_violations(page) == [], "after the first meeting"

    page.get_by_label("Mentor's typed name").fill("Dana Nguyen")
    page.get_by_label("Youth's typed name").fill("Camila Reyes")
    page.get_by_label("Guardian's typed name").fill("Rosa Reyes")
    page.get_by_label("Staff member's typed name").fill("Jordan Whitfield")
    page.get_by_label("Date signed").fill(date.today().isoformat())
    page.get_by_role("button", name="Record the signed commitment").click()
    expect(page.get_by_text("Signed", exact=True)).to_be_visible()
    assert axe_violations(page) == [], "with the commitment signed"
