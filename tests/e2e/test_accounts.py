"""Journeys: register in each role, confirm the address, land on the right home page, log out, log back in;
a child under 13 is sent to a parent."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from mentormatch.extensions import db
from mentormatch.models import Role, User, Youth
from tests.builders import PASSWORD, born_years_ago, make_program, make_user
from tests.conftest import mailed_link

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a long walk by the river"


def fill_common(page, first: str, last: str, email: str) -> None:
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat password").fill(NEW_PASSWORD)


def confirm_address(page, mailbox, email: str) -> None:
    """Open the e-mailed confirmation link and log in, as a new user does from their inbox."""
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.get_by_text(f"We sent a message to {email}.")).to_be_visible()
    page.goto(mailed_link(mailbox, email, "/account/confirm/"))
    expect(page.get_by_text("Log in to confirm your e-mail address.")).to_be_visible()
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()


def test_guardian_registers_confirms_sees_family_home_and_logs_out(page, seed, mailbox):
    seed(make_program, name="Sacramento Explorer Post 300")
    page.goto("/")
    page.get_by_role("link", name="Create account").click()
    page.get_by_role("button", name="I am a parent or guardian").click()
    fill_common(page, "Maria", "Santos", "maria@example.org")
    page.get_by_role("button", name="Create account").click()
    confirm_address(page, mailbox, "maria@example.org")
    expect(page.get_by_role("heading", name="Welcome, Maria")).to_be_visible()
    expect(page.get_by_role("heading", name="Your children")).to_be_visible()
    expect(page.get_by_role("link", name="Apply to Sacramento Explorer Post 300")).to_be_visible()
    log_out(page)
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("E-mail").fill("maria@example.org")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your children")).to_be_visible()


def test_young_person_under_18_must_name_a_guardian(page, mailbox):
    page.goto("/account/register/youth")
    page.get_by_label("Date of birth").fill(born_years_ago(16).isoformat())
    page.get_by_role("button", name="Continue").click()
    fill_common(page, "Tou", "Vang", "tou@example.org")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("give a parent or guardian's e-mail")).to_be_visible()
    # What was typed is still there.
    expect(page.get_by_label("First name")).to_have_value("Tou")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat password").fill(NEW_PASSWORD)
    page.get_by_label("Parent or guardian's e-mail").fill("mai.vang@example.org")
    page.get_by_role("button", name="Create account").click()
    confirm_address(page, mailbox, "tou@example.org")
    expect(page.get_by_role("heading", name="Your applications")).to_be_visible()
    expect(page.get_by_text("mai.vang@example.org")).to_be_visible()
    log_out(page)


def test_mentor_registers_and_sees_what_keeps_them_out_of_matching(page, mailbox):
    page.goto("/account/register/mentor")
    fill_common(page, "Dana", "Nguyen", "dana@example.org")
    page.get_by_label("Agency or organization").fill("Sacramento Police Department")
    page.get_by_label("Years of service").fill("7")
    page.get_by_role("button", name="Create account").click()
    confirm_address(page, mailbox, "dana@example.org")
    expect(page.get_by_role("heading", name="Welcome, Dana")).to_be_visible()
    expect(page.get_by_text("Background check (Live Scan): not recorded or not verified yet")).to_be_visible()
    log_out(page)


@pytest.mark.parametrize("role, heading", [(Role.COORDINATOR, "Coordinator dashboard"),
                                           (Role.ADMIN, "Administration")])
def test_staff_log_in_to_their_dashboard(page, seed, role, heading):
    seed(make_user, role, email=f"{role.value}@sacpd.example.org")
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(f"{role.value}@sacpd.example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("applications to review")).to_be_visible()
    log_out(page)
    expect(page).to_have_url(re.compile(r"/$"))


def test_wrong_role_gets_a_friendly_403(page, seed):
    seed(make_user, Role.GUARDIAN, email="parent@example.org")
    page.goto("/account/login")
    page.get_by_label("E-mail").fill("parent@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    response = page.goto("/admin/programs")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()


def test_a_child_under_13_is_sent_to_a_parent_who_gets_an_invitation(page, mailbox, live_app):
    page.goto("/account/register")
    page.get_by_role("button", name="I am applying for myself").click()
    expect(page.get_by_label("First name")).to_have_count(0)
    page.get_by_label("Date of birth").fill(born_years_ago(12).isoformat())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Ask a parent or guardian")).to_be_visible()
    expect(page.get_by_text("We did not keep anything you typed.")).to_be_visible()
    page.get_by_label("Your parent or guardian's e-mail").fill("mai.vang@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("We sent the invitation.")).to_be_visible()
    page.goto(mailed_link(mailbox, "mai.vang@example.org", "/account/register/guardian"))
    expect(page.get_by_role("heading", name="Parent or guardian account")).to_be_visible()
    with live_app.app_context():
        for model in (User, Youth):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
