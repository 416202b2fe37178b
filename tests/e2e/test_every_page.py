"""Every page each role can reach from its menu, on a 390 px phone, in English and Spanish.

The demo data set gives every page something to show. For each role a browser follows the
links of the menu, then the links on the pages they lead to (two steps further), and on every
page checks what a person would notice: the page is no wider than the phone, the browser
logged no error and no request failed, and axe-core finds nothing. The home page of every
role and the family's status page in Spanish are photographed at that width.
"""
from __future__ import annotations

import fcntl
import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from mentormatch.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from mentormatch.extensions import db
from mentormatch.models import Application, ApplicationStatus, User, Youth
from tests.conftest import run_folder, seed_demo_command
from tests.support.axe import axe_violations
from tests.support.liveserver import live_site
from tests.support.screenshots import screenshot_folder

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_translations")]

PHONE = {"width": 390, "height": 844}
ROLES = ("guardian", "youth", "mentor", "coordinator", "admin")
LANGUAGES = ("en", "es")
# Links that are not pages to look at: files to download (spreadsheets, calendar and story
# feeds, photos), and the way out.
NOT_PAGES = re.compile(r"\.(csv|ics|xml|jpg)$|/download$|^/static/|^/account/logout")
DEPTH = 3
# What Chromium reports for a request it dropped itself because the page moved on, such as the
# previous page's icon still loading when the next page is opened. The server never failed it.
CANCELLED_BY_THE_BROWSER = "net::ERR_ABORTED"


@pytest.fixture(scope="module")
def demo_site(sqlite_templates, tmp_path_factory):
    """The app with the demo data set as `flask seed-demo` loads it, served on a loopback port for
    the whole module (a copy of the run's demo database, which integration tests share)."""
    url, _printed = sqlite_templates.copy_of("demo", seed_demo_command, tmp_path_factory.mktemp("demo") / "demo.db")
    with live_site(url) as app:
        yield app


@dataclass
class Visit:
    url: str
    width: int
    viewport: int
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)


def page_pattern(url: str) -> str:
    """One page of each kind is enough: /matches/12 and /matches/40 are the same page."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def links_on(page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")
    found = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "http://", "https://")):
            continue
        if NOT_PAGES.search(urlsplit(href).path):
            continue
        found.append(href.split("#")[0])
    return found


def log_in(page, role: str, lang: str) -> None:
    email = next(e for e, r, _f, _l in DEMO_ACCOUNTS if r.value == role)
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url("**/home")
    choose_language(page, lang)


def choose_language(page, lang: str) -> None:
    """With the switch at the foot of every page, as a person would."""
    page.locator("#lang-switch").select_option(lang)
    page.locator(".language-switch button").click()
    page.wait_for_load_state()


def crawl(browser, base_url: str, role: str, lang: str) -> list[Visit]:
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"failed request: {request.url} ({request.failure})")
            if request.failure != CANCELLED_BY_THE_BROWSER else None)
    page.on("response", lambda response: errors.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    try:
        log_in(page, role, lang)
        errors.clear()
        visits: list[Visit] = []
        seen: set[str] = set()
        frontier = ["/home"] + links_on(page, "header .site-menu a[href]")
        for depth in range(DEPTH):
            following = []
            for url in frontier:
                pattern = page_pattern(url)
                if pattern in seen:
                    continue
                seen.add(pattern)
                errors.clear()
                page.goto(url)
                page.wait_for_load_state("load")
                width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                visit = Visit(url, width, viewport, violations=axe_violations(page))
                visit.errors = list(errors)
                visits.append(visit)
                if depth + 1 < DEPTH:
                    following += links_on(page, "main a[href]")
            frontier = following
        return visits
    finally:
        context.close()


@pytest.fixture(scope="module")
def crawled(demo_site, playwright_browser, tmp_path_factory):
    """Each role's pages in each language, visited once for all the checks below.

    The three checks of a role and language may fall to different test processes; the first to
    need a crawl makes it and leaves what it saw for the others (each process serves the same
    demo data set), so no crawl is made twice in a run.
    """
    visits: dict[tuple[str, str], list[Visit]] = {}
    shared = run_folder(tmp_path_factory, "every-page-crawls")

    def visits_of(role: str, lang: str) -> list[Visit]:
        if (role, lang) not in visits:
            with open(shared / f"{role}-{lang}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                saved = shared / f"{role}-{lang}.json"
                if saved.exists():
                    found = [Visit(**visit) for visit in json.loads(saved.read_text())]
                else:
                    found = crawl(playwright_browser, demo_site.config["LIVE_URL"], role, lang)
                    saved.write_text(json.dumps([asdict(visit) for visit in found]))
                    print(f"\n{role} ({lang}): {len(found)} pages checked at 390 px, "
                          f"widest {max(v.width for v in found)} px, "
                          f"{sum(len(v.violations) for v in found)} axe violations, "
                          f"{sum(len(v.errors) for v in found)} console errors or failed requests")
            visits[role, lang] = found
        return visits[role, lang]

    return visits_of


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_a_390px_phone(crawled, role, lang):
    visits = crawled(role, lang)
    assert len(visits) >= 4, f"{role} reached only {[v.url for v in visits]}"
    too_wide = {v.url: v.width for v in visits if v.width > v.viewport}
    assert too_wide == {}, f"pages wider than {PHONE['width']} px (scrollWidth)"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_no_page_logs_an_error_or_fails_a_request(crawled, role, lang):
    assert {v.url: v.errors for v in crawled(role, lang) if v.errors} == {}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_nothing_on_any_page(crawled, role, lang):
    assert {v.url: v.violations for v in crawled(role, lang) if v.violations} == {}


def test_screenshots_of_every_home_page_and_the_family_status_in_spanish(demo_site, playwright_browser):
    folder = screenshot_folder()
    base_url = demo_site.config["LIVE_URL"]
    with demo_site.app_context():
        guardian = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[2][0]))
        proposed = db.session.scalar(
            sa.select(Application.id).join(Youth)
            .where(Youth.guardian_id == guardian.id, Application.status == ApplicationStatus.PROPOSED))
    for role in ROLES:
        context = playwright_browser.new_context(base_url=base_url, viewport=PHONE)
        page = context.new_page()
        try:
            log_in(page, role, "en")
            page.goto("/home")
            page.screenshot(path=str(folder / f"home-{role}-en-phone.png"), full_page=True)
            choose_language(page, "es")
            page.goto("/home")
            page.screenshot(path=str(folder / f"home-{role}-es-phone.png"), full_page=True)
            if role == "guardian":
                page.goto(f"/family/applications/{proposed}")
                page.screenshot(path=str(folder / "family-status-es-phone.png"), full_page=True)
            # The language is kept on the account: leave it as the demo has it.
            choose_language(page, "en")
        finally:
            context.close()
    assert (folder / "family-status-es-phone.png").stat().st_size > 10_000
