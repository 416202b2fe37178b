"""Administration: programs and their rules, staff accounts."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AuditEvent, Program, Role, User
from tests.builders import PASSWORD, make_program, make_user


@pytest.fixture
def admin(browser):
    user = make_user(Role.ADMIN)
    browser.login(user.email, PASSWORD)
    return user


def program_form(**overrides) -> dict:
    data = {"name": "Youth Leadership Academy", "slug": "leadership", "kind": "leadership",
            "description": "One-to-one mentoring for a school year.", "parent_information": "",
            "min_age": "12", "max_age": "18", "min_grade_completed": "", "grade_rule_until_age": "",
            "match_format": "one_to_one", "default_capacity": "2", "checkins_first_month": "2",
            "checkin_interval_days": "30", "retention_years": "7", "is_active": "y"}
    data.update(overrides)
    return data


def test_admin_creates_a_program_with_its_rules(admin, browser):
    response = browser.post("/admin/programs/new", program_form(), form_page="/admin/programs/new")
    assert response.status_code == 302
    program = db.session.scalar(sa.select(Program).where(Program.slug == "leadership"))
    assert (program.min_age, program.max_age, program.default_capacity) == (12, 18, 2)
    assert "Ages 12–18" in browser.get("/admin/programs").get_data(as_text=True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "program.create"))
    assert event.actor_id == admin.id and event.details["after"]["max_age"] == 18


@pytest.mark.parametrize("overrides, message", [
    ({"max_age": "10"}, "The oldest age cannot be below the youngest."),
    ({"slug": "Has Spaces"}, "Use lower-case letters, digits and dashes."),
    ({"grade_rule_until_age": "15"}, "Set the grade first"),
    ({"default_capacity": "-1"}, "Number must be between 0 and 50."),
    ({"min_age": ""}, "This field is required."),
])
def test_bad_program_rules_are_explained_and_nothing_is_lost(admin, browser, overrides, message):
    response = browser.post("/admin/programs/new", program_form(**overrides), form_page="/admin/programs/new")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'value="Youth Leadership Academy"' in page
    assert db.session.scalar(sa.select(sa.func.count(Program.id))) == 0


def test_admin_edits_a_program_and_the_change_is_audited(admin, browser):
    program = make_program(name="Explorer Post 300", slug="explorers", max_age=20)
    url = f"/admin/programs/{program.id}"
    page = browser.get(url).get_data(as_text=True)
    assert 'value="Explorer Post 300"' in page
    browser.post(url, program_form(name="Explorer Post 300", slug="explorers", kind="exploring", max_age="19"))
    db.session.refresh(program)
    assert program.max_age == 19
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "program.update"))
    assert event.details["before"]["max_age"] == 20 and event.details["after"]["max_age"] == 19


def test_two_programs_cannot_share_a_name(admin, browser):
    make_program(name="Youth Leadership Academy", slug="other")
    page = browser.post("/admin/programs/new", program_form(), form_page="/admin/programs/new")
    assert "already has this name" in page.get_data(as_text=True)


def test_unknown_program_is_404(admin, browser):
    assert browser.get("/admin/programs/999").status_code == 404


def test_admin_creates_a_coordinator_who_can_log_in(admin, browser, app):
    data = {"first_name": "Jordan", "last_name": "Whitfield", "email": "Jordan@SacPD.example.org",
            "role": "coordinator", "password": "a long walk by the river"}
    assert browser.post("/admin/staff", data, form_page="/admin/staff").status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "jordan@sacpd.example.org"))
    assert user.role is Role.COORDINATOR
    from tests.conftest import Browser
    other = Browser(app.test_client())
    assert other.login("jordan@sacpd.example.org", "a long walk by the river").status_code == 302
    assert "Coordinator dashboard" in other.get("/home").get_data(as_text=True)


def test_staff_account_needs_a_strong_password(admin, browser):
    data = {"first_name": "Jordan", "last_name": "Whitfield", "email": "jordan@sacpd.example.org",
            "role": "admin", "password": "password"}
    page = browser.post("/admin/staff", data, form_page="/admin/staff").get_data(as_text=True)
    assert "Use at least 10 characters." in page and 'value="Jordan"' in page


def test_suspending_staff_logs_them_out_and_blocks_login(admin, browser, app):
    coordinator = make_user(Role.COORDINATOR)
    from tests.conftest import Browser
    theirs = Browser(app.test_client())
    theirs.login(coordinator.email, PASSWORD)
    browser.post(f"/admin/staff/{coordinator.id}/active", form_page="/admin/staff")
    db.session.refresh(coordinator)
    assert not coordinator.is_active_account
    assert theirs.get("/home").status_code == 302
    assert "do not match" in theirs.login(coordinator.email, PASSWORD).get_data(as_text=True)


def test_admin_cannot_suspend_themselves(admin, browser):
    browser.post(f"/admin/staff/{admin.id}/active", form_page="/admin/staff")
    db.session.refresh(admin)
    assert admin.is_active_account


def test_toggle_refuses_non_staff_accounts(admin, browser):
    parent = make_user(Role.GUARDIAN)
    assert browser.post(f"/admin/staff/{parent.id}/active", form_page="/admin/staff").status_code == 404
