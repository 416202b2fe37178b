"""Concurrency benchmark: many coordinators approving proposals against the same mentors on PostgreSQL.

Seeds a throwaway PostgreSQL with 100 cleared mentors of two or three places each and
1,000 pending proposals for 400 waitlisted youth (two or three proposals per youth, about ten
per mentor, so most attempts lose a race for a place or for the youth). Then 16 threads, each
a coordinator, take 1,000 approval attempts off one queue. Every attempt runs in its own request
context, so it has its own session and connection as a request to the app would, and goes
through ``decisions.approve``, the code the approve button runs, then hands on its jobs as the
end of a request does.

It runs twice in the same process, each on a fresh database, with a real SMTP server on a
loopback port:
- **e-mail in the request** (how approvals worked before the job queue): the approval's
  consequences run before the request ends: the two e-mails (family and mentor) are written
  and sent over SMTP inside the request;
- **e-mail on the queue** (how they work now): the request only hands the approval's event to
  the job queue (a throwaway Redis, as a county's servers share one); workers write and send
  the e-mails later.

    .venv/bin/python bench/approvals.py [--attempts 1000] [--threads 16] [--mentors 100] [--proposals 1000]

Needs PostgreSQL and redis-server (`make test` installs both). Prints, for each way: attempts, approvals, refusals by
message (names shown as <mentor> and <youth>), errors, violations (a mentor past capacity, a youth
with two open matches, an approved proposal without its match or a match without its approved
proposal, a refusal that is not one of the clear sentences), wall time, median and p95 latency per
attempt (lock waits and the request's e-mail work included) and attempts per second; then the
two side by side. It asserts nothing, but exits 1 when there is any violation or error.
"""
from __future__ import annotations

import argparse
import logging
import os
import queue
import random
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from huey.storage import RedisStorage  # noqa: E402

from mentormatch import create_app  # noqa: E402
from mentormatch import queue as jobs_queue  # noqa: E402
from mentormatch.coordinator import decisions  # noqa: E402
from mentormatch.extensions import db  # noqa: E402
from mentormatch.models import (  # noqa: E402
    OPEN_MATCH_STATUSES, Application, ApplicationStatus, Clearance, ClearanceKind, ClearanceStatus,
    GuardianConsent, Match,
    MatchFormat, MatchingRun, MatchProposal, Mentor, MentorStatus, MessageStatus, OutboxMessage, Program,
    ProgramKind, ProposalStatus, Role, RunStatus, User, Youth, mentor_programs, utcnow,
)
from tests.support.pgserver import ThrowawayPostgres  # noqa: E402
from tests.support.redisserver import ThrowawayRedis  # noqa: E402
from tests.support.smtp import SmtpServer  # noqa: E402

# Messages a coordinator may be shown when an approval loses; anything else is a violation.
CLEAR_REFUSALS = (
    "<mentor> has no free place (2 of 2 taken).",
    "<mentor> has no free place (3 of 3 taken).",
    "<youth>'s application is now mentor proposed, not waiting for a mentor.",
    "This proposal is already approved.",
)


@dataclass
class Attempt:
    proposal_id: int
    kind: str  # "approved", "refused" or "error"
    message: str
    seconds: float


def seed(app, mentor_count: int, proposal_count: int, coordinator_count: int, rng: random.Random) -> dict:
    """Bulk-insert the mentors, youth and pending proposals; returns what the attempts need."""
    today, now = date.today(), utcnow()
    youth_count = max(1, proposal_count * 2 // 5)
    with app.app_context():
        db.create_all()
        program = Program(name="Busy Explorer Post", slug="busy", kind=ProgramKind.EXPLORING,
                          min_age=14, max_age=20, min_grade_completed=8, grade_rule_until_age=15,
                          match_format=MatchFormat.ONE_TO_ONE, default_capacity=3)
        db.session.add(program)
        db.session.execute(sa.insert(User), [
            dict(email=f"coordinator{i}@approvals.example.org", role=Role.COORDINATOR, first_name=f"C{i}",
                 last_name="Coordinator", password_hash="-", created_at=now)
            for i in range(coordinator_count)])
        db.session.execute(sa.insert(User), [
            dict(email=f"mentor{i}@approvals.example.org", role=Role.MENTOR, first_name=f"M{i}",
                 last_name="Officer", password_hash="-", created_at=now)
            for i in range(mentor_count)])
        db.session.flush()
        coordinator_ids = db.session.scalars(
            sa.select(User.id).where(User.role == Role.COORDINATOR).order_by(User.id)).all()
        mentor_user_ids = db.session.scalars(
            sa.select(User.id).where(User.role == Role.MENTOR).order_by(User.id)).all()
        db.session.execute(sa.insert(Mentor), [
            dict(user_id=uid, agency="SacPD", capacity=rng.randint(2, 3), gender="male", zip_code="95823",
                 languages=["English"], interests=["robotics"], availability=["tue-evening"],
                 status=MentorStatus.APPROVED, approved_at=now, created_at=now)
            for uid in mentor_user_ids])
        mentor_ids = db.session.scalars(sa.select(Mentor.id).order_by(Mentor.id)).all()
        db.session.execute(sa.insert(mentor_programs),
                           [{"mentor_id": m, "program_id": program.id} for m in mentor_ids])
        db.session.execute(sa.insert(Clearance), [
            dict(mentor_id=m, kind=kind, completed_on=today - timedelta(days=60),
                 expires_on=None if kind is ClearanceKind.INTERVIEW else today + timedelta(days=600),
                 passed=True, verified_by_id=coordinator_ids[0], verified_at=now, created_at=now,
                 status=ClearanceStatus.VERIFIED)
            for m in mentor_ids for kind in ClearanceKind])
        db.session.execute(sa.insert(Youth), [
            dict(first_name=f"Y{i}", last_name="Applicant", date_of_birth=today - timedelta(days=16 * 365),
                 grade_completed=10, zip_code="95823", gender="female", languages=["English"],
                 interests=["robotics"], availability=["tue-evening"],
                 guardian_email=f"parent{i}@approvals.example.org", created_at=now)
            for i in range(youth_count)])
        youth_ids = db.session.scalars(sa.select(Youth.id).order_by(Youth.id)).all()
        db.session.execute(sa.insert(Application), [
            dict(youth_id=y, program_id=program.id, status=ApplicationStatus.WAITLISTED, draft_step=5,
                 created_at=now, status_changed_at=now, waiting_since=now - timedelta(days=30))
            for y in youth_ids])
        application_ids = db.session.scalars(sa.select(Application.id).order_by(Application.id)).all()
        db.session.execute(sa.insert(GuardianConsent), [
            dict(application_id=a, guardian_email=f"parent{a}@approvals.example.org", relation="Mother",
                 typed_signature="Parent", consented_at=now) for a in application_ids])
        run = MatchingRun(program_id=program.id, started_by_id=coordinator_ids[0], status=RunStatus.DONE,
                          finished_at=now, proposal_count=proposal_count)
        db.session.add(run)
        db.session.flush()
        # Proposals go round the youth, so each youth gets two or three, each to a different mentor.
        chosen: dict[int, set[int]] = {a: set() for a in application_ids}
        proposals = []
        for n in range(proposal_count):
            application_id = application_ids[n % youth_count]
            mentor_id = rng.choice([m for m in mentor_ids if m not in chosen[application_id]])
            chosen[application_id].add(mentor_id)
            proposals.append(dict(run_id=run.id, application_id=application_id, mentor_id=mentor_id,
                                  score=round(rng.uniform(0.3, 0.9), 3), reasons=[], alternatives=[],
                                  status=ProposalStatus.PENDING, created_at=now))
        db.session.execute(sa.insert(MatchProposal), proposals)
        db.session.commit()
        names = {
            proposal_id: (mentor_user.full_name, youth.full_name)
            for proposal_id, mentor_user, youth in db.session.execute(
                sa.select(MatchProposal.id, User, Youth)
                .join(Mentor, Mentor.id == MatchProposal.mentor_id).join(User, User.id == Mentor.user_id)
                .join(Application, Application.id == MatchProposal.application_id)
                .join(Youth, Youth.id == Application.youth_id))
        }
        places = db.session.scalar(sa.select(sa.func.sum(Mentor.capacity)))
    return {"coordinator_ids": coordinator_ids, "proposal_ids": sorted(names), "names": names,
            "youth": youth_count, "places": places}


def coordinator(app, coordinator_id: int, attempts: queue.Queue, start: threading.Barrier,
                done: list[Attempt]) -> None:
    """Take attempts off the queue until it is empty, each in a request context of its own."""
    start.wait(timeout=60)
    while True:
        try:
            proposal_id = attempts.get_nowait()
        except queue.Empty:
            return
        with app.test_request_context():
            actor = db.session.get(User, coordinator_id)
            began = time.perf_counter()
            try:
                decisions.approve(proposal_id, actor)
                # What the end of the request does: hand on (or, in the request, run) its jobs.
                jobs_queue.flush()
                kind, message = "approved", ""
            except decisions.DecisionRefused as refused:
                kind, message = "refused", str(refused)
            except Exception as error:  # a deadlock or any other failure is counted, not lost in the thread
                db.session.rollback()
                first_line = next(iter(str(error).splitlines()), "")
                kind, message = "error", f"{type(error).__name__}: {first_line}"
            done.append(Attempt(proposal_id, kind, message, time.perf_counter() - began))


def shape(message: str, names: tuple[str, str]) -> str:
    """The refusal with its mentor and youth written <mentor> and <youth>, so like messages count together."""
    mentor, youth = names
    return message.replace(f"{youth}'s", "<youth>'s").replace(mentor, "<mentor>")


def rows_of(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def violations_in_database() -> dict[str, int]:
    """How often each rule approvals must keep is broken in what the database now holds."""
    open_matches = sa.select(Match).where(Match.status.in_(OPEN_MATCH_STATUSES)).subquery()
    per_mentor = (sa.select(open_matches.c.mentor_id, sa.func.count().label("taken"))
                  .group_by(open_matches.c.mentor_id).subquery())
    approved = MatchProposal.status == ProposalStatus.APPROVED
    return {
        "mentor past capacity": rows_of(
            sa.select(Mentor.id).join(per_mentor, per_mentor.c.mentor_id == Mentor.id)
            .where(per_mentor.c.taken > Mentor.capacity)),
        "youth with two open matches": rows_of(
            sa.select(Application.youth_id)
            .join(open_matches, open_matches.c.application_id == Application.id)
            .group_by(Application.youth_id).having(sa.func.count() > 1)),
        "approved proposal without match": rows_of(
            sa.select(MatchProposal.id)
            .where(approved, ~sa.exists().where(Match.proposal_id == MatchProposal.id))),
        "match without approved proposal": rows_of(
            sa.select(Match.id).outerjoin(MatchProposal, MatchProposal.id == Match.proposal_id)
            .where(sa.or_(MatchProposal.id.is_(None), ~approved))),
    }


@dataclass
class Outcome:
    done: list[Attempt]
    wall: float
    violations: dict[str, int]
    refusals: Counter
    errors: Counter
    emails_in_request: int


def run_once(args, in_request: bool, smtp_port: int, redis_url: str) -> Outcome:
    """Seed a fresh database, then let the coordinators take every attempt; e-mail in the request or queued."""
    rng = random.Random(args.seed)
    server = ThrowawayPostgres()
    url = server.start()
    try:
        # One pooled connection per coordinator, as each would hold at its own app server.
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
            "SERVER_NAME": "mentormatch.bench", "APP_BASE_URL": "http://mentormatch.bench",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": args.threads + 1},
        })
        if in_request:
            jobs_queue.huey.immediate = True  # jobs run where they are handed on: inside the request
        else:
            jobs_queue.huey.immediate = False
            jobs_queue.huey.storage = RedisStorage(name="mentormatch", url=redis_url)
        started = time.perf_counter()
        seeded = seed(app, args.mentors, args.proposals, args.threads, rng)
        print(f"seeded {args.mentors} mentors ({seeded['places']} places), {seeded['youth']} youth, "
              f"{len(seeded['proposal_ids'])} pending proposals in {time.perf_counter() - started:.1f} s")

        # Each proposal once, in a random order, then round again if there are more attempts than proposals.
        attempts: queue.Queue = queue.Queue()
        for n in range(args.attempts):
            if n % len(seeded["proposal_ids"]) == 0:
                order = rng.sample(seeded["proposal_ids"], len(seeded["proposal_ids"]))
            attempts.put(order[n % len(order)])
        done: list[Attempt] = []
        start = threading.Barrier(args.threads + 1)
        threads = [threading.Thread(target=coordinator, args=(app, coordinator_id, attempts, start, done))
                   for coordinator_id in seeded["coordinator_ids"]]
        for thread in threads:
            thread.start()
        start.wait(timeout=60)
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began

        with app.app_context():
            in_database = violations_in_database()
            matches = db.session.scalar(sa.select(sa.func.count(Match.id)))
            sent = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                                     .where(OutboxMessage.status == MessageStatus.SENT))
            db.session.remove()
            db.engine.dispose()
    finally:
        server.stop()

    approved = sum(1 for a in done if a.kind == "approved")
    refusals = Counter(shape(a.message, seeded["names"][a.proposal_id]) for a in done if a.kind == "refused")
    errors = Counter(a.message for a in done if a.kind == "error")
    violations = dict(in_database)
    violations["refusal not a clear sentence"] = sum(n for message, n in refusals.items()
                                                     if message not in CLEAR_REFUSALS)
    violations["approvals reported != matches stored"] = abs(approved - matches)
    return Outcome(done, wall, violations, refusals, errors, sent)


def report(title: str, outcome: Outcome, threads: int) -> None:
    done = outcome.done
    approved = sum(1 for a in done if a.kind == "approved")
    print(f"\n{title}: {threads} threads, PostgreSQL, {os.cpu_count()} cores")
    rows = [("attempts", len(done)), ("approved", approved), ("refused", sum(outcome.refusals.values()))]
    rows += [(f"  {message}", n) for message, n in outcome.refusals.most_common()]
    rows += [("errors", sum(outcome.errors.values()))]
    rows += [(f"  {message}", n) for message, n in outcome.errors.most_common()]
    rows += [("violations", sum(outcome.violations.values()))]
    rows += [(f"  {rule}", n) for rule, n in outcome.violations.items()]
    rows += [("e-mails sent inside the requests", outcome.emails_in_request)]
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        print(f"{name:<{width}}{value:>8}")
    print(f"{'wall time':<{width}}{outcome.wall:>8.2f} s")
    print(f"{'median latency per attempt':<{width}}{1000 * median_latency(done):>8.1f} ms")
    print(f"{'p95 latency per attempt':<{width}}{1000 * p95_latency(done):>8.1f} ms")
    print(f"{'attempts/s':<{width}}{len(done) / outcome.wall:>8.0f}")


def median_latency(done: list[Attempt]) -> float:
    return statistics.median(a.seconds for a in done)


def p95_latency(done: list[Attempt]) -> float:
    latencies = sorted(a.seconds for a in done)
    return latencies[int(0.95 * (len(latencies) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--mentors", type=int, default=100)
    parser.add_argument("--proposals", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.getLogger("huey").setLevel(logging.WARNING)

    redis = ThrowawayRedis()
    redis_url = redis.start()
    try:
        with SmtpServer() as sink:
            before = run_once(args, True, sink.port, redis_url)
            report("E-mail in the request", before, args.threads)
            after = run_once(args, False, sink.port, redis_url)
            report("E-mail on the queue", after, args.threads)
    finally:
        redis.stop()

    print(f"\n{'':<28}{'in the request':>16}{'on the queue':>14}{'ratio':>8}")
    for name, measure in (("median latency, ms", lambda o: 1000 * median_latency(o.done)),
                          ("p95 latency, ms", lambda o: 1000 * p95_latency(o.done)),
                          ("attempts/s", lambda o: len(o.done) / o.wall)):
        a, b = measure(before), measure(after)
        print(f"{name:<28}{a:>16.1f}{b:>14.1f}{b / a:>8.2f}")
    if any(sum(o.violations.values()) or sum(o.errors.values()) for o in (before, after)):
        sys.exit(1)


if __name__ == "__main__":
    main()
