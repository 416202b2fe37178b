"""Security: headers, CSRF on every state change, login and reset limits, sessions, faults."""
from __future__ import annotations

import re
from pathlib import Path


from mentormatch.extensions import db
from mentormatch.models import Role
from tests.builders import PASSWORD, make_user
from tests.conftest import Browser, make_test_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_pages_carry_strict_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_logged_in_pages_are_not_cached(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    assert browser.get("/home").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(browser):
    user = make_user()
    response = browser.login(user.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_have_no_inline_script_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(path.name)
    assert offenders == []


def test_post_without_csrf_token_is_refused(client):
    user = make_user(Role.ADMIN)
    browser = Browser(client)
    browser.login(user.email, PASSWORD)
    response = client.post("/account/logout")
    assert response.status_code == 400
    assert browser.get("/home").status_code == 200


def test_htmx_post_needs_the_token_header(client):
    user = make_user()
    browser = Browser(client)
    browser.login(user.email, PASSWORD)
    refused = client.post("/account/logout", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = browser.htmx_post("/account/logout")
    assert accepted.status_code == 302


def test_repeated_failed_logins_for_one_account_are_slowed_down(browser):
    user = make_user(email="pat@example.org")
    for _ in range(5):
        assert browser.login(user.email, "not the password").status_code == 200
    blocked = browser.login(user.email, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)


def test_successful_logins_do_not_count_toward_the_limit(browser):
    user = make_user()
    for _ in range(8):
        assert browser.login(user.email, PASSWORD).status_code == 302
        browser.logout()


def test_failed_logins_from_one_address_across_accounts_are_limited(browser):
    for n in range(30):
        browser.login(f"guess{n}@example.org", "not the password")
    assert browser.login("another@example.org", "not the password").status_code == 429


def test_password_reset_requests_are_limited_per_account(browser):
    make_user(email="pat@example.org")
    for _ in range(3):
        browser.post("/account/forgot", {"email": "pat@example.org"}, form_page="/account/forgot")
    assert browser.post("/account/forgot", {"email": "pat@example.org"}).status_code == 429


def test_changing_password_logs_out_every_other_session(app, browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    other = Browser(app.test_client())
    other.login(user.email, PASSWORD)
    response = browser.post("/account/settings", {"current_password": PASSWORD, "password": "a new long secret",
                                                  "confirm": "a new long secret"}, form_page="/account/settings")
    assert response.status_code == 302
    assert browser.get("/home").status_code == 200
    assert other.get("/home").status_code == 302
    db.session.refresh(user)
    assert user.check_password("a new long secret")


def test_changing_password_needs_the_current_one(browser):
    user = make_user()
    browser.login(user.email, PASSWORD)
    page = browser.post("/account/settings", {"current_password": "wrong one here", "password": "a new long secret",
                                              "confirm": "a new long secret"}, form_page="/account/settings")
    assert "That is not your current password." in page.get_data(as_text=True)


def test_a_database_outage_shows_a_friendly_page(caplog):
    from mentormatch import create_app

    # Nothing listens on port 1: every query fails to connect, as in a real outage.
    down = create_app({"TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    response = down.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The service is busy or down for maintenance" in page
    assert "Traceback" not in page and "127.0.0.1" not in page
    assert "Database unavailable" in caplog.text


def test_an_unexpected_error_shows_a_friendly_page_not_a_trace(database_url):
    app = make_test_app(database_url)  # an app of its own: the one the other tests share takes no new routes
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode-for-test")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "secret internals" not in response.get_data(as_text=True)


def test_nul_characters_are_dropped_from_what_is_sent(browser):
    """PostgreSQL cannot take a NUL in text; a search containing one still answers."""
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    response = browser.get("/coordinator/applications", query_string={"q": "Pat\x00rick", "status": "waitlisted"})
    assert response.status_code == 200
    assert "\x00" not in response.get_data(as_text=True)
