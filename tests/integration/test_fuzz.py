"""Bad input everywhere: every route and every form of the app, as every role, with hostile values.

Two passes, both found from the app itself so new routes and forms are covered without
anyone adding them here:
- every route of the URL map with random ids, fields and values (Hypothesis);
- every form on every page a role can reach, each field in turn set to an extreme value
  while the others keep what the page filled in.
The promise under test: never a server error, whatever is sent. The two passes are sweeps
(`sweep` marker): coverage does not count the lines they reach, since they check nothing else.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from mentormatch import demo
from mentormatch.models import Role

# Logging out or switching language mid-run would only shrink what the rest of the run reaches.
SKIP = {"auth.logout", "auth.set_language", "static"}
# What ends the session it is sent in (with a valid form: the random pass has no other way out).
SESSION_ENDERS = {"POST auth.log_out_everywhere"}
ROLE_EMAIL = {role: email for email, role, *_ in demo.DEMO_ACCOUNTS}
ROLES = [None, Role.GUARDIAN, Role.YOUTH, Role.MENTOR, Role.COORDINATOR, Role.ADMIN]
# Three random requests per route and method, each sent as the role (logged in again whenever a
# route ends the session): 474 per role, over every route.
EXAMPLES_PER_ROUTE = 3
EXTREMES = ["", "x" * 6000, "99999999999999999999", "-1", "1e308", "NaN", "9999-12-31", "0001-01-01",
            "2026-02-30", "\x00ü漢🙂<b>", "25:99"]

nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(EXTREMES + ["0", "3.5", "'; DROP TABLE users; --", "on", "y", "95823", "mon-evening"]),
)
path_ints = st.one_of(st.integers(min_value=1, max_value=40), st.sampled_from([0, 2**31, 2**63, 10**20]))


def _field_names() -> list[str]:
    names, seen, pending = set(), set(), [FlaskForm]
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        pending.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted(names)


def _routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((rule.endpoint, method))
    return sorted(routes)


def _url(app, endpoint: str, draw) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    path = rule.rule
    for converter, name in re.findall(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", path):
        if converter == "int":
            value = str(draw(path_ints))
        elif converter == "any":
            options = re.search(rf"<any\(([^)]*)\):{name}>", path).group(1)
            value = draw(st.sampled_from([o.strip(" '\"") for o in options.split(",")]))
        else:
            value = draw(st.one_of(st.sampled_from(["guardian", "youth", "mentor", "x"]),
                                   st.text(alphabet="abcdef0123456789-_", min_size=1, max_size=60)))
        path = re.sub(rf"<[^>]*\b{name}>", value, path, count=1)
    return path


class Forms(HTMLParser):
    """The forms of a page: method, action, and each named field with the value the page gave it."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and (a.get("href") or "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").upper(), "action": a.get("action"), "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea", "button") and a.get("name"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self._form["fields"].setdefault(a["name"], "")
            else:
                self._form["fields"][a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _crawl(client, start: list[str], limit: int = 60) -> dict[str, Forms]:
    """GET pages breadth-first from `start`, staying on this site; returns each page's forms."""
    pages, queue = {}, list(start)
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in pages or "/logout" in url:
            continue
        response = client.get(url)
        pages[url] = parsed = Forms()
        if response.status_code == 200 and response.mimetype == "text/html":
            parsed.feed(response.get_data(as_text=True))
        response.close()
        queue.extend(link.split("#")[0] for link in parsed.links if link.split("#")[0] not in pages)
    return pages


@pytest.fixture
def database_url(demo_database_url):
    """Each test starts from the demo data set, copied from one seeded once (see `demo_database`)."""
    return demo_database_url


@pytest.fixture
def world(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def _login(browser, role):
    if role is not None:
        assert browser.login(ROLE_EMAIL[role], demo.DEMO_PASSWORD).status_code == 302


def _back_in(browser, role, ended_by: str, ended: set[str]) -> None:
    """Log in again if what was just sent ended the session ("log out everywhere", say), so the
    rest of the pass is still sent as `role`; notes what ended it."""
    if role is None:
        return
    response = browser.client.get("/account/settings")
    response.close()
    if response.status_code != 200:
        ended.add(ended_by)
        _login(browser, role)


def _send(browser, method: str, url: str, payload: dict, htmx: bool = False):
    if method == "POST":
        payload = {**payload, "csrf_token": browser.token}
        headers = {"HX-Request": "true", "X-CSRFToken": browser.token} if htmx else {}
        response = browser.client.post(url, data=payload, headers=headers)
    else:
        response = browser.client.get(url, query_string=payload)
    response.close()
    return response.status_code


@pytest.mark.sweep
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_route_fails_on_random_input(world, browser, role, capsys):
    _login(browser, role)
    fields = _field_names()
    failures, examples, ended = [], [], set()
    routes = list(_routes(world))
    for endpoint, method in routes:
        # No shrinking: the first failing input is reported as found, which keeps a failing run short.
        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(st.data())
        def fuzz(data):
            url = _url(world, endpoint, data.draw)
            chosen = data.draw(st.lists(st.sampled_from(fields), max_size=12, unique=True))
            payload = {name: data.draw(nasty_text) for name in chosen}
            status = _send(browser, method, url, payload, htmx=data.draw(st.booleans()))
            examples.append(status)
            assert status < 500, f"{method} {url} {payload!r} -> {status}"

        try:
            fuzz()
        except AssertionError as failure:
            failures.append(str(failure).splitlines()[0][:300])
        _back_in(browser, role, f"{method} {endpoint}", ended)
    with capsys.disabled():
        print(f"\nrandom input as {role.value if role else 'anonymous'}: {len(examples)} requests "
              f"over {len(routes)} routes and methods; logged in again after {sorted(ended)}")
    assert failures == []
    assert ended <= SESSION_ENDERS, "only logging out everywhere may end the session"


@pytest.mark.sweep
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_form_fails_on_extreme_values(world, browser, role, capsys):
    _login(browser, role)
    start = ["/", "/home"] + [r.rule for r in world.url_map.iter_rules()
                              if "GET" in r.methods and "<" not in r.rule and r.endpoint not in SKIP]
    pages = _crawl(browser.client, start)
    seen, failures, sent, ended = set(), [], 0, set()
    for page_url, parsed in pages.items():
        for form in parsed.forms:
            action = urlsplit(form["action"] or page_url).path
            key = (form["method"], re.sub(r"\d+", "N", action), tuple(sorted(form["fields"])))
            if key in seen or action.endswith(("/logout", "/language")):
                continue
            seen.add(key)
            base = {k: v for k, v in form["fields"].items() if k != "csrf_token"}
            for name in base:
                for value in EXTREMES:
                    status = _send(browser, form["method"], action, {**base, name: value})
                    sent += 1
                    if status >= 500:
                        failures.append(f"{form['method']} {action} {name}={value[:30]!r} -> {status}")
                _back_in(browser, role, f"{form['method']} {action}", ended)
    with capsys.disabled():
        print(f"\nextreme values as {role.value if role else 'anonymous'}: {sent} submissions "
              f"over {len(seen)} forms on {len(pages)} pages; logged in again after {sorted(ended)}")
    assert sent > 0 or role is None
    assert failures == []


def _plausible(name: str, n: int) -> str:
    """A value a person would type into an empty field, so the form gets as far as its e-mail."""
    if "email" in name:
        return f"fuzz{n}@example.org"
    if "password" in name or name == "confirm":
        # "confirm" repeats a password, or ticks a box: any non-empty value ticks it.
        return "correct horse battery staple 9"
    if name == "date_of_birth":
        from datetime import date

        return date(date.today().year - 16, 3, 15).isoformat()
    if name in ("first_name", "last_name", "typed_signature"):
        return {"first_name": "Pat", "last_name": "Example", "typed_signature": "Pat Example"}[name]
    if name in ("agree", "accept", "family_agreed"):
        return "y"
    return ""


def _fresh_addresses(base: dict, n: int) -> dict:
    """New addresses for each submission, so each registration or invitation can go through once."""
    return {k: f"fuzz{n}.{k}@example.org" for k in base if "email" in k}


HEADER_INJECTIONS = ["Ana\r\nBcc: intruder@example.org", "Ana\nSubject: hijacked", "Ana\rX-Evil: 1",
                     "Ana\x00Lopez", "Ana%0d%0aBcc: intruder@example.org"]
NAME_FIELD = re.compile(r"name|signature|email|relation")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "anonymous")
def test_no_name_field_smuggles_a_header_into_an_email(world, browser, role, capsys):
    """Every field that can reach an e-mail (names, signatures, addresses) with CR, LF or NUL in it:
    no server error, and every message written has one plain recipient and a one-line subject.

    Each form is first sent once as a person would fill it in (the control): the e-mails the
    controls write show that the pass reaches the e-mail path, so the checks of what the smuggling
    values write are not empty by accident (a visitor's pass once sent no valid token at all)."""
    from mentormatch import queue
    from mentormatch.extensions import db
    from mentormatch.models import OutboxMessage

    def written() -> int:
        queue.flush()
        return db.session.scalar(db.select(db.func.count(OutboxMessage.id)))

    _login(browser, role)
    already = written()
    if browser.token is None:
        browser.get("/account/login")  # a visitor's forms carry the token of the page they were on
    start = ["/", "/home"] + [r.rule for r in world.url_map.iter_rules()
                              if "GET" in r.methods and "<" not in r.rule and r.endpoint not in SKIP]
    pages = _crawl(browser.client, start)
    seen, failures, sent, ended, control_mail = set(), [], 0, set(), 0
    for page_url, parsed in pages.items():
        for form in parsed.forms:
            action = urlsplit(form["action"] or page_url).path
            key = (form["method"], re.sub(r"\d+", "N", action), tuple(sorted(form["fields"])))
            if form["method"] != "POST" or key in seen or action.endswith(("/logout", "/language")):
                continue
            seen.add(key)
            base = {k: v or _plausible(k, sent) for k, v in form["fields"].items() if k != "csrf_token"}
            names = [n for n in base if NAME_FIELD.search(n)]
            if names:
                before = written()
                _send(browser, "POST", action, {**base, **_fresh_addresses(base, sent)})
                sent += 1
                control_mail += written() - before
                _back_in(browser, role, f"POST {action}", ended)
            for name in names:
                for value in HEADER_INJECTIONS:
                    status = _send(browser, "POST", action, {**base, **_fresh_addresses(base, sent), name: value})
                    sent += 1
                    if status >= 500:
                        failures.append(f"POST {action} {name}={value!r} -> {status}")
                _back_in(browser, role, f"POST {action}", ended)
    smuggled_mail = written() - already - control_mail
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    for message in messages:
        if re.search(r"[\r\n\x00]", message.subject) or not re.fullmatch(r"[^\s@,;<>]+@[^\s@,;<>]+",
                                                                          message.to_address):
            failures.append(f"message {message.id}: to {message.to_address!r}, subject {message.subject!r}")
        if "intruder@example.org" in message.to_address:
            failures.append(f"message {message.id} went to the smuggled address")
    with capsys.disabled():
        print(f"\nheader injection as {role.value if role else 'anonymous'}: {sent} submissions over "
              f"{len(seen)} forms, {control_mail} e-mails from the controls and {smuggled_mail} from the rest; "
              f"logged in again after {sorted(ended)}")
    assert failures == []
    if role is None:
        # Registering, as a visitor does, writes a confirmation: the pass reached the e-mail path.
        assert control_mail > 0
