"""Accounts an attacker cannot abuse: reset links, enumeration, lockout, e-mail confirmation, under-13s."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AccessToken, AuditEvent, ProgramKind, Role, TokenPurpose, User, Youth, utcnow
from tests.builders import PASSWORD, born_years_ago, make_program, make_user, make_youth
from tests.conftest import Browser, mailed_link, register_and_confirm


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
    members = [make_user(email=f"member{n}@example.org") for n in range(samples)]
    # Real accounts carry hashes of the app's own cost, not the suite's cheaper one.
    one_real_hash = User(password_hash="")
    one_real_hash.set_password(PASSWORD)
    for member in members:
        member.password_hash = one_real_hash.password_hash
    db.session.commit()
    real = [member.email for member in members]
    token = _token(browser)
    _timed_login(browser.client, token, "warm-up@example.org", "192.0.2.1")
    known, unknown = [], []
    for n in range(samples):
        known.append(_timed_login(browser.client, token, real[n], f"10.0.1.{n}"))
        unknown.append(_timed_login(browser.client, token, f"nobody{n}@example.org", f"10.0.2.{n}"))
    slower = sum((k > u) + 0.5 * (k == u) for k in known for u in unknown) / samples ** 2
    assert 0.15 < slower < 0.85, (sorted(known), sorted(unknown))


# ---------------------------------------------------------------- registration and confirmation


def registration(**overrides) -> dict:
    data = {"first_name": "Maria", "last_name": "Santos", "email": "maria@example.org",
            "phone": "", "password": GOOD, "confirm": GOOD}
    data.update(overrides)
    return data


GOOD = "a long walk by the river"


def register(browser: Browser, kind: str = "guardian", **overrides):
    return browser.post(f"/account/register/{kind}", registration(**overrides), form_page=f"/account/register/{kind}")


def test_registration_answers_the_same_for_a_new_and_an_existing_address(app, smtp):
    make_user(email="taken@example.org", first_name="Rosa")
    pages = []
    for email in ("taken@example.org", "fresh@example.org"):
        browser = Browser(app.test_client())
        response = register(browser, email=email)
        sent = browser.get(response.headers["Location"])
        # Each browser has its own CSRF token; everything else must be the same.
        body = re.sub(r'(value=|X-CSRFToken": )"[^"]+"', "TOKEN", sent.get_data(as_text=True))
        pages.append((response.status_code, response.headers["Location"], sent.status_code,
                      body.replace(email, "ADDRESS")))
    assert pages[0] == pages[1]
    assert "Check your e-mail" in pages[0][3]
    [taken] = smtp.inbox.to("taken@example.org")
    assert taken["Subject"] == "Someone tried to create a MentorMatch account with your e-mail"
    assert "Hello Rosa" in taken.get_content() and "http://mentormatch.test/account/forgot" in taken.get_content()
    [fresh] = smtp.inbox.to("fresh@example.org")
    assert fresh["Subject"] == "Confirm your e-mail address for MentorMatch"
    # The existing account is untouched: its password is still the owner's.
    owner = db.session.scalar(sa.select(User).where(User.email == "taken@example.org"))
    assert owner.check_password(PASSWORD) and owner.first_name == "Rosa"


def test_registration_takes_as_long_for_an_existing_address_as_for_a_new_one(app):
    """The rank comparison of the log-in timing test, on registration (e-mail goes to the log)."""
    samples = 15
    taken = [make_user(email=f"member{n}@example.org").email for n in range(samples)]
    browser = Browser(app.test_client())
    token = _token(browser)

    def timed(email: str, address: str) -> float:
        started = time.perf_counter()
        response = browser.client.post("/account/register/guardian", environ_base={"REMOTE_ADDR": address},
                                       data={"csrf_token": token, **registration(email=email)})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302
        return elapsed

    timed("warm-up@example.org", "192.0.2.1")
    existing, new = [], []
    for n in range(samples):
        existing.append(timed(taken[n], f"10.0.1.{n}"))
        new.append(timed(f"newcomer{n}@example.org", f"10.0.2.{n}"))
    slower = sum((e > f) + 0.5 * (e == f) for e in existing for f in new) / samples ** 2
    assert 0.1 < slower < 0.9, (sorted(existing), sorted(new))


def test_an_unconfirmed_account_sees_no_child_and_adds_none(app, browser):
    guardian = make_user(Role.GUARDIAN, confirmed=False)
    child = make_youth(14, guardian=guardian)
    browser.login(guardian.email, PASSWORD)
    home = browser.get("/home")
    assert home.status_code == 302 and home.headers["Location"] == "/account/unconfirmed"
    page = browser.get("/account/unconfirmed").get_data(as_text=True)
    assert "Confirm your e-mail address" in page and "Send the confirmation link again" in page
    assert child.first_name not in page
    for url in ("/family/apply", "/family/children/new", "/family/data", "/family/data/download"):
        response = browser.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/unconfirmed", url
    added = browser.post("/family/children/new", {"first_name": "Ana", "last_name": "Santos",
                                                  "date_of_birth": born_years_ago(13).isoformat()})
    assert added.headers["Location"] == "/account/unconfirmed"
    assert db.session.scalar(sa.select(sa.func.count(Youth.id))) == 1
    # Public pages and the account's own settings still work.
    assert browser.get("/").status_code == 302 and browser.get("/account/settings").status_code == 200


@pytest.mark.parametrize("role", [Role.YOUTH, Role.MENTOR])
def test_unconfirmed_young_people_and_mentors_wait_too(browser, role):
    user = make_user(role, confirmed=False)
    browser.login(user.email, PASSWORD)
    assert browser.get("/home").headers["Location"] == "/account/unconfirmed"
    url = "/family/apply" if role is Role.YOUTH else "/mentor/profile"
    assert browser.get(url).headers["Location"] == "/account/unconfirmed"


def test_confirming_needs_the_link_and_the_accounts_password(app, smtp):
    """Someone who registers another person's address cannot have it confirmed by that person's click."""
    squatter = Browser(app.test_client())
    register(squatter, email="victim@example.org")
    link = mailed_link(smtp, "victim@example.org", "/account/confirm/")
    victim = Browser(app.test_client())
    opened = victim.get(link)
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/account/login?next=")
    account = db.session.scalar(sa.select(User).where(User.email == "victim@example.org"))
    db.session.refresh(account)
    assert not account.email_confirmed
    # Logged in to another account, the link confirms nothing either.
    other = make_user(email="other@example.org")
    victim.login(other.email, PASSWORD)
    assert victim.get(link).status_code == 403
    db.session.refresh(account)
    assert not account.email_confirmed


def test_the_confirmation_link_confirms_once_after_log_in(app, browser, smtp):
    register(browser, email="maria@example.org")
    link = mailed_link(smtp, "maria@example.org", "/account/confirm/")
    opened = browser.get(link)
    login_page = opened.headers["Location"]
    browser.get(login_page)
    logged_in = browser.client.post(login_page, data={"csrf_token": browser.token, "email": "maria@example.org",
                                                      "password": GOOD})
    assert logged_in.headers["Location"] == link
    confirmed = browser.get(link)
    assert confirmed.headers["Location"] == "/home"
    home = browser.get("/home").get_data(as_text=True)
    assert "Your e-mail address is confirmed. Welcome, Maria." in home and "Your children" in home
    user = db.session.scalar(sa.select(User).where(User.email == "maria@example.org"))
    assert user.email_confirmed
    assert "account.email_confirmed" in db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    # Used once: the same link does nothing more for anyone.
    assert Browser(app.test_client()).get(link).headers["Location"] == "/account/login"


def test_an_expired_confirmation_link_is_refused(browser, smtp):
    register(browser, email="maria@example.org")
    link = mailed_link(smtp, "maria@example.org", "/account/confirm/")
    token = db.session.scalar(sa.select(AccessToken).where(AccessToken.purpose == TokenPurpose.EMAIL_CONFIRMATION))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    browser.login("maria@example.org", GOOD)
    response = browser.get(link)
    assert response.headers["Location"] == "/account/unconfirmed"
    assert "expired or was already used" in browser.get("/account/unconfirmed").get_data(as_text=True)


def test_resending_sends_a_new_link_retires_the_old_and_is_limited(browser, smtp):
    register(browser, email="maria@example.org")
    first = mailed_link(smtp, "maria@example.org", "/account/confirm/")
    browser.login("maria@example.org", GOOD)
    statuses = [browser.post("/account/confirm/resend", form_page="/account/unconfirmed").status_code
                for _ in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert "Too many requests. Try again in an hour." in browser.post(
        "/account/confirm/resend", form_page="/account/unconfirmed").get_data(as_text=True)
    newest = mailed_link(smtp, "maria@example.org", "/account/confirm/")
    assert newest != first
    assert browser.get(first).headers["Location"] == "/account/unconfirmed"
    assert browser.get(newest).headers["Location"] == "/home"


def test_a_password_reset_confirms_the_address(app, smtp):
    """The owner of a squatted address takes it back by resetting the password from their mailbox."""
    register(Browser(app.test_client()), email="victim@example.org")
    owner = Browser(app.test_client())
    ask_for_reset(owner, "victim@example.org")
    link = mailed_link(smtp, "victim@example.org", "/account/reset/")
    reset_with(owner, link, "the owner's own secret")
    owner.login("victim@example.org", "the owner's own secret")
    assert owner.get("/home").status_code == 200
    assert Browser(app.test_client()).login("victim@example.org", GOOD).status_code == 200


def test_staff_made_by_an_administrator_or_the_command_line_start_confirmed(app, browser):
    admin = make_user(Role.ADMIN)
    browser.login(admin.email, PASSWORD)
    browser.post("/admin/staff", {"email": "lead@sacpd.example.org", "first_name": "Lee", "last_name": "Moua",
                                  "role": "coordinator", "password": "a long walk by the river"},
                 form_page="/admin/staff")
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--email", "boss@sacpd.example.org", "--first-name", "Ana", "--last-name", "Ruiz",
        "--role", "admin", "--password", "a long walk by the river"])
    assert result.exit_code == 0, result.output
    for email in ("lead@sacpd.example.org", "boss@sacpd.example.org"):
        assert db.session.scalar(sa.select(User).where(User.email == email)).email_confirmed


# ---------------------------------------------------------------- under 13


def nothing_kept() -> bool:
    return all(db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
               for model in (User, Youth, AccessToken, AuditEvent))


def test_a_young_person_is_asked_only_the_date_of_birth_first(browser):
    page = browser.get("/account/register/youth").get_data(as_text=True)
    assert 'name="date_of_birth"' in page
    assert 'name="first_name"' not in page and 'name="email"' not in page and 'name="password"' not in page
    # Nothing the page says tells which age is too young (its tags carry random tokens, read no further).
    words = re.sub(r"<[^>]*>", " ", page)
    assert "13" not in words and "12" not in words


def test_a_twelve_year_old_is_sent_to_a_parent_and_nothing_is_kept(browser):
    response = browser.post("/account/register/youth", {"stage": "age",
                                                        "date_of_birth": born_years_ago(12).isoformat()},
                            form_page="/account/register/youth")
    assert response.status_code == 302 and response.headers["Location"] == "/account/register/youth/parent"
    page = browser.get("/account/register/youth/parent").get_data(as_text=True)
    assert "under 13 need a parent or guardian to sign up for them" in page
    assert 'name="parent_email"' in page and 'name="first_name"' not in page
    assert nothing_kept()
    # Going back and giving an older date does not open the form in this browser session.
    again = browser.post("/account/register/youth", {"stage": "age", "date_of_birth": born_years_ago(15).isoformat()},
                         form_page="/account/register/youth/parent")
    assert again.headers["Location"] == "/account/register/youth/parent"
    assert browser.get("/account/register/youth").headers["Location"] == "/account/register/youth/parent"


def test_the_whole_youth_form_with_an_age_under_13_keeps_and_shows_nothing(browser):
    data = registration(first_name="Kiddo", last_name="Youngster", email="kiddo@example.org",
                        date_of_birth=born_years_ago(11).isoformat(), guardian_email="mom@example.org")
    response = browser.post("/account/register/youth", data, form_page="/account/register/youth")
    assert response.status_code == 302 and response.headers["Location"] == "/account/register/youth/parent"
    page = browser.get("/account/register/youth/parent").get_data(as_text=True)
    assert "Kiddo" not in page and "Youngster" not in page and "kiddo@example.org" not in page
    assert nothing_kept()


def test_at_13_the_form_opens_with_the_date_already_filled_in(browser, smtp):
    born = born_years_ago(13)
    page = browser.post("/account/register/youth", {"stage": "age", "date_of_birth": born.isoformat()},
                        form_page="/account/register/youth").get_data(as_text=True)
    assert 'name="first_name"' in page and f'value="{born.isoformat()}"' in page
    assert nothing_kept()
    data = registration(email="tou@example.org", date_of_birth=born.isoformat(), guardian_email="mai@example.org")
    register_and_confirm(browser, smtp, "youth", data)
    assert db.session.scalar(sa.select(Youth).where(Youth.guardian_email == "mai@example.org")).age() == 13


def test_the_invitation_goes_to_the_parent_in_the_chosen_language_and_keeps_nothing(browser, smtp):
    browser.post("/account/language", {"lang": "es", "next": "/"}, form_page="/")
    browser.post("/account/register/youth", {"stage": "age", "date_of_birth": born_years_ago(12).isoformat()},
                 form_page="/account/register/youth")
    sent = browser.post("/account/register/youth/parent", {"parent_email": "Mama@Example.org"},
                        form_page="/account/register/youth/parent")
    assert sent.status_code == 302
    assert "Enviamos la invitación" in browser.get(sent.headers["Location"]).get_data(as_text=True)
    [message] = smtp.inbox.to("mama@example.org")
    assert message["Subject"] == "Una invitación a MentorMatch"
    assert "http://mentormatch.test/account/register/guardian" in message.get_content()
    assert nothing_kept()


def test_a_bad_parent_address_is_explained_and_kept(browser):
    browser.post("/account/register/youth", {"stage": "age", "date_of_birth": born_years_ago(12).isoformat()},
                 form_page="/account/register/youth")
    page = browser.post("/account/register/youth/parent", {"parent_email": "not-an-address"},
                        form_page="/account/register/youth/parent")
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert "Invalid email address." in body and 'value="not-an-address"' in body


def test_invitations_to_one_address_are_limited(app, smtp):
    statuses = []
    for n in range(4):
        child = Browser(app.test_client())
        child.get("/account/register/youth/parent")
        response = child.client.post("/account/register/youth/parent", environ_base={"REMOTE_ADDR": f"10.9.0.{n}"},
                                     data={"csrf_token": child.token, "parent_email": "mama@example.org"})
        statuses.append(response.status_code)
    assert statuses == [302, 302, 302, 429]
    assert len(smtp.inbox.to("mama@example.org")) == 3


def test_a_guardian_adds_a_twelve_year_old_and_applies(browser):
    program = make_program(name="Youth Leadership Academy", kind=ProgramKind.LEADERSHIP, min_age=12, max_age=17,
                           min_grade_completed=None, grade_rule_until_age=None)
    guardian = make_user(Role.GUARDIAN)
    browser.login(guardian.email, PASSWORD)
    added = browser.post("/family/children/new", {"first_name": "Ana", "last_name": "Santos",
                                                  "date_of_birth": born_years_ago(12).isoformat()},
                         form_page="/family/children/new")
    assert added.status_code == 302
    child = db.session.scalar(sa.select(Youth).where(Youth.first_name == "Ana"))
    assert child.guardian_id == guardian.id and child.age() == 12
    started = browser.post("/family/apply", {"youth_id": str(child.id), "program_id": str(program.id)},
                           form_page=f"/family/apply?youth={child.id}")
    assert started.status_code == 302 and "/step/1" in started.headers["Location"]


def test_a_young_persons_own_account_cannot_hold_an_age_under_13(browser):
    program = make_program(kind=ProgramKind.LEADERSHIP, min_age=12, max_age=17, min_grade_completed=None,
                           grade_rule_until_age=None)
    user = make_user(Role.YOUTH)
    youth = make_youth(14, user=user, guardian_email="mai@example.org")
    browser.login(user.email, PASSWORD)
    started = browser.post("/family/apply", {"youth_id": str(youth.id), "program_id": str(program.id)},
                           form_page="/family/apply")
    step = started.headers["Location"]
    page = browser.post(step, {"first_name": youth.first_name, "last_name": youth.last_name,
                               "date_of_birth": born_years_ago(12).isoformat(), "grade_completed": "6",
                               "zip_code": "95823", "languages": ["English"]}, form_page=step)
    assert page.status_code == 422
    assert "Ask a parent or guardian to create an account and apply for you." in page.get_data(as_text=True)
