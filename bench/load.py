"""Load benchmark: the coordinator's busiest pages under gunicorn, driven by wrk on 127.0.0.1.

Seeds a throwaway PostgreSQL with 10,000 waitlisted youth, 2,000 cleared mentors and one
matching run, serves the app with gunicorn (2 workers), and measures with wrk at 20
connections: the coordinator dashboard, the proposals page, the waitlist and an approve
action, then a bare "hello" app under the same gunicorn as the machine's ceiling. The
account settings page, the lightest page behind the login, is measured too: it is the floor
that session, user loading and the layout put under every logged-in page. So is the least a
logged-in page can cost with the chosen packages (`bench/login_floor.py`): what of the gap
between the hello and the floor is the packages' own.

    .venv/bin/python bench/load.py [--youth 10000] [--mentors 2000] [--seconds 10]
        [--servers 2,3,4,2x4gthread] [--only floor]

Needs Debian's wrk and PostgreSQL (`apt-get install wrk postgresql`). Prints a table; it
asserts nothing.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from mentormatch import create_app  # noqa: E402
from mentormatch.demo import INTERESTS, SACRAMENTO_ZIPS, _slots  # noqa: E402
from mentormatch.extensions import db  # noqa: E402
from mentormatch.models import (  # noqa: E402
    Application, ApplicationStatus, Clearance, ClearanceKind, GuardianConsent, MatchFormat, Mentor,
    MentorStatus, Program, ProgramKind, Role, User, Youth, mentor_programs, utcnow,
)
from bench.login_floor import session_cookie  # noqa: E402
from tests.support.pgserver import ThrowawayPostgres  # noqa: E402

PASSWORD = "load-test-password"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) load-benchmark"
CONNECTIONS = 20

LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("MM %d %d %.3f %.3f %.3f %d %d\\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""

LUA_APPROVE = """
local ids = {%s}
local n = 0
request = function()
  n = n + 1
  local id = ids[(n %% #ids) + 1]
  return wrk.format("POST", "/coordinator/proposals/" .. id .. "/approve",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true",
     ["X-CSRFToken"] = "%s", ["Cookie"] = "%s", ["User-Agent"] = "%s"}, "")
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(app, youth_count: int, mentor_count: int) -> dict:
    """Bulk-insert a large program; returns what the load runs need."""
    rng = random.Random(7)
    today = date.today()
    with app.app_context():
        db.create_all()
        probe = User()
        probe.set_password(PASSWORD)
        program = Program(name="Large Explorer Post", slug="large", kind=ProgramKind.EXPLORING,
                          min_age=14, max_age=20, min_grade_completed=8, grade_rule_until_age=15,
                          match_format=MatchFormat.ONE_TO_ONE, default_capacity=3)
        coordinator = User(email="coordinator@load.example.org", role=Role.COORDINATOR, first_name="Load",
                           last_name="Tester", password_hash=probe.password_hash, email_confirmed_at=utcnow())
        db.session.add_all([program, coordinator])
        db.session.commit()
        languages = ["English", "Spanish", "Hmong", "Vietnamese", "Russian"]

        users = [dict(email=f"mentor{i}@load.example.org", role=Role.MENTOR, first_name=f"M{i}",
                      last_name="Officer", password_hash=probe.password_hash, locale="en",
                      is_active_account=True, session_version=1, created_at=utcnow(), email_confirmed_at=utcnow())
                 for i in range(mentor_count)]
        db.session.execute(sa.insert(User), users)
        user_ids = db.session.scalars(sa.select(User.id).where(User.role == Role.MENTOR).order_by(User.id)).all()
        mentors = [dict(user_id=uid, agency="SacPD", unit="Patrol", badge_number=str(1000 + i),
                        years_of_service=rng.randint(1, 25), youth_experience_years=float(rng.randint(0, 10)),
                        bio="Patrol officer who coaches youth sports and mentors students.",
                        interests=rng.sample(INTERESTS, 4), languages=["English"] + rng.sample(languages[1:], 1),
                        gender=rng.choice(["female", "male"]), zip_code=rng.choice(SACRAMENTO_ZIPS),
                        availability=_slots(rng, 5), capacity=3, status=MentorStatus.APPROVED,
                        approved_at=utcnow(), created_at=utcnow())
                   for i, uid in enumerate(user_ids)]
        db.session.execute(sa.insert(Mentor), mentors)
        mentor_ids = db.session.scalars(sa.select(Mentor.id).order_by(Mentor.id)).all()
        db.session.execute(sa.insert(mentor_programs), [{"mentor_id": m, "program_id": program.id} for m in mentor_ids])
        clearances = [dict(mentor_id=m, kind=kind, completed_on=today - timedelta(days=60),
                           expires_on=None if kind is ClearanceKind.INTERVIEW else today + timedelta(days=600),
                           passed=True, reference="", notes="", verified_by_id=coordinator.id,
                           verified_at=utcnow(), created_at=utcnow())
                      for m in mentor_ids for kind in ClearanceKind]
        db.session.execute(sa.insert(Clearance), clearances)

        youth = []
        for i in range(youth_count):
            age = rng.randint(15, 20)
            youth.append(dict(first_name=f"Y{i}", last_name="Applicant",
                              date_of_birth=today - timedelta(days=age * 365 + rng.randint(10, 300)),
                              grade_completed=min(12, age - 6), school="", zip_code=rng.choice(SACRAMENTO_ZIPS),
                              gender=rng.choice(["female", "male"]), languages=["English"],
                              interests=rng.sample(INTERESTS, 3), goals="I want to learn about police work.",
                              availability=_slots(rng, 4), guardian_email=f"parent{i}@load.example.org",
                              created_at=utcnow()))
        db.session.execute(sa.insert(Youth), youth)
        youth_ids = db.session.scalars(sa.select(Youth.id).order_by(Youth.id)).all()
        applications = [dict(youth_id=y, program_id=program.id, status=ApplicationStatus.WAITLISTED, draft_step=5,
                             created_at=utcnow(), status_changed_at=utcnow(),
                             waiting_since=utcnow() - timedelta(days=rng.randint(1, 400)))
                        for y in youth_ids]
        db.session.execute(sa.insert(Application), applications)
        application_ids = db.session.scalars(sa.select(Application.id).order_by(Application.id)).all()
        db.session.execute(sa.insert(GuardianConsent), [
            dict(application_id=a, guardian_email=f"parent{a}@load.example.org", relation="Mother",
                 typed_signature="Parent", consented_at=utcnow()) for a in application_ids])
        db.session.commit()

        from mentormatch import matching_service

        started = time.perf_counter()
        run = matching_service.start_run(program, coordinator, inline=True)
        seconds = time.perf_counter() - started
        from mentormatch.models import MatchProposal, ProposalStatus

        pending = db.session.scalars(sa.select(MatchProposal.id).where(
            MatchProposal.run_id == run.id, MatchProposal.status == ProposalStatus.PENDING)).all()
        return {"program_id": program.id, "run_id": run.id, "proposals": pending, "run_seconds": seconds,
                "run_status": run.status.value, "coordinator_id": coordinator.id}


def settle(app) -> None:
    """Give the seeded tables what a database in service has, planner statistics and a visibility
    map: freshly bulk-loaded tables have neither until autovacuum comes round."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {Path(process.log_path).read_text()[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError("server did not start")


def serve(app_spec: str, env: dict, workers: int = 2, worker_class: str = "sync",
          threads: int = 1) -> tuple[subprocess.Popen, int]:
    port = free_port()
    # The server's log goes to a file: an unread pipe would fill and stall the workers.
    log = tempfile.NamedTemporaryFile("w+b", prefix="mentormatch-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(workers),
                                "--worker-class", worker_class, "--threads", str(threads),
                                "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    process.log_path = log.name
    wait_for(port, process)
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def log_in(base: str) -> tuple[str, str]:
    """Log the coordinator in; return the session cookie header and a CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # One browser throughout: a login seen from another User-Agent is marked not fresh, and that
    # would rewrite the session cookie on every request of the run, which no real browser causes.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/account/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": "coordinator@load.example.org",
                                   "password": PASSWORD}).encode()
    opener.open(f"{base}/account/login", data=body)
    home = opener.open(f"{base}/home").read().decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, token


def wrk(url: str, seconds: int, script: str, cookie: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", handle.name, "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    fields = re.search(r"^MM (.*)$", output, re.M).group(1).split()
    requests, duration_us = int(fields[0]), int(fields[1])
    return {"rps": requests / (duration_us / 1e6), "p50": float(fields[2]), "p95": float(fields[3]),
            "p99": float(fields[4]), "non2xx": int(fields[5]), "socket_errors": int(fields[6]),
            "requests": requests}


def parse_servers(text: str) -> list[tuple[int, str, int]]:
    """"2,3,4x2gthread" -> [(2, "sync", 1), (3, "sync", 1), (4, "gthread", 2)]: workers, class, threads."""
    servers = []
    for item in text.split(","):
        found = re.fullmatch(r"(\d+)(?:x(\d+)(\w+))?", item.strip())
        if not found:
            raise SystemExit(f"--servers: {item!r} is not N or NxTgthread")
        workers, threads, kind = found.groups()
        servers.append((int(workers), kind or "sync", int(threads or 1)))
    return servers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--youth", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--servers", default="2", help="gunicorn set-ups to compare: workers, or "
                        "workers x threads and class, e.g. 2,3,4,2x4gthread (default 2 sync workers)")
    parser.add_argument("--only", default="", help="measure only endpoints whose name has this text, e.g. floor")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    server = ThrowawayPostgres()
    url = server.start()
    tables = []
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": ""})
        started = time.perf_counter()
        seeded = seed(app, args.youth, args.mentors)
        print(f"seeded {args.youth} youth, {args.mentors} mentors in {time.perf_counter() - started:.1f} s; "
              f"matching run {seeded['run_status']} in {seeded['run_seconds']:.1f} s with "
              f"{len(seeded['proposals'])} pending proposals")
        settle(app)
        # The servers hand their jobs (an approval's e-mail) to a queue file of the run's own, which
        # no worker reads: what is measured is the request.
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-benchmark-secret-key-0123456789abcdef",
                   MENTORMATCH_ENV="production", RATELIMIT_STORAGE_URI="memory://", APP_BASE_URL="http://127.0.0.1",
                   JOBS_SQLITE_PATH=str(Path(tempfile.mkdtemp(prefix="mentormatch-jobs-")) / "jobs.db"))
        pages = [
            # The lightest page behind the login: session, user and layout, no queue to read.
            ("account settings (floor)", "/account/settings"),
            ("coordinator dashboard", "/home"),
            ("proposals page", f"/coordinator/runs/{seeded['run_id']}"),
            ("waitlist", f"/coordinator/programs/{seeded['program_id']}/waitlist"),
        ]
        pages = [(name, path) for name, path in pages if args.only in name]
        approvals = list(seeded["proposals"])
        for workers, worker_class, threads in parse_servers(args.servers):
            setup = f"gunicorn {workers} {worker_class} worker{'s' if workers > 1 else ''}" + \
                (f" x {threads} threads" if threads > 1 else "")
            rows = []
            process, port = serve("wsgi:app", env, workers, worker_class, threads)
            base = f"http://127.0.0.1:{port}"
            try:
                cookie, token = log_in(base)
                for name, path in pages:
                    rows.append((name, wrk(base + path, args.seconds, LUA_REPORT, cookie)))
                    print(f"{setup}: {name} {rows[-1][1]['rps']:.0f} req/s", flush=True)
                if args.only in "approve action":
                    # Each set-up approves proposals no earlier one has touched.
                    share = approvals[: len(approvals) // 2]
                    approvals = approvals[len(share):]
                    approve = LUA_APPROVE % (",".join(map(str, share)), token, cookie, USER_AGENT) + LUA_REPORT
                    rows.append(("approve action", wrk(base + "/", args.seconds, approve)))
            finally:
                stop(process)
            hello, port = serve("bench.hello:app", env, workers, worker_class, threads)
            try:
                ceiling = wrk(f"http://127.0.0.1:{port}/", args.seconds, LUA_REPORT)
            finally:
                stop(hello)
            # After the hello, so the hello is measured as it always was, straight after the app.
            least, port = serve("bench.login_floor:app", env, workers, worker_class, threads)
            try:
                rows.append(("least logged-in page", wrk(f"http://127.0.0.1:{port}/", args.seconds, LUA_REPORT,
                                                         session_cookie(env["SECRET_KEY"], seeded["coordinator_id"]))))
            finally:
                stop(least)
            tables.append((setup, rows, ceiling))
    finally:
        server.stop()

    for setup, rows, ceiling in tables:
        floor = next((r for name, r in rows if name.endswith("(floor)")), None)
        print(f"\nwrk -t2 -c{CONNECTIONS} -d{args.seconds}s, {setup}, PostgreSQL, {os.cpu_count()} cores")
        print(f"{'endpoint':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'% of hello':>12}"
              f"{'% of floor':>12}{'non-2xx':>9}")
        for name, r in rows + [("bare hello (ceiling)", ceiling)]:
            share = 100 * r["rps"] / ceiling["rps"]
            of_floor = f"{100 * r['rps'] / floor['rps']:>11.0f}%" if floor else f"{'-':>12}"
            print(f"{name:<26}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{share:>11.0f}%"
                  f"{of_floor}{r['non2xx']:>9}")


if __name__ == "__main__":
    main()
