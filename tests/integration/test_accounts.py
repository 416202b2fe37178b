"""Accounts: registration in each role, log in and out, password reset by e-mail, language."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AccessToken, AuditEvent, Mentor, Role, TokenPurpose, User, utcnow
from tests.builders import PASSWORD, born_years_ago, make_user
from tests.conftest import register_and_confirm

GOOD = "a long walk by the river"


def registration(**overrides) -> dict:
    data = {"first_name": "Maria", "last_name": "Santos", "email": "maria@example.org",
            "phone": "", "password": GOOD, "confirm": GOOD}
    data.update(overrides)
    return data


def test_guardian_registers_and_lands_on_family_home(browser, smtp):
    register_and_confirm(browser, smtp, "guardian", registration())
    home = browser.get("/home").get_data(as_text=True)
    assert "Your children" in home
    user = db.session.scalar(sa.select(User).where(User.email == "maria@example.org"))
    assert user.role is Role.GUARDIAN and user.check_password(GOOD)
    assert user.password_hash.startswith("scrypt:")


def test_adult_youth_registers_for_themselves(browser, smtp):
    data = registration(email="devon@example.org", date_of_birth=born_years_ago(19).isoformat(),
                        guardian_email="")
    register_and_confirm(browser, smtp, "youth", data)
    user = db.session.scalar(sa.select(User).where(User.email == "devon@example.org"))
    assert user.role is Role.YOUTH and user.own_youth.age() == 19
    assert "Your applications" in browser.get("/home").get_data(as_text=True)


def test_minor_youth_records_guardian_email(browser, smtp):
    data = registration(email="tou@example.org", date_of_birth=born_years_ago(16).isoformat(),
                        guardian_email="Mai.Vang@Example.org")
    register_and_confirm(browser, smtp, "youth", data)
    user = db.session.scalar(sa.select(User).where(User.email == "tou@example.org"))
    assert user.own_youth.guardian_email == "mai.vang@example.org"
    assert "mai.vang@example.org" in browser.get("/home").get_data(as_text=True)


def test_mentor_registers_and_awaits_clearance(browser, smtp):
    data = registration(email="dana@sacpd.example.org", agency="Sacramento PD", unit="", badge_number="",
                        years_of_service="0")
    register_and_confirm(browser, smtp, "mentor", data)
    mentor = db.session.scalar(sa.select(Mentor).join(Mentor.user).where(User.email == "dana@sacpd.example.org"))
    assert mentor.years_of_service == 0 and not mentor.is_cleared()
    home = browser.get("/home").get_data(as_text=True)
    assert "Background check (Live Scan): not recorded or not verified yet" in home


@pytest.mark.parametrize("kind, overrides, message", [
    ("guardian", {"password": "short", "confirm": "short"}, "Use at least 10 characters."),
    ("guardian", {"password": "password123", "confirm": "password123"}, "too common"),
    ("guardian", {"password": "qqqqqqqqqqqq", "confirm": "qqqqqqqqqqqq"}, "too common"),
    ("guardian", {"password": "santos-family-1", "confirm": "santos-family-1"}, "from your name"),
    ("guardian", {"confirm": "something else entirely"}, "The two passwords differ."),
    ("guardian", {"email": "not-an-address"}, "Invalid email address."),
    ("guardian", {"first_name": ""}, "This field is required."),
    ("youth", {"date_of_birth": born_years_ago(22).isoformat()}, "end at the 21st birthday"),
    ("youth", {"date_of_birth": born_years_ago(15).isoformat(), "guardian_email": ""}, "Under 18"),
    ("youth", {"date_of_birth": born_years_ago(15).isoformat(), "guardian_email": "maria@example.org"},
     "must differ from your own"),
    ("mentor", {"agency": ""}, "This field is required."),
    ("mentor", {"years_of_service": "-3"}, "Number must be between 0 and 60."),
])
def test_bad_registration_says_why_and_keeps_what_was_typed(browser, kind, overrides, message):
    data = registration(**overrides)
    if kind == "youth":
        data.setdefault("date_of_birth", born_years_ago(19).isoformat())
        data.setdefault("guardian_email", "")
    if kind == "mentor":
        data.setdefault("agency", "Sacramento PD")
        data.setdefault("years_of_service", "4")
    response = browser.post(f"/account/register/{kind}", data, form_page=f"/account/register/{kind}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'aria-invalid="true"' in page
    if data["last_name"]:
        assert f'value="{data["last_name"]}"' in page
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registering_an_existing_email_tells_only_the_mailbox(browser, smtp):
    make_user(email="maria@example.org")
    response = browser.post("/account/register/guardian", registration(), form_page="/account/register/guardian")
    assert response.status_code == 302 and response.headers["Location"] == "/account/register/sent"
    assert "already" not in browser.get("/account/register/sent").get_data(as_text=True)
    [message] = smtp.inbox.to("maria@example.org")
    assert "already has an account" in message.get_content()


def test_registration_without_csrf_token_is_refused(client):
    response = client.post("/account/register/guardian", data=registration())
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_with_wrong_password_says_so_without_naming_which(browser):
    make_user(email="pat@example.org")
    for email, password in (("pat@example.org", "wrong password!"), ("nobody@example.org", PASSWORD)):
        page = browser.login(email, password).get_data(as_text=True)
        assert "That e-mail and password do not match an account." in page


def test_login_follows_only_local_next(browser):
    user = make_user(email="pat@example.org")
    browser.get("/account/login")
    response = browser.client.post("/account/login?next=https://evil.example/steal",
                                   data={"csrf_token": browser.token, "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_anonymous_is_sent_to_log_in_and_back(browser):
    user = make_user(Role.ADMIN, email="boss@example.org")
    response = browser.get("/admin/programs")
    assert response.status_code == 302 and "/account/login?next=%2Fadmin%2Fprograms" in response.headers["Location"]
    browser.get(response.headers["Location"])
    response = browser.client.post("/account/login?next=%2Fadmin%2Fprograms",
                                   data={"csrf_token": browser.token, "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/programs"


def test_suspended_account_cannot_log_in(browser):
    make_user(email="gone@example.org", is_active_account=False)
    assert "do not match" in browser.login("gone@example.org", PASSWORD).get_data(as_text=True)


def test_logout_ends_the_session(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    assert browser.get("/home").status_code == 200
    assert browser.logout().status_code == 302
    assert browser.get("/home").status_code == 302


def test_logout_by_get_is_not_allowed(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    assert browser.get("/account/logout").status_code == 405
    assert browser.get("/home").status_code == 200


def test_login_and_registration_are_audited(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "account.login" in actions


def _reset_link(smtp, address: str) -> str:
    smtp.inbox.wait_for(1)
    [message] = smtp.inbox.to(address)
    match = re.search(r"https?://\S+/account/reset/(\S+)", message.get_content())
    assert match, message.get_content()
    return "/account/reset/" + match.group(1)


def test_password_reset_by_email_link_works_once(browser, smtp):
    user = make_user(email="pat@example.org")
    browser.post("/account/forgot", {"email": "pat@example.org"}, form_page="/account/forgot")
    link = _reset_link(smtp, "pat@example.org")
    assert smtp.inbox.to("pat@example.org")[0]["Subject"] == "Reset your MentorMatch password"
    response = browser.post(link, {"password": "a brand new secret", "confirm": "a brand new secret"}, form_page=link)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("a brand new secret")
    again = browser.get(link)
    assert again.status_code == 302 and "/account/forgot" in again.headers["Location"]


def test_password_reset_logs_out_other_sessions(app, browser, smtp):
    user = make_user(email="pat@example.org")
    browser.login(user.email, PASSWORD)
    other = app.test_client()
    from tests.conftest import Browser
    elsewhere = Browser(other)
    elsewhere.post("/account/forgot", {"email": user.email}, form_page="/account/forgot")
    link = _reset_link(smtp, user.email)
    elsewhere.post(link, {"password": "a brand new secret", "confirm": "a brand new secret"}, form_page=link)
    assert browser.get("/home").status_code == 302


def test_password_reset_for_unknown_address_sends_nothing_and_says_the_same(browser, smtp):
    response = browser.post("/account/forgot", {"email": "nobody@example.org"}, form_page="/account/forgot")
    follow = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "If that address has an account" in follow
    assert smtp.inbox.wait_for(1, seconds=0.5) == []


def test_expired_reset_link_is_refused(browser):
    user = make_user(email="pat@example.org")
    token, raw = AccessToken.issue(TokenPurpose.PASSWORD_RESET, user.email, timedelta(hours=2), user=user)
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = browser.get(f"/account/reset/{raw}")
    assert response.status_code == 302 and "/account/forgot" in response.headers["Location"]


def test_weak_new_password_is_refused_on_reset(browser):
    user = make_user(email="pat@example.org")
    _token, raw = AccessToken.issue(TokenPurpose.PASSWORD_RESET, user.email, timedelta(hours=2), user=user)
    db.session.commit()
    link = f"/account/reset/{raw}"
    page = browser.post(link, {"password": "password1", "confirm": "password1"}, form_page=link)
    assert "Use at least 10 characters." in page.get_data(as_text=True)


def test_language_choice_persists_on_the_account(browser):
    user = make_user(locale="en")
    browser.login(user.email, PASSWORD)
    browser.post("/account/language", {"lang": "es", "next": "/home"}, form_page="/home")
    db.session.refresh(user)
    assert user.locale == "es"


def test_registration_e_mails_are_in_the_chosen_language(browser, smtp):
    browser.post("/account/language", {"lang": "es", "next": "/"}, form_page="/")
    register_and_confirm(browser, smtp, "guardian", registration())
    confirmation, welcome = smtp.inbox.to("maria@example.org")
    assert confirmation["Subject"] == "Confirme su dirección de correo electrónico para MentorMatch"
    assert "Hola, Maria" in confirmation.get_content()
    assert welcome["Subject"] == "Bienvenido/a a MentorMatch"
    assert "Hola, Maria" in welcome.get_content() and "Su cuenta está lista" in welcome.get_content()
