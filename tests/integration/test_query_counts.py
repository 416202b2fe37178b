"""Each coordinator page issues the same, small number of SQL statements for a handful of rows or many."""
from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from huey.storage import MemoryStorage

from mentormatch.extensions import db
from mentormatch.queue import huey
from mentormatch.models import (
    Application,
    ApplicationStatus,
    CheckIn,
    CheckInParty,
    ContactMethod,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    ProposalStatus,
    Role,
    User,
    Youth,
    utcnow,
)
from tests.support.statements import counting
from tests.builders import (
    PASSWORD,
    born_years_ago,
    make_application,
    make_check_in,
    make_match,
    make_mentor,
    make_program,
    make_proposal,
    make_user,
    make_youth,
)

# A page: the logged-in user, then its own reads. The approve action also locks, re-checks,
# writes the match with its audit and event rows, and reads back the row it shows.
CEILING = {"approve": 30}
PAGE_CEILING = 15
IN_LIST = re.compile(r"IN \([^()]*\)")
SMALL = dict(waiting=5, mentors=3, matches=2)
LARGE = dict(waiting=60, mentors=15, matches=12)


@dataclass(frozen=True)
class World:
    """Ids of what the measured pages show: a program's waitlist and matching run, a proposal to approve."""

    program_id: int
    run_id: int
    proposal_id: int


def build_world(browser, coordinator_id: int, *, waiting: int, mentors: int, matches: int) -> World:
    """A program with youth waiting, cleared mentors and a finished run (some youth left unmatched);
    beside it, open matches with check-ins, a safety concern, a lapsed mentor and a guardian's decline."""
    program = make_program()
    for n in range(waiting):
        # Nobody speaks Hmong, so every run leaves someone unmatched.
        youth = make_youth(15, guardian=make_user(Role.GUARDIAN), required_language="Hmong" if n == 0 else None)
        make_application(youth, program)
    for _ in range(mentors):
        make_mentor(programs=[program])
    started = browser.post(f"/coordinator/programs/{program.id}/runs",
                           form_page=f"/coordinator/programs/{program.id}/matching")
    assert started.status_code == 302
    run_id = db.session.scalar(sa.select(sa.func.max(MatchingRun.id)).where(MatchingRun.program_id == program.id))
    proposal_id = db.session.scalar(
        sa.select(MatchProposal.id).where(MatchProposal.run_id == run_id,
                                          MatchProposal.status == ProposalStatus.PENDING)
        .order_by(MatchProposal.id).limit(1))
    assert proposal_id is not None

    history = make_program()
    coordinator = db.session.get(User, coordinator_id)
    today = date.today()
    for n in range(matches):
        youth = make_youth(16, guardian=make_user(Role.GUARDIAN))
        application = make_application(youth, history, status=ApplicationStatus.MATCHED)
        mentor = make_mentor(programs=[history], cleared=n != 0)
        match = make_match(application, mentor, approved_by=coordinator, approved_on=today - timedelta(days=70),
                           held_on=today - timedelta(days=60))
        make_check_in(match, today - timedelta(days=50), safety_concern=n == 0, notes="Going well")
        make_check_in(match, today - timedelta(days=40), mentor_meeting=True)
        declined = make_application(make_youth(15, guardian=make_user(Role.GUARDIAN)), history)
        make_proposal(declined, mentor, status=ProposalStatus.DECLINED_BY_GUARDIAN, decided_at=utcnow(),
                      decision_reason="Too far from home")
    return World(program.id, run_id, proposal_id)


PAGES = {
    "dashboard": lambda browser, world: browser.get("/home"),
    "proposals": lambda browser, world: browser.get(f"/coordinator/runs/{world.run_id}"),
    "waitlist": lambda browser, world: browser.get(f"/coordinator/programs/{world.program_id}/waitlist"),
    "approve": lambda browser, world: browser.htmx_post(f"/coordinator/proposals/{world.proposal_id}/approve"),
    "applications": lambda browser, world: browser.get("/coordinator/applications"),
    "matches": lambda browser, world: browser.get("/matches/"),
}


@contextmanager
def jobs_left_to_workers():
    """Requests hand their jobs to a queue, as in production, instead of running them in the test's
    thread: what is counted is the request's own work."""
    huey.immediate = False
    fallback, huey.storage = huey.storage, MemoryStorage(name="counting")
    try:
        yield
    finally:
        huey.storage = fallback
        huey.immediate = True


def statements_of(browser, page: str, world: World) -> list[str]:
    if page == "approve":
        browser.get(f"/coordinator/runs/{world.run_id}")  # the page the coordinator approves from
    with jobs_left_to_workers(), counting() as statements:
        response = PAGES[page](browser, world)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    if page == "approve":
        assert "Approved" in response.get_data(as_text=True)
    return statements


def repeated(few: list[str], many: list[str]) -> str:
    """The statements the larger data set issues more often than the smaller one, with their counts."""
    def shapes(statements):
        return Counter(IN_LIST.sub("IN (...)", statement) for statement in statements)

    extra = shapes(many) - shapes(few)
    return "\n".join(f"{n} more times: {statement}" for statement, n in extra.most_common())


@pytest.mark.parametrize("page", list(PAGES))
def test_statements_per_request_do_not_grow_with_the_data(app, browser, capsys, page):
    coordinator = make_user(Role.COORDINATOR)
    coordinator_id = coordinator.id
    assert browser.login(coordinator.email, PASSWORD).status_code == 302
    small = statements_of(browser, page, build_world(browser, coordinator_id, **SMALL))
    large = statements_of(browser, page, build_world(browser, coordinator_id, **LARGE))
    with capsys.disabled():
        print(f"\nSQL statements for {page}: {len(small)} with the small data set, {len(large)} with the large")
    assert len(small) == len(large), (
        f"{page}: {len(small)} statements with few rows, {len(large)} with many; repeated:\n"
        + repeated(small, large))
    assert len(large) <= CEILING.get(page, PAGE_CEILING), f"{page}: {len(large)} statements:\n" + "\n".join(large)


def open_matches_in_bulk(program_id: int, mentor_id: int, coordinator_id: int, size: int) -> None:
    """`size` active matches, each with a check-in, inserted in bulk."""
    now = utcnow()
    for n in range(size):
        youth = Youth(first_name=f"Youth{n}", last_name="Bulk", date_of_birth=born_years_ago(15), zip_code="95823")
        application = Application(youth=youth, program_id=program_id, status=ApplicationStatus.MATCHED,
                                  waiting_since=now - timedelta(days=90))
        match = Match(application=application, mentor_id=mentor_id, status=MatchStatus.ACTIVE,
                      approved_by_id=coordinator_id, approved_at=now - timedelta(days=60),
                      first_meeting_held_at=now - timedelta(days=55))
        match.check_ins.append(CheckIn(occurred_on=date.today() - timedelta(days=n % 40),
                                       party=CheckInParty.MENTOR, method=ContactMethod.PHONE))
        db.session.add(match)
    db.session.commit()


@pytest.mark.parametrize("path", ["/home", "/matches/"])
def test_pages_over_every_open_match_issue_the_same_statements_for_ten_or_six_hundred(app, browser, capsys, path):
    """SQLAlchemy's selectinload fetches related rows 500 parent keys at a time, so a page that loads
    every open match issues more statements once there are more than 500."""
    coordinator = make_user(Role.COORDINATOR)
    coordinator_id = coordinator.id
    assert browser.login(coordinator.email, PASSWORD).status_code == 302
    program = make_program()
    mentor = make_mentor(programs=[program], capacity=1000)
    program_id, mentor_id = program.id, mentor.id
    counts = {}
    for size, added in ((10, 10), (600, 590)):
        open_matches_in_bulk(program_id, mentor_id, coordinator_id, added)
        with counting() as statements:
            assert browser.get(path).status_code == 200
        counts[size] = statements
    with capsys.disabled():
        print(f"\nSQL statements for {path}: {len(counts[10])} with 10 open matches, {len(counts[600])} with 600")
    assert len(counts[10]) == len(counts[600]), (
        f"{path}: {len(counts[10])} statements with 10 open matches, {len(counts[600])} with 600; repeated:\n"
        + repeated(counts[10], counts[600]))
