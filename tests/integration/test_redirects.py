"""Redirects to an address the user sent: only paths on this site, whatever the encoding."""
from __future__ import annotations

from datetime import date

import pytest

from mentormatch.models import Role
from mentormatch.redirects import safe_next
from tests.builders import PASSWORD, make_check_in, make_match, make_user

HOSTILE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "/\r\nSet-Cookie: a=b",
    "\t//evil.example/",
    " //evil.example/",
    "/ /evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/%09/evil.example/",
    "/%0a/evil.example/",
    "/%0d%0aSet-Cookie:%20a=b",
    "/%2F/evil.example/",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u2028/evil.example",
    "/\u00a0/evil.example",
    "/" + "a" * 2001,
    "",
    None,
]

LOCAL = [
    "/home",
    "/admin/programs",
    "/coordinator/applications?q=Maria%20Santos&status=waitlisted",
    "/family/applications/12?",
    "/%252F%252Fevil.example",  # decoded once it is still a path on this site
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", LOCAL)
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


def _login_with_next(browser, next_value: str):
    user = make_user(email="pat@example.org")
    browser.get("/account/login")
    return browser.client.post("/account/login", query_string={"next": next_value},
                               data={"csrf_token": browser.token, "email": user.email, "password": PASSWORD})


@pytest.mark.parametrize("target", [t for t in HOSTILE if t])
def test_login_never_sends_anyone_off_site(browser, target):
    response = _login_with_next(browser, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"


def test_login_with_a_tab_in_next_ends_on_home_not_elsewhere(client, browser):
    # The report: /account/login?next=/%09/evil.example/ ended at Location: //evil.example/.
    user = make_user(email="pat@example.org")
    browser.get("/account/login")
    response = client.post("/account/login?next=/%09/evil.example/",
                           data={"csrf_token": browser.token, "email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_login_with_a_newline_in_next_logs_in_instead_of_failing(client, browser):
    user = make_user(email="pat@example.org")
    browser.get("/account/login")
    response = client.post("/account/login?next=/%0a/evil.example/",
                           data={"csrf_token": browser.token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert browser.get("/home").status_code == 200


def test_login_follows_a_local_next_with_its_query(browser):
    response = _login_with_next(browser, "/account/settings?tab=password")
    assert response.headers["Location"] == "/account/settings?tab=password"


@pytest.mark.parametrize("target", ["/%09/evil.example/", "//evil.example", "/\\evil.example"])
def test_language_switch_stays_on_this_site(browser, target):
    response = browser.post("/account/language", {"lang": "es", "next": target}, form_page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%09/evil.example/", "/\t/evil.example/", "/\n/evil.example/"])
def test_resolving_a_safety_concern_stays_on_this_site(browser, target):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    match = make_match()
    check_in = make_check_in(match, date.today(), safety_concern=True)
    response = browser.post(f"/matches/check-ins/{check_in.id}/resolve", {"next": target}, form_page="/home")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/matches/{match.id}"
