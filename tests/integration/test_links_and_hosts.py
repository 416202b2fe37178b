"""Links in e-mail come from APP_BASE_URL; requests naming another host are refused; proxies are
believed only as far as configured."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from mentormatch import create_app
from mentormatch.extensions import db
from mentormatch.links import external_url
from tests.builders import PASSWORD, make_user
from tests.conftest import Browser


def _mailed_link(smtp, address: str) -> str:
    smtp.inbox.wait_for(1)
    [message] = smtp.inbox.to(address)
    match = re.search(r"https?://\S+", message.get_content())
    assert match, message.get_content()
    return match.group(0)


@pytest.mark.parametrize("host", ["evil.example", "mentormatch.test.evil.example", "evil.example:80"])
def test_a_request_for_another_host_is_refused(client, smtp, host):
    make_user(email="pat@example.org")
    page = client.get("/account/forgot", headers={"Host": host})
    assert page.status_code == 400
    sent = client.post("/account/forgot", data={"email": "pat@example.org"}, headers={"Host": host})
    assert sent.status_code == 400
    assert smtp.inbox.wait_for(1, seconds=0.5) == []


def test_the_reset_link_names_the_configured_site_whatever_host_the_request_named(app, client, smtp):
    # Another name the service answers to: trusted, but links still name the configured address.
    app.config["TRUSTED_HOSTS"].append("alias.mentormatch.test")
    app.config["APP_BASE_URL"] = "https://mentors.example.gov/youth"
    make_user(email="pat@example.org")
    browser = Browser(client)
    browser.get("/account/forgot", headers={"Host": "alias.mentormatch.test"})
    client.post("/account/forgot", data={"csrf_token": browser.token, "email": "pat@example.org"},
                headers={"Host": "alias.mentormatch.test"})
    link = _mailed_link(smtp, "pat@example.org")
    assert link.startswith("https://mentors.example.gov/youth/account/reset/")


def test_external_url_needs_no_request(app):
    from flask import has_request_context

    assert not has_request_context()
    assert external_url("auth.login") == "http://mentormatch.test/account/login"
    app.config["APP_BASE_URL"] = "https://example.gov/mentors/"
    assert external_url("auth.reset_password", token="abc", _anchor="top") == \
        "https://example.gov/mentors/account/reset/abc#top"
    assert external_url("main.home", lang="es") == "https://example.gov/mentors/home?lang=es"


def test_external_url_ignores_the_request_host(app):
    with app.test_request_context("/", headers={"Host": "mentormatch.test"}, base_url="http://mentormatch.test"):
        app.config["APP_BASE_URL"] = "https://mentors.example.gov"
        assert external_url("auth.login") == "https://mentors.example.gov/account/login"


def test_production_needs_the_base_url(monkeypatch):
    monkeypatch.setenv("MENTORMATCH_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("APP_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="APP_BASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("APP_BASE_URL", "https://mentors.example.gov")
    monkeypatch.setenv("TRUSTED_HOSTS", "mentors.internal, www.mentors.example.gov")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["TRUSTED_HOSTS"] == ["mentors.example.gov", "mentors.internal", "www.mentors.example.gov"]
    # Served over https, both login cookies are sent over https only unless told otherwise.
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("url", ["mentors.example.gov", "ftp://mentors.example.gov", "https://",
                                 "https://mentors.example.gov/?x=1"])
def test_a_malformed_base_url_stops_the_start(url):
    with pytest.raises(RuntimeError, match="APP_BASE_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "APP_BASE_URL": url})


def test_development_answers_on_loopback_names_only():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["APP_BASE_URL"] == "http://127.0.0.1:5000"
    assert set(app.config["TRUSTED_HOSTS"]) == {"127.0.0.1", "localhost"}


@contextmanager
def app_like(app, database_url, **overrides):
    """Another app on the test database with some settings changed, inside its own app context.

    Objects of the test's own app must not be touched inside: their session would borrow a
    connection from this app's engine, which is closed on the way out.
    """
    settings = {key: app.config[key] for key in ("TESTING", "MAIL_SERVER", "SERVER_NAME", "APP_BASE_URL")}
    other = create_app({**settings, "SQLALCHEMY_DATABASE_URI": database_url, **overrides})
    other.test_client_class = app.test_client_class
    with other.app_context():
        try:
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_remember_cookie_is_secure_when_the_session_cookie_is(app, database_url):
    make_user(email="pat@example.org")
    with app_like(app, database_url, SESSION_COOKIE_SECURE=True) as secure:
        browser = Browser(secure.test_client())
        response = browser.post("/account/login", {"email": "pat@example.org", "password": PASSWORD, "remember": "y"},
                                form_page="/account/login")
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "Secure" in remember[0]
    assert all("Secure" in c for c in cookies)


def _failed_logins_from(client, browser, address: str, count: int):
    statuses = []
    for n in range(count):
        browser.get("/account/login", headers={"X-Forwarded-For": address})
        response = client.post("/account/login", headers={"X-Forwarded-For": address},
                               data={"csrf_token": browser.token, "email": f"guess{n}@example.org",
                                     "password": "not the password"})
        statuses.append(response.status_code)
    return statuses


def test_behind_a_proxy_each_client_has_its_own_limit(app, database_url):
    with app_like(app, database_url, PROXY_FIX_X_FOR=1) as proxied:
        client = proxied.test_client()
        browser = Browser(client)
        assert _failed_logins_from(client, browser, "203.0.113.7", 31)[-1] == 429
        assert _failed_logins_from(client, browser, "198.51.100.9", 1) == [200]


def test_without_a_configured_proxy_a_forged_forwarded_for_changes_nothing(client, browser):
    assert _failed_logins_from(client, browser, "203.0.113.7", 31)[-1] == 429
    assert _failed_logins_from(client, browser, "198.51.100.9", 1) == [429]


def test_a_forwarded_host_is_checked_like_any_host(app, database_url):
    with app_like(app, database_url, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1, PROXY_FIX_X_HOST=1) as proxied:
        client = proxied.test_client()
        assert client.get("/account/login", headers={"X-Forwarded-Host": "evil.example"}).status_code == 400
        page = client.get("/account/login", headers={"X-Forwarded-Host": "mentormatch.test",
                                                     "X-Forwarded-Proto": "https"})
        assert page.status_code == 200
