"""Accounts an attacker cannot abuse: reset links, enumeration, lockout, e-mail confirmation, under-13s."""
from __future__ import annotations

import re

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AccessToken, TokenPurpose, User
from tests.builders import PASSWORD, make_user
from tests.conftest import Browser


def mailed_links(smtp, address: str, count: int = 1) -> list[str]:
    """The site-relative links mailed to `address`, newest message last."""
    smtp.inbox.wait_for(count)
    links = []
    for message in smtp.inbox.to(address):
        links += ["/" + path for path in re.findall(r"https?://mentormatch\.test/(\S+)", message.get_content())]
    return links


def ask_for_reset(browser: Browser, email: str) -> None:
    browser.post("/account/forgot", {"email": email}, form_page="/account/forgot")


def reset_with(browser: Browser, link: str, password: str):
    return browser.post(link, {"password": password, "confirm": password}, form_page=link)


def is_refused(browser: Browser, link: str) -> bool:
    response = browser.get(link)
    return response.status_code == 302 and "/account/forgot" in response.headers["Location"]


# ---------------------------------------------------------------- reset links


def test_using_one_reset_link_retires_the_older_ones(browser, smtp):
    make_user(email="pat@example.org")
    ask_for_reset(browser, "pat@example.org")
    ask_for_reset(browser, "pat@example.org")
    older, newer = mailed_links(smtp, "pat@example.org", 2)
    assert reset_with(browser, newer, "a brand new secret").status_code == 302
    assert is_refused(browser, older)
    assert reset_with(browser, older, "the attacker's secret").status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "pat@example.org"))
    db.session.refresh(user)
    assert user.check_password("a brand new secret") and not user.check_password("the attacker's secret")


def test_changing_the_password_retires_every_reset_link(app, browser, smtp):
    user = make_user(email="pat@example.org")
    ask_for_reset(Browser(app.test_client()), user.email)
    [link] = mailed_links(smtp, user.email)
    browser.login(user.email, PASSWORD)
    browser.post("/account/settings", {"current_password": PASSWORD, "password": "a new long secret",
                                       "confirm": "a new long secret"}, form_page="/account/settings")
    assert is_refused(Browser(app.test_client()), link)


def test_retiring_reset_links_leaves_other_accounts_links_alone(browser, smtp):
    make_user(email="pat@example.org")
    make_user(email="sam@example.org")
    ask_for_reset(browser, "pat@example.org")
    ask_for_reset(browser, "sam@example.org")
    smtp.inbox.wait_for(2)
    [pats] = mailed_links(smtp, "pat@example.org")
    [sams] = mailed_links(smtp, "sam@example.org")
    reset_with(browser, pats, "a brand new secret")
    assert browser.get(sams).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(AccessToken.id)).where(
        AccessToken.purpose == TokenPurpose.PASSWORD_RESET, AccessToken.used_at.is_(None))) == 1
