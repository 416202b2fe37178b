"""Two app servers against one database: a user's session moves between them."""
from __future__ import annotations

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mentormatch.extensions import db
from tests.builders import PASSWORD, make_user
from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode())
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server on {port} did not start")


@pytest.fixture
def two_servers(app):
    env = dict(os.environ, DATABASE_URL=str(db.engine.url.render_as_string(hide_password=False)),
               SECRET_KEY="shared-secret-for-both-servers-0123456789", MENTORMATCH_ENV="production",
               APP_BASE_URL="http://127.0.0.1")
    servers = []
    for _ in range(2):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        servers.append((port, process))
    try:
        for port, process in servers:
            _wait_for(port, process)
        yield [f"http://127.0.0.1:{port}" for port, _ in servers]
    finally:
        # Both shut down at once: each takes seconds to stop gracefully.
        for _, process in servers:
            process.terminate()
        for _, process in servers:
            process.wait(10)
            process.stderr.close()


def test_a_session_started_on_one_server_works_on_the_other(app, two_servers):
    user = make_user(first_name="Jordan")
    first, second = two_servers
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login_page = opener.open(f"{first}/account/login").read().decode()
    form = urllib.parse.urlencode({"csrf_token": csrf_token_from(login_page), "email": user.email,
                                   "password": PASSWORD}).encode()
    opener.open(f"{first}/account/login", data=form)
    home_on_second = opener.open(f"{second}/home")
    assert home_on_second.geturl().endswith("/home")
    assert "Welcome, Jordan" in home_on_second.read().decode()
    # A form rendered by one server is accepted by the other: CSRF state lives in the signed cookie.
    page = opener.open(f"{second}/home").read().decode()
    logout = urllib.parse.urlencode({"csrf_token": csrf_token_from(page)}).encode()
    opener.open(f"{first}/account/logout", data=logout)
    assert opener.open(f"{second}/home").geturl().endswith("/account/login?next=%2Fhome")
