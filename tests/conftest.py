"""Fixtures shared by every layer: an app per test on SQLite or PostgreSQL, clients, logins."""
from __future__ import annotations

import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
import sqlalchemy as sa

from mentormatch import create_app
from mentormatch.extensions import db
from mentormatch.queue import huey
from tests.support.pgserver import ThrowawayPostgres

# Jobs run in the test's own thread when a transaction's jobs are handed on (at the end of each
# request, or where a test calls queue.flush()); the queue tests start real workers instead.
huey.immediate = True


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="Database the integration tests run on.")


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def postgres_url(db_kind):
    if db_kind != "postgresql":
        yield None
        return
    server = ThrowawayPostgres()
    url = server.start()
    engine = sa.create_engine(url)
    with engine.begin():
        pass
    engine.dispose()
    yield url
    server.stop()


@pytest.fixture
def database_url(db_kind, postgres_url, tmp_path) -> str:
    if db_kind == "postgresql":
        return postgres_url
    return f"sqlite:///{tmp_path / 'test.db'}"


def _empty_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        db.drop_all()
    db.create_all()


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts like a real one.

    The fixture keeps one app context open for the builders, and Flask reuses it for
    each request, so `g` (where Flask-WTF caches the CSRF token and Flask-Login the
    user) would leak between requests and clients; a real server never shares it.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "",
        "SERVER_NAME": "mentormatch.test",
        "APP_BASE_URL": "http://mentormatch.test",
    })
    app.test_client_class = FreshRequestClient
    with app.app_context():
        _empty_schema()
        yield app
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browser:
    """A test client that behaves like a person at a browser: reads the form's CSRF token first."""

    def __init__(self, client):
        self.client = client
        self.token: str | None = None

    def get(self, url: str, **kwargs):
        response = self.client.get(url, **kwargs)
        body = response.get_data(as_text=True)
        if "csrf_token" in body:
            self.token = csrf_token_from(body)
        return response

    def post(self, url: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
        if form_page is not None or self.token is None:
            self.get(form_page or url)
        payload = {"csrf_token": self.token, **(data or {})}
        return self.client.post(url, data=payload, **kwargs)

    def htmx_post(self, url: str, data: dict | None = None, **kwargs):
        if self.token is None:
            self.get("/")
        headers = {"HX-Request": "true", "X-CSRFToken": self.token}
        return self.client.post(url, data=data or {}, headers=headers, **kwargs)

    def login(self, email: str, password: str):
        response = self.post("/account/login", {"email": email, "password": password},
                             form_page="/account/login")
        if response.status_code == 302:
            # Login starts a fresh session, so the token from the login page is spent.
            self.get("/home")
        return response

    def logout(self):
        return self.post("/account/logout", form_page="/home")


def mailed_link(smtp, address: str, path: str) -> str:
    """The newest link to `path` (e.g. "/account/confirm/") e-mailed to `address`, site-relative."""
    pattern = re.compile(r"https?://[^/\s]+(" + re.escape(path) + r"\S*)")
    smtp.inbox.wait_for(1)
    links = [m.group(1) for message in smtp.inbox.to(address)
             for m in pattern.finditer(message.get_content())]
    assert links, f"no {path} link mailed to {address}"
    return links[-1]


def register_and_confirm(browser: "Browser", smtp, kind: str, data: dict):
    """Register through the form, log in and open the confirmation link, as a new user does."""
    response = browser.post(f"/account/register/{kind}", data, form_page=f"/account/register/{kind}")
    assert response.status_code == 302, response.get_data(as_text=True)
    link = mailed_link(smtp, data["email"], "/account/confirm/")
    browser.login(data["email"], data["password"])
    confirmed = browser.get(link)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/home"
    return confirmed


@pytest.fixture
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture
def smtp(app):
    """A real local SMTP server the app sends to; `smtp.inbox` holds what arrived."""
    from tests.support.smtp import SmtpServer

    with SmtpServer() as server:
        server.configure(app)
        yield server


@pytest.fixture(scope="session")
def compiled_translations():
    """The .mo catalogs are build output (`make` compiles them); compile any that are missing or stale."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source))
