"""A live server on a loopback port and a real Chromium driven by Playwright."""
from __future__ import annotations

import os
import shutil

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.conftest import seed_demo_command
from tests.support.liveserver import live_site

# The suite's two halves share two cores with Chromium: a busy machine answers later, never
# differently, so waits are generous (a passing check returns as soon as it holds).
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian's chromium is not installed; `make test` installs it.")
    return path


@pytest.fixture(scope="session")
def playwright_browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(sqlite_templates, tmp_path, request):
    """The app on its own SQLite file, served by a real HTTP server in a thread. A test marked
    `demo_data` starts from a copy of the demo data set, loaded once per run."""
    target = tmp_path / "live.db"
    if request.node.get_closest_marker("demo_data"):
        url, _printed = sqlite_templates.copy_of("demo", seed_demo_command, target)
    else:
        url = sqlite_templates.empty_copy(target)
    with live_site(url) as app:
        yield app


@pytest.fixture
def base_url(live_app) -> str:
    return live_app.config["LIVE_URL"]


@pytest.fixture
def page(playwright_browser, base_url):
    context = playwright_browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def mailbox(live_app):
    """A real SMTP server the live app sends to; read links with tests.conftest.mailed_link."""
    from tests.support.smtp import SmtpServer

    with SmtpServer() as server:
        server.configure(live_app)
        yield server


@pytest.fixture
def seed(live_app):
    """Run a builder inside the live app's context: seed(make_user, role=...)."""

    def run(builder, *args, **kwargs):
        with live_app.app_context():
            obj = builder(*args, **kwargs)
            return obj.id

    return run
