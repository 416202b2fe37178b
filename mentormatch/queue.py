"""The job queue: work that follows a committed change runs on workers, never in the request.

Huey carries the jobs. Its storage is a SQLite file beside the database by default (one
machine, any number of worker processes), or Redis when `REDIS_URL` is set, so that many web
servers and many workers on many machines share one queue.

The queue is the transport, not the record: what must happen is written in the database in
the same transaction as the change that causes it (a domain event, an e-mail in the outbox,
a matching run's row). A job names that row; it is handed to Huey only after the transaction
commits (`after_commit`), and a sweep every minute hands on again any row whose job was lost
(a worker killed mid-job, a server that stopped between its commit and the hand-over). Every
job is idempotent, so a row handed on twice is done once.

In tests Huey runs in immediate mode: jobs run in the caller's thread, at `flush()`.
"""
from __future__ import annotations

import logging
import os
import threading
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, has_app_context
from huey import RedisHuey, SqliteHuey

from mentormatch.extensions import db

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
_READY = "mentormatch.jobs_ready"
_STAGED = "mentormatch.jobs_staged"


def make_huey() -> SqliteHuey | RedisHuey:
    """The queue's storage from the environment: Redis at REDIS_URL, else a SQLite file."""
    url = os.environ.get("REDIS_URL")
    if url:
        return RedisHuey("mentormatch", url=url, results=False, utc=True)
    path = os.environ.get("JOBS_SQLITE_PATH") or str(ROOT / "instance" / "jobs.db")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("mentormatch", filename=path, results=False, utc=True)


huey = make_huey()
# name -> Huey task; jobs are looked up by name so that feature modules need not import them.
TASKS: dict[str, Any] = {}
_worker_app: Optional[Flask] = None
_worker_app_lock = threading.Lock()


def worker_app() -> Flask:
    """The app a worker process runs its jobs in, built once from the environment."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from mentormatch import create_app

            _worker_app = create_app()
    return _worker_app


def job(schedule: Optional[Callable] = None, **options: Any) -> Callable[[Callable], Any]:
    """Make a function a queue job, run with an app context and with its own follow-up jobs
    handed on when it returns; with a `schedule` (a huey crontab), the scheduler runs it."""

    def decorate(function: Callable) -> Any:
        @wraps(function)
        def run(*args: Any) -> Any:
            if has_app_context():
                result = function(*args)
                flush()
                return result
            with worker_app().app_context():
                try:
                    result = function(*args)
                    flush()
                    return result
                finally:
                    db.session.remove()

        if schedule is not None:
            task = huey.periodic_task(schedule, name=function.__name__, **options)(run)
        else:
            task = huey.task(name=function.__name__, **options)(run)
        TASKS[function.__name__] = task
        return task

    return decorate


def after_commit(name: str, *args: Any, session: Optional[so.Session] = None) -> None:
    """Run job `name` with `args` once the current transaction commits; never if it rolls back."""
    session = session or db.session()
    session.info.setdefault(_STAGED, []).append((name, args))


def flush() -> None:
    """Hand the jobs of committed transactions to the queue (in immediate mode: run them)."""
    if not has_app_context():
        return
    session = db.session()
    ready = session.info.get(_READY)
    while ready:
        name, args = ready.pop(0)
        try:
            TASKS[name](*args)
        except Exception:  # the row stays for the sweep to hand on again
            log.exception("Could not queue job %s%r", name, args)


@sa.event.listens_for(so.Session, "after_commit")
def _ready_after_commit(session: so.Session) -> None:
    staged = session.info.pop(_STAGED, None)
    if staged:
        session.info.setdefault(_READY, []).extend(staged)


@sa.event.listens_for(so.Session, "after_rollback")
def _drop_after_rollback(session: so.Session) -> None:
    session.info.pop(_STAGED, None)


def init_app(app: Flask) -> None:
    """Hand on the request's committed jobs when its response is ready."""

    @app.after_request
    def hand_on_jobs(response):
        flush()
        return response
