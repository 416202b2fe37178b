"""Sessions end on the server: log out, password change, suspension and "log out everywhere" end
them for every copy of the cookie, remember-me included."""
from __future__ import annotations

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
