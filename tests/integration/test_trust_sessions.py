"""Sessions end on the server: log out, password change, suspension and "log out everywhere" end
them for every copy of the cookie, remember-me included."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import Role, utcnow
from mentormatch.sessions import LoginSession, revoke_sessions
from tests.builders import PASSWORD, make_user
from tests.conftest import Browser


def remembered_login(browser: Browser, email: str, password: str = PASSWORD):
    response = browser.post("/account/login", {"email": email, "password": password, "remember": "y"},
                            form_page="/account/login")
    assert response.status_code == 302
    browser.get("/home")
    return response


def test_log_out_after_keep_me_logged_in_logs_out(browser):
    user = make_user()
    response = remembered_login(browser, user.email)
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    logged_out = browser.logout()
    assert logged_out.status_code == 302
    assert any(c.startswith("remember_token=;") for c in logged_out.headers.getlist("Set-Cookie"))
    assert browser.get("/home").status_code == 302


DOMAIN = "mentormatch.test"


def copy_of_cookies(app, browser: Browser, names=("session", "remember_token")) -> Browser:
    """Another browser holding copies of `browser`'s login cookies, as a thief would."""
    thief = Browser(app.test_client())
    for name in names:
        cookie = browser.client.get_cookie(name, domain=DOMAIN)
        if cookie is not None:
            thief.client.set_cookie(name, cookie.value, domain=DOMAIN)
    return thief


def logged_in(browser: Browser) -> bool:
    return browser.get("/home").status_code == 200


def test_a_copied_cookie_stops_working_after_log_out(app, browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    thief = copy_of_cookies(app, browser, names=("session",))
    assert logged_in(thief)
    browser.logout()
    assert not logged_in(thief)


def test_a_copied_remember_cookie_stops_working_after_log_out(app, browser):
    user = make_user()
    remembered_login(browser, user.email)
    thief = copy_of_cookies(app, browser, names=("remember_token",))
    assert logged_in(thief)
    browser.logout()
    assert not logged_in(copy_of_cookies(app, thief, names=("remember_token",)))


def test_a_copied_cookie_stops_working_after_a_password_change(app, browser):
    user = make_user()
    remembered_login(browser, user.email)
    thief = copy_of_cookies(app, browser)
    response = browser.post("/account/settings", {"current_password": PASSWORD, "password": "a new long secret",
                                                  "confirm": "a new long secret"}, form_page="/account/settings")
    assert response.status_code == 302
    # The browser that changed it stays logged in; every other copy is out, remember-me included.
    assert logged_in(browser)
    assert not logged_in(thief)
    assert not logged_in(copy_of_cookies(app, thief, names=("remember_token",)))


def test_a_copied_cookie_stops_working_after_a_password_reset(app, browser, smtp):
    user = make_user(email="pat@example.org")
    remembered_login(browser, user.email)
    thief = copy_of_cookies(app, browser)
    other = Browser(app.test_client())
    other.post("/account/forgot", {"email": user.email}, form_page="/account/forgot")
    smtp.inbox.wait_for(1)
    link = "/account/reset/" + smtp.inbox.to(user.email)[0].get_content().split("/account/reset/")[1].split()[0]
    assert other.post(link, {"password": "a brand new secret", "confirm": "a brand new secret"},
                      form_page=link).status_code == 302
    assert not logged_in(thief)
    assert not logged_in(browser)


def test_a_copied_cookie_stops_working_when_the_account_is_suspended(app, browser):
    coordinator = make_user(Role.COORDINATOR)
    remembered_login(browser, coordinator.email)
    thief = copy_of_cookies(app, browser)
    assert logged_in(thief)
    admin = Browser(app.test_client())
    admin.login(make_user(Role.ADMIN).email, PASSWORD)
    assert admin.post(f"/admin/staff/{coordinator.id}/active", form_page="/admin/staff").status_code == 302
    assert not logged_in(thief)
    assert not logged_in(browser)


def test_revoke_sessions_ends_every_session_of_the_user(app, browser):
    """What other features call when they suspend an account."""
    user = make_user()
    remembered_login(browser, user.email)
    thief = copy_of_cookies(app, browser)
    other_user = make_user()
    bystander = Browser(app.test_client())
    bystander.login(other_user.email, PASSWORD)
    assert revoke_sessions(user) == 1
    db.session.commit()
    assert not logged_in(browser) and not logged_in(thief)
    assert logged_in(bystander)


def test_log_out_everywhere_ends_every_session(app, browser):
    user = make_user()
    remembered_login(browser, user.email)
    phone = Browser(app.test_client())
    remembered_login(phone, user.email)
    thief = copy_of_cookies(app, phone)
    response = browser.post("/account/sessions/end", form_page="/account/settings")
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    assert "You are logged out everywhere." in browser.get("/account/login").get_data(as_text=True)
    for someone in (browser, phone, thief):
        assert not logged_in(someone)
    assert logged_in_again(browser, user)


def logged_in_again(browser: Browser, user) -> bool:
    return browser.login(user.email, PASSWORD).status_code == 302 and logged_in(browser)


def test_the_account_page_lists_the_active_sessions(app, browser):
    user = make_user()
    browser.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
    browser.login(user.email, PASSWORD)
    phone = Browser(app.test_client())
    phone.client.environ_base["HTTP_USER_AGENT"] = (
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36")
    phone.login(user.email, PASSWORD)
    ended = Browser(app.test_client())
    ended.login(user.email, PASSWORD)
    ended.logout()
    page = browser.get("/account/settings").get_data(as_text=True)
    assert "Firefox · Windows <strong>(this browser)</strong>" in page
    assert "Chrome · Android" in page
    assert page.count("<tr>") == 1 + 2  # the header and the two live sessions
    assert "Log out everywhere" in page


def test_sessions_expire_on_the_server(app, browser):
    user = make_user()
    remembered_login(browser, user.email)
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.user_id == user.id))
    login.created_at = utcnow() - timedelta(days=app.config["LOGIN_SESSION_DAYS"], minutes=1)
    db.session.commit()
    assert not logged_in(browser)


def test_only_a_hash_of_the_session_id_is_stored(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    cookie_id = db.session.scalar(sa.select(LoginSession.token_hash))
    raw = browser.client.get_cookie("session", domain=DOMAIN).value
    assert cookie_id not in raw and len(cookie_id) == 64
