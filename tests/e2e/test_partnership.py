"""The partnership in a real Chromium: a liaison refers a family who applies from the e-mailed
link; a family answers an event on a phone; a story goes from draft to published to withdrawn;
axe finds nothing on any new page in English or Spanish; and the screenshots of the demo data."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from mentormatch.extensions import db
from mentormatch.models import Role, Story, StoryStatus, User
from tests.builders import PASSWORD, make_application, make_match, make_mentor, make_program, make_user, make_youth
from tests.conftest import mailed_link
from tests.support.axe import axe_violations
from tests.support.partnership import make_gathering, make_liaison, make_partner, make_referral
from tests.support.screenshots import screenshot_folder

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_translations")]

SCREENSHOTS = screenshot_folder()
PHONE = {"width": 390, "height": 844}


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#submit").click()
    page.wait_for_url("**/home")


def log_out(page) -> None:
    page.context.clear_cookies()


def test_a_liaison_refers_a_family_who_applies_from_the_emailed_link(page, live_app, mailbox):
    with live_app.app_context():
        program_id = make_program(name="Sacramento Police Explorers").id
        liaison = make_liaison(make_partner(name="Hiram Johnson High")).email
    log_in(page, liaison)
    page.goto("/partners/referrals/new")
    page.get_by_label("Family's e-mail").fill("maria.lopez@example.org")
    page.get_by_label("Family's language").select_option("es")
    page.get_by_label("Child's first name").fill("Ana")
    page.get_by_label("Age", exact=True).select_option("14-15")
    page.locator(f"input[name=programs][value='{program_id}']").check()
    page.get_by_label("Why you suggest it (short)").fill("Ana loves our robotics club.")
    page.get_by_label("The family agreed that MentorMatch contacts them").check()
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url("**/partners/referrals")
    assert "Invited" in page.locator("#referrals").inner_text()
    log_out(page)

    page.goto(mailed_link(mailbox, "maria.lopez@example.org", "/partners/invitations/"))
    assert "Una invitación para Ana" in page.content()  # the family's language, from the referral
    page.locator("#first_name").fill("María")
    page.locator("#last_name").fill("López")
    page.locator("#password").fill("quiet-river-lantern-42")
    page.locator("#confirm").fill("quiet-river-lantern-42")
    page.locator("#submit").click()
    page.locator("#last_name").fill("López")
    page.locator("#date_of_birth").fill("2011-05-04")
    page.locator("#submit").click()
    page.wait_for_url("**/step/1")
    assert page.locator("#first_name").input_value() == "Ana"
    log_out(page)

    log_in(page, liaison)
    page.goto("/partners/referrals")
    row = page.locator("#referrals tbody tr").first
    assert "Applied" in row.inner_text() and "López" not in page.content()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "partnership-liaison-referrals.png"), full_page=True)


def test_a_family_answers_an_event_on_a_phone(page, live_app):
    with live_app.app_context():
        gathering = make_gathering(title="Community day and open house", capacity=40,
                                   description="Meet officers and mentors; families welcome.",
                                   partner=make_partner(name="Boys & Girls Club")).id
        make_gathering(title="Coffee with a Cop at Oak Park")
        guardian = make_user(Role.GUARDIAN, email="rosa@example.org", locale="es").email
    page.set_viewport_size(PHONE)
    log_in(page, guardian)
    page.goto("/events/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(SCREENSHOTS / "partnership-events-phone-es.png"), full_page=True)
    page.get_by_role("link", name="Community day and open house").click()
    page.locator("#guests").fill("2")
    page.locator("#rsvp-submit").click()
    page.wait_for_selector("#rsvp .badge-ok")  # swapped in place by htmx
    assert "Usted y 2 invitados." in page.locator("#rsvp").inner_text()
    assert "Quedan 37 lugares." in page.locator("#rsvp").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "partnership-event-rsvp-phone-es.png"), full_page=True)
    page.locator("#rsvp-cancel").click()
    expect(page.locator("#rsvp")).to_contain_text("Quedan 40 lugares.")
    assert gathering


def test_a_story_goes_from_draft_to_published_to_withdrawn(page, live_app, playwright_browser, base_url):
    with live_app.app_context():
        program = make_program(name="Youth Leadership Academy")
        guardian = make_user(Role.GUARDIAN, email="guardian@example.org", last_name="Lopez")
        own = make_user(Role.YOUTH, email="ana@example.org", first_name="Ana", last_name="Lopez")
        mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, email="dana@example.org",
                                                                  first_name="Dana", last_name="Reyes"))
        match_id = make_match(make_application(make_youth(age=15, guardian=guardian, user=own, first_name="Ana",
                                                          last_name="Lopez"), program), mentor).id
        make_user(Role.COORDINATOR, email="lead@example.org")
    log_in(page, "dana@example.org")
    page.goto(f"/stories/new/{match_id}")
    page.get_by_label("Title", exact=True).fill("Ana found her voice")
    page.get_by_label("The story", exact=True).fill("Ana Lopez started the year shy.")
    page.get_by_role("button", name="Save the draft").click()
    assert "Remove: Lopez." in page.locator(".field-error").inner_text()
    page.get_by_label("The story", exact=True).fill("Ana started the year shy. By spring she led her team's presentation.")
    page.get_by_role("button", name="Save the draft").click()
    page.locator("#story-ask").click()
    page.wait_for_selector(".flash-success")
    story_url = page.url
    for family in ("guardian@example.org", "ana@example.org"):
        log_out(page)
        log_in(page, family)
        page.goto(story_url)
        page.locator("#story-approve").click()
        page.wait_for_selector(".flash-success")
    log_out(page)
    log_in(page, "lead@example.org")
    page.goto(story_url)
    page.locator("#story-publish").click()
    page.wait_for_selector(".flash-success")
    visitor = playwright_browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto("/stories/")
    assert "Ana found her voice" in visitor.content() and "Lopez" not in visitor.content()
    log_out(page)
    log_in(page, "guardian@example.org")
    page.goto(story_url)
    page.locator("#story-withdraw").click()
    page.wait_for_selector(".flash-success")
    visitor.goto("/stories/")
    assert "Ana found her voice" not in visitor.content()
    visitor.context.close()
    with live_app.app_context():
        assert db.session.scalar(sa.select(Story.status)) is StoryStatus.WITHDRAWN


def _scene(live_app) -> dict:
    """One of everything the new pages show, with the people who see them."""
    from datetime import date, timedelta

    from mentormatch.models import Rsvp, RsvpStatus
    from tests.support.partnership import at

    with live_app.app_context():
        program = make_program(name="Sacramento Police Explorers")
        partner = make_partner(name="Hiram Johnson High")
        liaison = make_liaison(partner, email="liaison@example.org")
        make_user(Role.ADMIN, email="admin@example.org")
        make_user(Role.COORDINATOR, email="lead@example.org")
        guardian = make_user(Role.GUARDIAN, email="maria@example.org", last_name="Lopez")
        mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, email="dana@example.org"))
        application = make_application(make_youth(age=12, guardian=guardian, first_name="Ana"), program)
        match = make_match(application, mentor)
        _open, token = make_referral(liaison, [program], child="Leo")
        referral, _used = make_referral(liaison, [program], email=guardian.email, child="Ana")
        application.referral_id = referral.id
        past = make_gathering(starts=at(date.today() - timedelta(days=2)), partner=partner, program=program)
        upcoming = make_gathering(capacity=20, partner=partner)
        Rsvp.record(past, mentor.user, RsvpStatus.GOING, 0).attended_at = past.starts_at
        Rsvp.record(upcoming, guardian, RsvpStatus.GOING, 1)
        story = Story(match=match, author=mentor.user, title="Ana's first season", body="Ana and her mentor met weekly.",
                      status=StoryStatus.PUBLISHED, published_at=past.starts_at)
        pending = Story(match=match, author=mentor.user, title="A second story", body="Still a draft.",
                        status=StoryStatus.AWAITING_APPROVAL)
        db.session.add_all([story, pending])
        db.session.commit()
        return {"token": token, "partner": partner.id, "past": past.id, "upcoming": upcoming.id, "story": story.id,
                "pending": pending.id, "match": match.id, "application": application.id}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_new_page_has_no_axe_violations(page, live_app, lang):
    s = _scene(live_app)
    with live_app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.locale = lang
        db.session.commit()
    if lang == "es":
        page.context.set_extra_http_headers({"Accept-Language": "es"})
    pages = {
        None: ["/", f"/partners/invitations/{s['token']}", "/partners/invitations/used", "/events/",
               f"/events/{s['upcoming']}", "/stories/", f"/stories/{s['story']}"],
        "maria@example.org": [f"/partners/invitations/{s['token']}", f"/family/applications/{s['application']}",
                              "/events/", f"/events/{s['upcoming']}", "/events/calendar", "/stories/mine",
                              f"/stories/{s['pending']}"],
        "liaison@example.org": ["/partners/referrals", "/partners/referrals/new", "/partners/referrals/upload",
                                "/events/manage", "/events/new", f"/events/{s['upcoming']}/attendance"],
        "lead@example.org": ["/home", "/partners/referrals", "/partners/report", "/events/manage",
                             f"/events/{s['past']}/edit", "/events/hours/report", f"/stories/{s['pending']}"],
        "admin@example.org": ["/partners/organizations", f"/partners/organizations/{s['partner']}"],
        "dana@example.org": ["/events/hours", "/stories/mine", f"/stories/new/{s['match']}"],
    }
    problems = {}
    for who, urls in pages.items():
        page.context.clear_cookies()
        if who:
            log_in(page, who)
        for url in urls:
            page.goto(url)
            problems[f"{who} {url}"] = axe_violations(page)
    # Pages reached by a form: the upload preview, the calendar address, a refused referral.
    page.context.clear_cookies()
    log_in(page, "liaison@example.org")
    page.goto("/partners/referrals/upload")
    page.locator("#file").set_input_files({"name": "list.csv", "mimeType": "text/csv", "buffer":
                                           b"family_email,child_first_name,age_band,programs,family_agreed\n"
                                           b"bad,Ana,14-15,nowhere,no\n"})
    page.locator("#submit").click()
    page.wait_for_selector("#preview")
    problems["upload preview"] = axe_violations(page)
    page.goto("/partners/referrals/new")
    page.locator("#submit").click()
    page.wait_for_selector(".field-error")
    problems["referral with errors"] = axe_violations(page)
    page.context.clear_cookies()
    log_in(page, "maria@example.org")
    page.goto("/events/calendar")
    page.locator("#calendar-reset").click()
    page.wait_for_selector("#calendar-address")
    problems["calendar address"] = axe_violations(page)
    assert {url: found for url, found in problems.items() if found} == {}


@pytest.mark.demo_data
def test_screenshots_of_the_demo_data(page, live_app):
    from mentormatch import demo

    log_in(page, "coordinator@demo.example.org", demo.DEMO_PASSWORD)
    page.goto("/partners/report")
    assert page.locator("#source-report tbody tr").count() == 5
    page.screenshot(path=str(SCREENSHOTS / "partnership-report-by-source-demo.png"), full_page=True)
    page.context.clear_cookies()
    log_in(page, "liaison@demo.example.org", demo.DEMO_PASSWORD)
    page.goto("/partners/referrals")
    page.screenshot(path=str(SCREENSHOTS / "partnership-liaison-referrals-demo.png"), full_page=True)
    page.context.clear_cookies()
    page.goto("/stories/")
    page.screenshot(path=str(SCREENSHOTS / "partnership-stories.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.goto("/events/")
    page.screenshot(path=str(SCREENSHOTS / "partnership-events-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
