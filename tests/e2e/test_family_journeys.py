"""Family journeys in Chromium: a guardian applies for a 15-year-old to the Explorers and consents;
a 16-year-old starts alone and the guardian consents by the e-mailed link; an ineligible applicant is
told why. Each ends on the status page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mentormatch.models import Role
from tests.builders import PASSWORD, born_years_ago, make_program, make_user
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_translations")]

EXPLORERS = dict(name="Sacramento Police Explorers", description="Hands-on law-enforcement career program.",
                 parent_information="Explorers meet Tuesday evenings at the station, always with two adults present.")


def log_in(page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def fill_about(page, born: str, grade: str = "Grade 9", zip_code: str = "95823") -> None:
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Last grade completed").select_option(label=grade)
    page.get_by_label("Home ZIP code").fill(zip_code)
    page.get_by_label("Gender").select_option(label="Female")
    page.get_by_label("English").check()


def save(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def fill_interests_availability_preferences(page) -> None:
    expect(page.get_by_role("heading", name="Step 2 of 5: Interests and goals")).to_be_visible()
    page.get_by_label("robotics").check()
    page.get_by_label("K9 (police dogs)").check()
    page.get_by_label("Goals: what would you like to get from a mentor?").fill("Learn what patrol officers do.")
    save(page)
    expect(page.get_by_role("heading", name="Step 3 of 5: Availability")).to_be_visible()
    page.get_by_label("Tuesday evening").check()
    page.get_by_label("Saturday morning").check()
    save(page)
    expect(page.get_by_role("heading", name="Step 4 of 5: Preferences")).to_be_visible()
    page.get_by_label("The mentor must speak").select_option(label="Spanish")
    save(page)
    expect(page.get_by_role("heading", name="Step 5 of 5: Review and submit")).to_be_visible()


def test_guardian_applies_for_15_year_old_to_explorers(page, seed):
    seed(make_program, **EXPLORERS)
    seed(make_user, Role.GUARDIAN, email="maria@example.org", first_name="Maria", last_name="Lopez")
    log_in(page, "maria@example.org")
    page.get_by_role("link", name="Add a child").first.click()
    page.get_by_label("Child's first name").fill("Ana")
    page.get_by_label("Child's last name").fill("Lopez")
    page.get_by_label("Date of birth").fill(born_years_ago(15).isoformat())
    page.get_by_role("button", name="Add child").click()
    expect(page.get_by_text("Ana is added to your family. Now choose a program to apply to.")).to_be_visible()
    page.get_by_label("Program").select_option(label="Sacramento Police Explorers")
    page.get_by_role("button", name="Start the application").click()

    expect(page.get_by_role("heading", name="Step 1 of 5: About the young person")).to_be_visible()
    steps = page.get_by_role("navigation", name="Application steps")
    expect(steps.locator('[aria-current="step"]')).to_have_text("About the young person")
    page.evaluate("window.__mm_marker = 1")
    fill_about(page, born_years_ago(15).isoformat(), zip_code="958")
    page.get_by_label("School (optional)").fill("Hiram Johnson High")
    save(page)
    # The error appears beside the field, swapped in place; nothing typed is lost.
    expect(page.get_by_text("A ZIP code has 5 digits.")).to_be_visible()
    assert page.evaluate("window.__mm_marker") == 1
    expect(page.get_by_label("School (optional)")).to_have_value("Hiram Johnson High")
    expect(page.get_by_label("English")).to_be_checked()
    page.get_by_label("Home ZIP code").fill("95823")
    save(page)
    fill_interests_availability_preferences(page)

    expect(page.get_by_text("Explorers meet Tuesday evenings at the station")).to_be_visible()
    page.get_by_label("Your relation to the young person").select_option(label="Mother")
    page.get_by_label("Type your full name as your signature").fill("Maria Lopez")
    page.get_by_label("I have read the information above and I consent to this application.").check()
    expect(steps.locator('[aria-current="step"]')).to_have_text("Review and submit")
    page.get_by_role("button", name="Give consent and submit").click()

    expect(page.get_by_role("heading", name="Ana · Sacramento Police Explorers")).to_be_visible()
    # The address is the status page's own, so a reload or a bookmark shows the status, not the form.
    expect(page).to_have_url(re.compile(r"/family/applications/\d+$"))
    expect(page.get_by_text("Under review", exact=True)).to_be_visible()
    expect(page.get_by_text("Consent given by Maria Lopez (Mother)")).to_be_visible()
    page.get_by_role("link", name="Home", exact=True).click()
    expect(page.get_by_role("table").get_by_role("link", name="Sacramento Police Explorers", exact=True)).to_be_visible()


def test_youth_under_18_starts_alone_and_guardian_consents_by_link(page, seed, live_app):
    seed(make_program, **EXPLORERS)
    seed(make_user, Role.YOUTH, email="tou@example.org", first_name="Tou", last_name="Vang")
    with live_app.app_context():
        from mentormatch.extensions import db
        from mentormatch.models import User, Youth
        import sqlalchemy as sa

        user = db.session.scalar(sa.select(User).where(User.email == "tou@example.org"))
        db.session.add(Youth(user=user, first_name="Tou", last_name="Vang", date_of_birth=born_years_ago(16),
                             guardian_email="mai.vang@example.org"))
        db.session.commit()
    with SmtpServer() as smtp:
        smtp.configure(live_app)
        log_in(page, "tou@example.org")
        page.get_by_role("button", name="Start an application").click()
        page.get_by_role("button", name="Start the application").click()
        expect(page.get_by_label("First name")).to_have_value("Tou")
        fill_about(page, born_years_ago(16).isoformat(), grade="Grade 10")
        save(page)
        fill_interests_availability_preferences(page)
        expect(page.get_by_label("Parent or guardian's e-mail")).to_have_value("mai.vang@example.org")
        page.get_by_role("button", name="Submit and ask for consent").click()
        expect(page.get_by_text("Needs guardian consent", exact=True)).to_be_visible()
        messages = smtp.inbox.wait_for(2)
        (request,) = [m for m in messages if m["To"] == "mai.vang@example.org"]
        link = re.search(r"http://\S+/family/consent/\S+", request.get_content()).group(0)

        guardian = page.context.browser.new_context(base_url=page.url.split("/family")[0])
        guardian_page = guardian.new_page()
        guardian_page.goto(link)
        expect(guardian_page.get_by_role("heading", name="Consent for Tou")).to_be_visible()
        expect(guardian_page.get_by_text("Explorers meet Tuesday evenings at the station")).to_be_visible()
        guardian_page.get_by_label("Your relation to the young person").select_option(label="Mother")
        guardian_page.get_by_label("Type your full name as your signature").fill("Mai Vang")
        guardian_page.get_by_label("I have read the information above and I consent to this application.").check()
        guardian_page.get_by_role("button", name="Give consent", exact=True).click()
        expect(guardian_page.get_by_role("heading", name="Thank you: consent recorded")).to_be_visible()
        guardian_page.goto(link)
        expect(guardian_page.get_by_role("heading", name="This link no longer works")).to_be_visible()
        guardian.close()

        page.reload()
        expect(page.get_by_text("Under review", exact=True)).to_be_visible()
        expect(page.get_by_text("Consent given by Mai Vang (Mother)")).to_be_visible()


def test_ineligible_applicant_is_told_why(page, seed):
    seed(make_program, **EXPLORERS)
    seed(make_program, name="Junior Leadership Academy", min_age=11, max_age=13, min_grade_completed=None,
         grade_rule_until_age=None)
    seed(make_user, Role.GUARDIAN, email="maria@example.org", first_name="Maria", last_name="Lopez")
    log_in(page, "maria@example.org")
    page.get_by_role("link", name="Add a child").first.click()
    page.get_by_label("Child's first name").fill("Leo")
    page.get_by_label("Child's last name").fill("Lopez")
    page.get_by_label("Date of birth").fill(born_years_ago(12).isoformat())
    page.get_by_role("button", name="Add child").click()
    page.get_by_label("Program").select_option(label="Sacramento Police Explorers")
    page.get_by_role("button", name="Start the application").click()
    fill_about(page, born_years_ago(12).isoformat(), grade="Grade 6")
    save(page)
    expect(page.get_by_text("Not eligible", exact=True)).to_be_visible()
    expect(page.get_by_text("Sacramento Police Explorers starts at age 14, and the applicant is 12.")).to_be_visible()
    page.get_by_role("link", name="Junior Leadership Academy").click()
    expect(page.get_by_label("Program")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Program").locator("option:checked")).to_have_text("Junior Leadership Academy")
