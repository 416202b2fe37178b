"""The job queue with real workers: Huey consumer processes on SQLite storage and on Redis, two web
servers and two workers sharing one database and one Redis, and a worker killed mid-job."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey.storage import RedisStorage, SqliteStorage

from mentormatch import matching_service, queue
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    DomainEvent,
    MatchingRun,
    MatchProposal,
    MessageStatus,
    OutboxMessage,
    Role,
    RunStatus,
    Youth,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth
from tests.support.redisserver import ThrowawayRedis

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_server():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


@contextmanager
def real_queue(storage):
    """This process hands jobs to `storage` (as a web server does) instead of running them itself."""
    queue.huey.immediate = False
    fallback = queue.huey.storage
    queue.huey.storage = storage
    try:
        yield
    finally:
        queue.huey.storage = fallback
        queue.huey.immediate = True


def process_env(database_url: str, smtp, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "JOBS_SQLITE_PATH")}
    env.update(DATABASE_URL=database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port),
               APP_BASE_URL="http://mentormatch.test", SECRET_KEY="queue-test-" + "x" * 40,
               PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def start_worker(env: dict[str, str], log: Path, workers: int = 2) -> subprocess.Popen:
    return spawn([sys.executable, "-m", "huey.bin.huey_consumer", "mentormatch.jobs.huey", "--workers", str(workers),
                  "--worker-type", "thread", "--no-periodic", "--max-delay", "0.2", "--delay", "0.05"], env, log)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_until(condition, seconds: float = 90.0, what: str = "the jobs") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        if condition():
            return
        db.session.rollback()
        time.sleep(0.2)
    raise AssertionError(f"Timed out waiting for {what}")


def small_program(youth: int = 3, mentors: int = 2):
    program = make_program()
    for _ in range(youth):
        make_application(make_youth(age=19, guardian=make_user(Role.GUARDIAN)), program)
    for _ in range(mentors):
        make_mentor(programs=[program])
    return program


def outbox_counts() -> dict[MessageStatus, int]:
    return dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                   .group_by(OutboxMessage.status)).all())


def all_done() -> bool:
    undispatched = db.session.scalar(sa.select(sa.func.count(DomainEvent.id)).where(DomainEvent.dispatched_at.is_(None)))
    open_runs = db.session.scalar(sa.select(sa.func.count(MatchingRun.id))
                                  .where(MatchingRun.status != RunStatus.DONE))
    counts = outbox_counts()
    return not undispatched and not open_runs and set(counts) <= {MessageStatus.SENT}


def check_exactly_once(smtp) -> None:
    """Every message sent once, every run done once: nothing lost, nothing twice."""
    sent = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    smtp.inbox.wait_for(sent, 10)
    time.sleep(0.5)  # a duplicate would arrive now
    assert len(smtp.inbox.messages) == sent
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == sent
    for run in db.session.scalars(sa.select(MatchingRun)):
        assert run.status is RunStatus.DONE and run.attempts == 1, (run.id, run.status, run.attempts, run.error)
        stored = db.session.scalar(sa.select(sa.func.count(MatchProposal.id)).where(MatchProposal.run_id == run.id))
        assert stored == run.proposal_count


def make_work(messages: int, programs: int) -> None:
    """Jobs as a web server leaves them: e-mails in the outbox and matching runs, handed on at commit."""
    for n in range(messages):
        from mentormatch import mail

        mail.queue_message(f"family{n}@example.org", "News about your application", "welcome", "en",
                           user=make_user(Role.GUARDIAN, first_name=f"Pat{n}"), link="http://x")
        db.session.commit()
    for _ in range(programs):
        matching_service.start_run(small_program(), None)


@pytest.mark.parametrize("storage_kind", ["sqlite", "redis"])
def test_a_huey_consumer_process_runs_every_job_once(app, database_url, smtp, tmp_path, storage_kind, request):
    if storage_kind == "redis":
        redis = request.getfixturevalue("redis_server")
        storage, extra = RedisStorage(name="mentormatch", url=redis.url), {"REDIS_URL": redis.url}
    else:
        path = str(tmp_path / "jobs.db")
        storage, extra = SqliteStorage(name="mentormatch", filename=path), {"JOBS_SQLITE_PATH": path}
    with real_queue(storage):
        make_work(messages=20, programs=3)
        queue.flush()
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 20
        assert smtp.inbox.messages == []  # nothing ran in this process
        worker = start_worker(process_env(database_url, smtp, **extra), tmp_path / "worker.log")
        try:
            wait_until(all_done)
        finally:
            stop(worker)
    check_exactly_once(smtp)


# ---------------------------------------------------------------- web servers and workers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    process = spawn([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "2", "--bind",
                     f"127.0.0.1:{port}", "wsgi:app"], env, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the web server did not start")


class WebClient:
    """A person at a browser, over real HTTP: cookies kept, CSRF token read from each form."""

    TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers={"Host": "mentormatch.test"})
        with self.opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()

    def post(self, path: str, data: dict, form_page: str) -> int:
        _status, page = self.get(form_page)
        token = self.TOKEN.search(page).group(1)
        body = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Host": "mentormatch.test"})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response


def test_two_web_servers_and_two_workers_on_one_database_and_one_redis_lose_nothing(
        app, database_url, smtp, tmp_path, redis_server):
    coordinator = make_user(Role.COORDINATOR, email="coord@example.org")
    programs = [small_program() for _ in range(60)]
    env = process_env(database_url, smtp, REDIS_URL=redis_server.url)
    webs = [start_web(env, tmp_path / f"web{n}.log") for n in range(2)]
    workers = [start_worker(env, tmp_path / f"worker{n}.log") for n in range(2)]
    try:
        clients = [WebClient(base) for _process, base in webs]
        for client in clients:
            assert client.post("/account/login", {"email": coordinator.email, "password": PASSWORD},
                               "/account/login") == 302
        for n, program in enumerate(programs):
            client = clients[n % 2]
            status = client.post(f"/coordinator/programs/{program.id}/runs", {},
                                 f"/coordinator/programs/{program.id}/matching")
            assert status == 302
        # Each decision e-mails a family and a mentor: two events, each with its e-mail jobs.
        wait_until(lambda: db.session.scalar(sa.select(sa.func.count(MatchingRun.id))
                                             .where(MatchingRun.status == RunStatus.DONE)) == len(programs),
                   what="the matching runs")
        proposals = db.session.scalars(sa.select(MatchProposal.id).order_by(MatchProposal.id)).all()
        for n, proposal_id in enumerate(proposals[:60]):
            run_id = db.session.get(MatchProposal, proposal_id).run_id
            assert clients[n % 2].post(f"/coordinator/proposals/{proposal_id}/approve", {},
                                       f"/coordinator/runs/{run_id}") == 302
        wait_until(all_done, what="the events and e-mails")
    finally:
        for process in workers:
            stop(process)
        for process, _base in webs:
            stop(process)
    events = db.session.scalar(sa.select(sa.func.count(DomainEvent.id)).where(DomainEvent.kind == "proposal.approved"))
    assert events == 60
    # 60 runs, 60 approval events and 120 e-mails: at least 240 jobs, none lost or run twice.
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) >= 120
    check_exactly_once(smtp)


def big_program(youth: int, mentors: int):
    """A program large enough that a run takes seconds, written in one transaction."""
    program = make_program()
    for n in range(youth):
        young = Youth(first_name=f"Y{n}", last_name="Big", date_of_birth=utcnow().date() - timedelta(days=19 * 366),
                      zip_code="95823", gender="female", languages=["English"], interests=["robotics", "art"][: 1 + n % 2],
                      availability=["tue-evening", "sat-morning"][: 1 + n % 2], goals="I like robots and dogs")
        db.session.add(Application(youth=young, program=program, status=ApplicationStatus.WAITLISTED, draft_step=5,
                                   waiting_since=utcnow() - timedelta(days=n % 300)))
    db.session.commit()
    for _ in range(mentors):
        make_mentor(programs=[program], capacity=2)
    return program


def test_a_worker_killed_mid_run_leaves_the_run_to_be_run_again_and_completed(
        app, database_url, smtp, tmp_path, redis_server):
    program = big_program(3000, 150)
    env = process_env(database_url, smtp, REDIS_URL=redis_server.url, RUN_STALE_SECONDS="1")
    with real_queue(RedisStorage(name="mentormatch", url=redis_server.url)):
        run = matching_service.start_run(program, None)
        queue.flush()
    worker = start_worker(env, tmp_path / "worker1.log", workers=1)
    try:
        wait_until(lambda: db.session.get(MatchingRun, run.id).status is RunStatus.RUNNING, 60, "the run to start")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        stop(worker)
    db.session.expire_all()
    killed = db.session.get(MatchingRun, run.id)
    assert killed.status is RunStatus.RUNNING, "the run finished before the worker could be killed"
    assert db.session.scalar(sa.select(sa.func.count(MatchProposal.id))) == 0
    time.sleep(1.5)  # the heartbeat goes stale
    replacement = start_worker(env, tmp_path / "worker2.log", workers=1)
    try:
        # The minute's sweep, run now: the stale run goes back on the queue for the new worker.
        swept = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi.py", "run-scheduled", "sweep"],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert swept.returncode == 0, swept.stderr
        assert "runs: 1" in swept.stdout
        wait_until(lambda: db.session.get(MatchingRun, run.id).status is RunStatus.DONE, 120, "the run to finish")
    finally:
        stop(replacement)
    done = db.session.get(MatchingRun, run.id)
    assert done.attempts == 2
    stored = db.session.scalar(sa.select(sa.func.count(MatchProposal.id)).where(MatchProposal.run_id == run.id))
    assert stored == done.proposal_count > 0
    assert db.session.scalar(sa.select(sa.func.count(Application.id))
                             .where(Application.program_id == program.id)) == 3000
