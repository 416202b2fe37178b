"""Where a logged-in page's time goes: one page requested many times, in process, under cProfile.

Seeds a throwaway PostgreSQL the way `bench/load.py` does (smaller by default), builds the app
with the production settings the load benchmark's servers use, logs the coordinator in, and
calls the WSGI app directly (no test client, no server) so that what is timed is the app's own
work. Prints the time per request, the CPU per request of this process and of PostgreSQL, the
statements with the time each waits on the database, a breakdown by where the time goes (session
and user loading, SQL, templates, CSRF, translations, URL building, ...), and the functions with
the most time of their own.

    .venv/bin/python bench/profile_page.py [--path /account/settings] [--requests 2000]
        [--youth 2000] [--mentors 400]

`--path` may name `{run}` or `{program}` for the seeded run and program, e.g.
`--path /coordinator/runs/{run}`; `--approve` profiles approving the run's proposals in place
(one each, as the proposals page posts them) instead. It asserts nothing.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.load import PASSWORD, seed, settle  # noqa: E402
from mentormatch.extensions import db  # noqa: E402
from tests.support.pgserver import ThrowawayPostgres  # noqa: E402

# Where a function's own time is counted: the first rule whose pattern its file or name matches.
CATEGORIES = [
    ("database driver and pool", r"psycopg|sqlalchemy/pool|sqlalchemy/engine"),
    ("ORM (statements, loading rows)", r"sqlalchemy/"),
    ("templates (Jinja)", r"jinja2/|\.html|<template>"),
    ("CSRF and forms", r"flask_wtf|wtforms|itsdangerous"),
    ("translations (Babel)", r"babel/|flask_babel"),
    ("URL building and routing", r"werkzeug/routing"),
    ("session and login", r"flask_login|mentormatch/sessions\.py|flask/sessions"),
    ("rate limits", r"flask_limiter|limits/"),
    ("werkzeug (request, response)", r"werkzeug/"),
    ("Flask", r"flask/"),
    ("mentormatch", r"mentormatch/"),
]


def environ_for(path: str, cookie: str, token: str = "") -> dict:
    path, _, query = path.partition("?")
    extra = {"REQUEST_METHOD": "POST", "HTTP_HX_REQUEST": "true", "HTTP_X_CSRFTOKEN": token,
             "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "0"} if token else {}
    return extra | {
        "REQUEST_METHOD": "POST" if token else "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_COOKIE": cookie, "HTTP_USER_AGENT": "profile",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
        "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def call(app, environ: dict) -> tuple[str, bytes]:
    status = []
    body = b"".join(app(dict(environ, **{"wsgi.input": io.BytesIO(b"")}),
                        lambda s, headers, exc_info=None: status.append(s)))
    return status[0], body


def log_in(app) -> tuple[str, str]:
    """Log the coordinator in; the session cookie and the CSRF token its pages carry."""
    client = app.test_client()
    # The same browser as the profiled requests: a login seen from another one is marked not
    # fresh, which would rewrite the session cookie on every request.
    client.environ_base["HTTP_USER_AGENT"] = "profile"
    page = client.get("/account/login", base_url="http://127.0.0.1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/account/login", data={"csrf_token": token, "email": "coordinator@load.example.org",
                                        "password": PASSWORD}, base_url="http://127.0.0.1")
    home = client.get("/home", base_url="http://127.0.0.1").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values()), token


def server_cpu_seconds(server: ThrowawayPostgres) -> float:
    """CPU time (user and system) of the throwaway PostgreSQL: its postmaster and every process it started."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while the folder was read
            continue
        if int(stat.parent.name) == postmaster or int(fields[1]) == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def category(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for label, pattern in CATEGORIES:
        if re.search(pattern, where):
            return label
    return "other (Python, standard library)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/account/settings")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--youth", type=int, default=2000)
    parser.add_argument("--mentors", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--approve", action="store_true", help="profile approving proposals in place")
    args = parser.parse_args()

    server = ThrowawayPostgres()
    url = server.start()
    try:
        os.environ.update(DATABASE_URL=url, SECRET_KEY="profile-benchmark-secret-key-0123456789abcdef",
                          MENTORMATCH_ENV="production", RATELIMIT_STORAGE_URI="memory://",
                          APP_BASE_URL="http://127.0.0.1",
                          JOBS_SQLITE_PATH=str(Path(tempfile.mkdtemp(prefix="mentormatch-jobs-")) / "jobs.db"))
        from mentormatch import create_app

        app = create_app({"MAIL_SERVER": ""})
        seeded = seed(app, args.youth, args.mentors)
        settle(app)
        path = args.path.format(run=seeded["run_id"], program=seeded["program_id"])
        cookie, token = log_in(app)
        environ = environ_for(path, cookie)
        status, body = call(app, environ)
        if not status.startswith("200"):
            sys.exit(f"{path} answered {status}")
        if args.approve:
            proposals = iter(seeded["proposals"])
            needed = 200 + 1 + 3 * args.requests
            if len(seeded["proposals"]) < needed:
                sys.exit(f"--approve needs {needed} pending proposals; seed more youth and mentors")

            def environ_next():
                return environ_for(f"/coordinator/proposals/{next(proposals)}/approve", cookie, token)
        else:
            def environ_next():
                return environ
        for _ in range(200):  # warm: templates compiled, statements cached, pool filled
            call(app, environ_next())
        statements = []

        def note(conn, cursor, statement, parameters, context, executemany):
            statements.append(" ".join(statement.split())[:110])

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", note)
        status, body = call(app, environ_next())
        sa.event.remove(engine, "before_cursor_execute", note)
        if not status.startswith("200"):
            sys.exit(f"answered {status}: {body[:300]!r}")
        if args.approve:
            path = "approving a proposal in place"

        started = time.perf_counter()
        for _ in range(args.requests):
            call(app, environ_next())
        plain = (time.perf_counter() - started) / args.requests
        # The same again, as CPU: this process's, and the database server's (both share the cores
        # under load, so together they bound the requests per second two cores can serve).
        cpu, server_cpu = time.process_time(), server_cpu_seconds(server)
        for _ in range(args.requests):
            call(app, environ_next())
        cpu = (time.process_time() - cpu) / args.requests
        server_cpu = (server_cpu_seconds(server) - server_cpu) / args.requests

        # Each statement's time from sending it to its rows read, and the pool's ping, the commit's
        # and the rollback's: what of a request is spent waiting on the database, step by step.
        # (psycopg sends BEGIN with a transaction's first statement: its time is in that one's.)
        waits: dict[str, list[float]] = defaultdict(list)
        sent: list[float] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            sent.append(time.perf_counter())

        def after(conn, cursor, statement, parameters, context, executemany):
            waits[" ".join(statement.split())[:110]].append(time.perf_counter() - sent.pop())

        def timed(name: str, step):
            def run(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return step(*args, **kwargs)
                finally:
                    waits[name].append(time.perf_counter() - started)
            return run

        dialect = engine.dialect
        steps = {name: getattr(dialect, name) for name in ("do_ping", "do_commit", "do_rollback")}
        for name, step in steps.items():
            setattr(dialect, name, timed(name.removeprefix("do_").upper(), step))
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        started = time.perf_counter()
        for _ in range(args.requests):
            call(app, environ_next())
        timed_total = time.perf_counter() - started
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        for name in steps:
            delattr(dialect, name)

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            call(app, environ_next())
        profile.disable()
    finally:
        server.stop()

    stats = pstats.Stats(profile)
    total = sum(row[2] for row in stats.stats.values())
    by_category: dict[str, float] = defaultdict(float)
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        by_category[category(filename, name)] += own
    print(f"{path}: {plain * 1000:.2f} ms per request without the profiler ({len(body):,} bytes, "
          f"{args.requests} requests, {args.youth} youth, {args.mentors} mentors, PostgreSQL)")
    print(f"CPU per request: {cpu * 1000:.2f} ms in this process, {server_cpu * 1000:.2f} ms in PostgreSQL")
    print(f"\n{len(statements)} statements per request (the pool's ping, BEGIN and ROLLBACK besides):")
    for statement in statements:
        print(f"  {statement}")
    waited = sum(sum(times) for times in waits.values()) / args.requests
    print(f"\nwaiting on the database, per request: {waited * 1000:.2f} ms of "
          f"{timed_total / args.requests * 1000:.2f} ms (median of each step; times it ran per request)")
    for statement, times in sorted(waits.items(), key=lambda item: -sum(item[1])):
        print(f"  {statistics.median(times) * 1000:>6.3f} ms  x{len(times) / args.requests:<4.2g} {statement}")
    print(f"\nown time by where it is spent (profiled: {total / args.requests * 1000:.2f} ms per request)")
    for label, own in sorted(by_category.items(), key=lambda item: -item[1]):
        print(f"  {label:<36}{100 * own / total:>6.1f}%  {own / args.requests * 1000:>7.3f} ms")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n" + out.getvalue().split("\n", 6)[-1])
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top + 15)
    print(out.getvalue().split("\n", 6)[-1])


if __name__ == "__main__":
    main()
