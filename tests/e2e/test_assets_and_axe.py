"""A phone fetches the style sheets and scripts once: the next page it opens asks only for itself.
And the accessibility check the browser tests lean on reports what it finds."""
from __future__ import annotations

import pytest
from flask import request

from mentormatch.models import Role
from tests.builders import PASSWORD, make_user
from tests.support.axe import axe_violations

pytestmark = pytest.mark.e2e


def test_the_second_page_asks_the_server_for_no_style_sheet_or_script(live_app, playwright_browser):
    asked: list[str] = []

    @live_app.after_request
    def note(response):
        # The browser's icon loader keeps its own rules (it may check the icon again): not counted.
        if not request.path.startswith("/static/favicon"):
            asked.append(request.path)
        return response

    with live_app.app_context():
        email = make_user(Role.GUARDIAN).email
    context = playwright_browser.new_context(base_url=live_app.config["LIVE_URL"],
                                             viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto("/account/login")
        assert {"/static/css/app.css", "/static/vendor/htmx-2.0.8.min.js"} <= set(asked)
        page.locator("#email").fill(email)
        page.locator("#password").fill(PASSWORD)
        asked.clear()
        page.locator("#submit").click()
        page.wait_for_url("**/home")
        page.wait_for_load_state("load")
        assert asked == ["/account/login", "/home"]
        asked.clear()
        page.goto("/account/settings")
        assert asked == ["/account/settings"]
    finally:
        context.close()


def test_the_accessibility_check_reports_what_it_finds(page):
    """The pages pass axe-core because they are right, not because the check looks at nothing:
    a picture without words and an unlabelled field on a real page are both reported."""
    page.goto("/account/login")
    assert axe_violations(page) == []
    page.evaluate("""() => {
        const main = document.querySelector('main');
        main.insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg"><input type="text" name="nickname">');
    }""")
    found = axe_violations(page)
    assert any(v.startswith("image-alt:") for v in found), found
    assert any(v.startswith("label:") for v in found), found
