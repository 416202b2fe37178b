"""Fixtures shared by every layer: a database per test on SQLite or PostgreSQL, the app, clients, logins."""
from __future__ import annotations

import copy
import gc
import os
import re
import sys

import pytest
from flask import Flask, current_app, g, has_app_context
from flask.testing import FlaskClient

from mentormatch import create_app, figures
from mentormatch.extensions import db, limiter
from mentormatch.queue import huey
from tests.support.databases import PostgresDatabases, SqliteTemplates
from tests.support.pgserver import ThrowawayPostgres

# Jobs run in the test's own thread when a transaction's jobs are handed on (at the end of each
# request, or where a test calls queue.flush()); the queue tests start real workers instead.
huey.immediate = True


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="Database the integration tests run on.")


def pytest_collection_finish(session):
    """A test process collects garbage less often than Python's defaults would have it.

    By the end of collection a test process holds some 260,000 long-lived objects (the app, the
    libraries, the tests), and tests add more; with the default thresholds Python scanned them
    all in a full collection every few seconds. On `tests/integration/test_fuzz.py` alone that was
    6.8 s of a 54 s run (30 full collections); frozen and with these thresholds, one. Memory is
    not the concern here: cycles wait a little longer before they are freed.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test marked `sweep` runs without coverage tracing: a sweep (the random-input and the
    extreme-value passes of test_fuzz.py) sends thousands of requests to prove none fails, and asserts nothing else, so the lines it reaches
    say nothing about what is tested. Coverage counts what the other tests reach; untraced, the
    sweep also runs about a third faster. Only the test's own thread is untraced."""
    tracer = sys.gettrace()
    if tracer is None or item.get_closest_marker("sweep") is None:
        return (yield)
    sys.settrace(None)
    try:
        return (yield)
    finally:
        sys.settrace(tracer)


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


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


def make_test_app(database_url: str) -> Flask:
    """The app as every integration test gets it; the database templates are built through it too."""
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": "",
        "SERVER_NAME": "mentormatch.test",
        "APP_BASE_URL": "http://mentormatch.test",
    }
    if database_url.startswith("sqlite"):
        # Coverage tracing and four test processes on two cores slow every transaction: in the race
        # of eight coordinators (test_coordinator_concurrency.py) a writer waited longer than SQLite's
        # default 5 s for the write lock and got "database is locked". The wait stays bounded.
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {"timeout": 30}}
    app = create_app(settings)
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory) -> SqliteTemplates:
    """Template databases built once per run; each test's SQLite database is a copy of one."""
    return SqliteTemplates(tmp_path_factory.mktemp("templates"), make_test_app,
                           run_folder(tmp_path_factory, "templates"))


def run_folder(tmp_path_factory, name: str):
    """A folder every test process of this run shares (under pytest-xdist each process has a
    folder of its own inside the run's)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def postgres_databases(db_kind, tmp_path_factory):
    """This test process's own throwaway PostgreSQL server, holding the schema; None on SQLite."""
    if db_kind != "postgresql":
        yield None
        return
    server = ThrowawayPostgres()
    try:
        databases = PostgresDatabases(server.start(), make_test_app, run_folder(tmp_path_factory, "dumps"))
        yield databases
        databases.dispose()
    finally:
        server.stop()


@pytest.fixture
def database_url(postgres_databases, sqlite_templates) -> str:
    """An empty database with the full schema, for this test alone."""
    if postgres_databases is not None:
        return postgres_databases.empty()
    return sqlite_templates.empty_copy(sqlite_templates.folder / "test.db")


@pytest.fixture
def copy_of_database(postgres_databases, sqlite_templates):
    """`copy_of_database(name, fill)`: a database for this test alone, copied from one that `fill`
    filled once per run (see tests/support/databases.py); returns its URL and
    what `fill` returned (ids, say, never rows).

    A test module starts every test from it by overriding `database_url`.
    """

    def copy_of(name: str, fill):
        if postgres_databases is not None:
            return postgres_databases.copy_of(name, fill)
        return sqlite_templates.copy_of(name, fill, sqlite_templates.folder / f"{name}.db")

    return copy_of


def seed_demo_command() -> str:
    """Fill the database as `flask seed-demo` does (the demo data set loaded, what follows it
    handled); what the command printed."""
    result = current_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def demo_database(copy_of_database) -> tuple[str, str]:
    """A database holding the demo data set as `flask seed-demo` leaves it, for this test alone,
    and what the command printed. The command runs once per run (about 9 s alone)."""
    return copy_of_database("demo", seed_demo_command)


@pytest.fixture
def demo_database_url(demo_database) -> str:
    return demo_database[0]


# One app per database address and test process. Every test of a process gets its database at the
# same address (tests/support/databases.py), so the app is built once, not for each test: building
# one compiles every URL rule and costs about a tenth of a second. Before each test it is set back
# to how it was built: its settings, its kept figures and page parts, the rate limits it counted.
_apps: dict[str, tuple[Flask, dict]] = {}


def app_for(database_url: str) -> Flask:
    """The app of this process for `database_url`, as a new one would be."""
    if database_url not in _apps:
        app = make_test_app(database_url)
        _apps[database_url] = (app, copy.deepcopy(dict(app.config)))
        return app
    app, settings = _apps[database_url]
    app.config.clear()
    app.config.update(copy.deepcopy(settings))
    figures.init_app(app)
    for kept in ("mentormatch.fixed_urls", "mentormatch.row_urls"):
        app.extensions.pop(kept, None)
    limiter.reset()
    return app


@pytest.fixture
def app(database_url):
    app = app_for(database_url)
    with app.app_context():
        yield app
        db.session.remove()
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
            # Login starts a fresh session, so the token from the login page is spent: take the new
            # one from the account page, which every role has and which is cheap to draw. (A role's
            # home is drawn at its dearest just after logging in: 16-18 ms for a coordinator's, 5 ms
            # for the account page; logins are most of what the authorization matrix does.)
            self.get("/account/settings")
        return response

    def logout(self):
        return self.post("/account/logout", form_page="/account/settings")


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
            # Test processes running side by side may compile at once: each renames a whole file into place.
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")
            with po.open("rb") as source, partial.open("wb") as target:
                write_mo(target, read_po(source))
            partial.replace(mo)
