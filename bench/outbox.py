"""Outbox benchmark: workers drain 10,000 e-mails to a local SMTP sink, with 1 and with 4 workers.

Writes the messages into the outbox of a throwaway PostgreSQL (as the consequences of events
would), hands their jobs to a Redis queue, then starts a real Huey consumer process with N worker
threads and times it until every message is sent. Each N starts from the same 10,000 pending
messages. The sink is an SMTP server on a loopback port that accepts and counts.

    .venv/bin/python bench/outbox.py [--messages 10000] [--workers 1 4]

Needs PostgreSQL and redis-server (`make test` installs both). Prints, per worker count:
messages sent, wall time (worker start included), the time from the first message sent to the
last, messages per second over that time, and how many arrived twice.
"""
from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from huey.storage import RedisStorage  # noqa: E402

from mentormatch import create_app, queue  # noqa: E402
from mentormatch.extensions import db  # noqa: E402
from mentormatch.models import MessageStatus, OutboxMessage, utcnow  # noqa: E402
from tests.support.pgserver import ThrowawayPostgres  # noqa: E402
from tests.support.redisserver import ThrowawayRedis  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402


def seed(count: int) -> None:
    now = utcnow()
    db.session.execute(sa.insert(OutboxMessage), [
        dict(to_address=f"family{n}@bench.example.org", subject="News about your application",
             body="Hello,\n\nA coordinator has reviewed the application.\n\nMentorMatch\n", template="bench",
             locale="en", status=MessageStatus.PENDING, attempts=0, created_at=now, next_attempt_at=now)
        for n in range(count)])
    db.session.commit()


def reset() -> list[int]:
    db.session.execute(sa.update(OutboxMessage).values(status=MessageStatus.PENDING, attempts=0, sent_at=None,
                                                       claimed_at=None, next_attempt_at=utcnow()))
    db.session.commit()
    return list(db.session.scalars(sa.select(OutboxMessage.id).order_by(OutboxMessage.id)))


def drain(app, ids: list[int], workers: int, env: dict[str, str], sink: SmtpServer) -> tuple[float, float, int, int]:
    sink.inbox.messages.clear()
    with app.app_context():
        for message_id in ids:
            queue.TASKS["deliver_message"](message_id)
    consumer = subprocess.Popen(
        [sys.executable, "-m", "huey.bin.huey_consumer", "mentormatch.jobs.huey", "--workers", str(workers),
         "--worker-type", "thread", "--no-periodic", "--quiet", "--delay", "0.01", "--max-delay", "0.1"],
        cwd=ROOT, env=env)
    began = time.perf_counter()
    try:
        with app.app_context():
            while True:
                pending = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                                            .where(OutboxMessage.status != MessageStatus.SENT))
                db.session.rollback()
                if not pending:
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - began
            # From the first message sent to the last: the draining itself, without the worker's start.
            first, last = db.session.execute(sa.select(sa.func.min(OutboxMessage.sent_at),
                                                       sa.func.max(OutboxMessage.sent_at))).one()
            draining = (last - first).total_seconds()
    finally:
        consumer.terminate()
        consumer.wait(30)
    received = len(sink.inbox.messages)
    distinct = len({m["Message-ID"] for m in sink.inbox.messages})
    return wall, draining, received, received - distinct


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the sink's own chatter
    postgres, redis = ThrowawayPostgres(), ThrowawayRedis()
    url, redis_url = postgres.start(), redis.start()
    try:
        with SmtpServer() as sink:
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1",
                   "MAIL_PORT": str(sink.port), "APP_BASE_URL": "http://bench.example.org", "PYTHONPATH": str(ROOT)}
            app = create_app({"SQLALCHEMY_DATABASE_URI": url})
            queue.huey.storage = RedisStorage(name="mentormatch", url=redis_url)
            with app.app_context():
                db.create_all()
                seed(args.messages)
            print(f"{args.messages} messages, PostgreSQL + Redis, {os.cpu_count()} cores, one SMTP connection per message")
            print(f"{'workers':>8} {'sent':>7} {'wall s':>8} {'draining s':>11} {'msgs/s':>8} {'duplicates':>11}")
            for workers in args.workers:
                with app.app_context():
                    ids = reset()
                wall, draining, received, duplicates = drain(app, ids, workers, env, sink)
                print(f"{workers:>8} {received:>7} {wall:>8.1f} {draining:>11.1f} {received / draining:>8.0f} "
                      f"{duplicates:>11}")
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        redis.stop()
        postgres.stop()


if __name__ == "__main__":
    main()
