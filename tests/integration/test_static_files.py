"""Style sheets and scripts are linked under their content's digest and kept by the browser."""
from __future__ import annotations

import re

from mentormatch.models import Role
from mentormatch.static_files import YEAR, digest
from tests.builders import PASSWORD, make_user

LINKED = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{16})"')


def linked_files(html: str) -> dict[str, str]:
    return dict(LINKED.findall(html))


def fetch(client, url: str, **kwargs):
    """The file's response, its body read and the file closed."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def test_every_page_links_its_style_sheets_and_scripts_by_content(client):
    files = linked_files(client.get("/account/login").get_data(as_text=True))
    assert {"/static/css/app.css", "/static/vendor/pico-2.1.1.min.css",
            "/static/vendor/htmx-2.0.8.min.js"} <= files.keys()
    for path, version in files.items():
        response = fetch(client, f"{path}?v={version}")
        assert response.status_code == 200
        assert response.cache_control.max_age == YEAR and response.cache_control.public


def test_a_logged_in_family_keeps_the_files_but_never_the_page(app, browser):
    guardian = make_user(Role.GUARDIAN)
    browser.login(guardian.email, PASSWORD)
    page = browser.get("/home")
    assert page.headers["Cache-Control"] == "no-store"
    path, version = next(iter(linked_files(page.get_data(as_text=True)).items()))
    kept = fetch(browser.client, f"{path}?v={version}")
    assert kept.cache_control.max_age == YEAR and not kept.cache_control.no_store


def test_a_link_without_the_current_digest_is_checked_each_time(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789abcdef"):
        response = fetch(client, url)
        assert response.status_code == 200
        assert response.cache_control.max_age is None and response.cache_control.no_cache
        assert fetch(client, url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_a_changed_file_gets_a_new_link(tmp_path):
    sheet = tmp_path / "site.css"
    sheet.write_text("body { color: black; }")
    before = digest(str(tmp_path), "site.css")
    sheet.write_text("body { color: navy; }")
    assert digest(str(tmp_path), "site.css") not in (before, None)
    assert digest(str(tmp_path), "missing.css") is None
