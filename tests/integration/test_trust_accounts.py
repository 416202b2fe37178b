"""Accounts an attacker cannot abuse: reset links, enumeration, lockout, e-mail confirmation, under-13s."""
from __future__ import annotations

import re
import time

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AccessToken, Role, TokenPurpose, User
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


# ---------------------------------------------------------------- lockout


def failed_login(client, email: str, address: str, token_page: Browser):
    token_page.get("/account/login")
    return client.post("/account/login", environ_base={"REMOTE_ADDR": address},
                       data={"csrf_token": token_page.token, "email": email, "password": "not the password"})


def test_a_stranger_cannot_lock_a_coordinator_out(app, browser):
    coordinator = make_user(Role.COORDINATOR, email="lead@sacpd.example.org")
    stranger = Browser(app.test_client())
    statuses = [failed_login(stranger.client, coordinator.email, "203.0.113.7", stranger).status_code
                for _ in range(8)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3
    # The coordinator, at their own desk, logs in at once.
    response = browser.client.post("/account/login", environ_base={"REMOTE_ADDR": "10.20.0.15"},
                                   data={"csrf_token": _token(browser), "email": coordinator.email,
                                         "password": PASSWORD})
    assert response.status_code == 302


def _token(browser: Browser) -> str:
    browser.get("/account/login")
    return browser.token


def test_guessing_from_one_address_stays_slow(app):
    user = make_user(email="pat@example.org")
    guesser = Browser(app.test_client())
    statuses = [failed_login(guesser.client, user.email, "203.0.113.7", guesser).status_code for _ in range(6)]
    assert statuses[-1] == 429
    page = failed_login(guesser.client, user.email, "203.0.113.7", guesser).get_data(as_text=True)
    assert "Too many attempts to log in to this account from here." in page
    assert 'value="pat@example.org"' in page


def test_guessing_from_many_addresses_meets_the_account_ceiling_but_not_a_known_browser(app, browser):
    user = make_user(email="pat@example.org")
    browser.login(user.email, PASSWORD)
    browser.logout()
    crowd = Browser(app.test_client())
    statuses = [failed_login(crowd.client, user.email, f"198.51.100.{n // 5 + 1}", crowd).status_code
                for n in range(51)]
    assert statuses[:50] == [200] * 50 and statuses[50] == 429
    page = failed_login(crowd.client, user.email, "192.0.2.200", crowd).get_data(as_text=True)
    assert "Log in from a device you have used before" in page
    # A new browser of the owner's waits; the browser they logged in from before does not.
    newcomer = Browser(app.test_client())
    assert newcomer.client.post("/account/login", environ_base={"REMOTE_ADDR": "10.1.1.1"},
                                data={"csrf_token": _token(newcomer), "email": user.email,
                                      "password": PASSWORD}).status_code == 429
    assert browser.client.post("/account/login", environ_base={"REMOTE_ADDR": "10.1.1.1"},
                               data={"csrf_token": _token(browser), "email": user.email,
                                     "password": PASSWORD}).status_code == 302


def test_a_forged_known_browser_cookie_is_ignored(app):
    user = make_user(email="pat@example.org")
    crowd = Browser(app.test_client())
    for n in range(50):
        failed_login(crowd.client, user.email, f"198.51.100.{n // 5 + 1}", crowd)
    crowd.client.set_cookie("known_browser", "not-signed-by-us", domain="mentormatch.test")
    assert failed_login(crowd.client, user.email, "192.0.2.200", crowd).status_code == 429


def test_the_limit_message_is_in_spanish_for_a_spanish_reader(app):
    make_user(email="pat@example.org")
    guesser = Browser(app.test_client())
    guesser.post("/account/language", {"lang": "es", "next": "/"}, form_page="/")
    for _ in range(5):
        failed_login(guesser.client, "pat@example.org", "203.0.113.7", guesser)
    page = failed_login(guesser.client, "pat@example.org", "203.0.113.7", guesser).get_data(as_text=True)
    assert "Demasiados intentos" in page


# ---------------------------------------------------------------- enumeration by timing


def _timed_login(client, token: str, email: str, address: str) -> float:
    started = time.perf_counter()
    response = client.post("/account/login", environ_base={"REMOTE_ADDR": address},
                           data={"csrf_token": token, "email": email, "password": "a wrong password"})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed


def test_a_wrong_password_takes_as_long_for_a_real_account_as_for_no_account(app, browser):
    """Rank comparison of the two timing samples, taken in turns so load affects both alike.

    Without a stand-in hash every real-account answer is slower than every unknown one (the
    share below is 1.0); with it the share is near 0.5. Bounds of 0.15 and 0.85 are about four
    standard deviations for 20 + 20 samples, so a fair comparison practically never fails.
    """
    samples = 20
    real = [make_user(email=f"member{n}@example.org").email for n in range(samples)]
    token = _token(browser)
    _timed_login(browser.client, token, "warm-up@example.org", "192.0.2.1")
    known, unknown = [], []
    for n in range(samples):
        known.append(_timed_login(browser.client, token, real[n], f"10.0.1.{n}"))
        unknown.append(_timed_login(browser.client, token, f"nobody{n}@example.org", f"10.0.2.{n}"))
    slower = sum((k > u) + 0.5 * (k == u) for k in known for u in unknown) / samples ** 2
    assert 0.15 < slower < 0.85, (sorted(known), sorted(unknown))
