"""The demo data set as `flask seed-demo` loads it: realistic, the same on every machine, and with
matching work for a coordinator to look at in every program.

Every test starts from a copy of a database the command filled once (see `demo_database`).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from mentormatch import demo
from mentormatch.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    DomainEvent,
    DoNotMatch,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    Mentor,
    OutboxMessage,
    PairSource,
    Program,
    ProposalStatus,
    RunStatus,
    UnmatchedYouth,
    Youth,
)


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_loads_a_realistic_data_set_once(app, browser, demo_database):
    _url, printed = demo_database
    assert "Demo data loaded: 3 programs" in printed
    for email, *_ in DEMO_ACCOUNTS:
        assert email in printed
    assert count(Program) == 3
    assert count(Mentor) >= 40
    assert count(Youth) >= 150
    applicants = db.session.scalars(sa.select(Youth).join(Application).where(
        Application.status.in_([ApplicationStatus.WAITLISTED, ApplicationStatus.UNDER_REVIEW])))
    ages = [y.age() for y in applicants]
    assert min(ages) <= 13 and max(ages) == 20
    cleared = [m.is_cleared() for m in db.session.scalars(sa.select(Mentor))]
    assert 20 < sum(cleared) < 40, "some mentors must have lapsed or missing clearances"
    assert count(Application) > 100
    # Loading history e-mails nobody, and what follows it is in place: every event handled, the pair
    # the demo family declined ruled out, the matches of mentors whose clearance lapsed paused.
    assert count(OutboxMessage) == 0
    assert db.session.scalar(sa.select(sa.func.count(DomainEvent.id)).where(DomainEvent.dispatched_at.is_(None))) == 0
    declined = db.session.scalars(sa.select(DoNotMatch).where(DoNotMatch.source == PairSource.FAMILY)).all()
    assert len(declined) == 1 and declined[0].reason == "We would prefer a mentor who can meet on weekends."
    paused = db.session.scalars(sa.select(Match).where(Match.status == MatchStatus.PAUSED)).all()
    assert paused and all(not m.mentor.can_be_matched() for m in paused)
    runner = app.test_cli_runner()
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    assert count(Program) == 3
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "not empty" in refused.output
    for email, *_ in DEMO_ACCOUNTS:
        assert browser.login(email, DEMO_PASSWORD).status_code == 302
        assert browser.get("/home").status_code == 200
        browser.logout()


def test_seed_demo_is_deterministic(app):
    def youth() -> list[tuple]:
        return [(y.first_name, y.zip_code, tuple(y.interests))
                for y in db.session.scalars(sa.select(Youth).order_by(Youth.id))]

    first = youth()  # loaded by the command into the database this copy was made from
    # End the session's transaction first: on PostgreSQL its read locks would block the drop.
    db.session.remove()
    db.drop_all()
    db.create_all()
    demo.seed()
    assert len(first) >= 150 and youth() == first


def test_demo_has_a_finished_run_per_program_with_decisions_of_every_kind(app, browser):
    for program in db.session.scalars(sa.select(Program)):
        run = db.session.scalar(sa.select(MatchingRun).where(MatchingRun.program_id == program.id))
        assert run.status is RunStatus.DONE
        pending = [p for p in run.proposals if p.status is ProposalStatus.PENDING]
        assert pending, f"{program.name} has no proposal awaiting a decision"
    statuses = {s for (s,) in db.session.execute(sa.select(MatchProposal.status))}
    assert {ProposalStatus.APPROVED, ProposalStatus.DECLINED_BY_GUARDIAN} <= statuses
    unmatched = db.session.scalar(sa.select(UnmatchedYouth).limit(1))
    assert unmatched.reason and unmatched.rule
    browser.login("coordinator@demo.example.org", DEMO_PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "We would prefer a mentor who can meet on weekends." in home
    page = browser.get(f"/coordinator/runs/{unmatched.run_id}").get_data(as_text=True)
    assert "Awaiting decision" in page and unmatched.reason in page
