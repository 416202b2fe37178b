"""After `flask seed-demo` a coordinator has matching work to look at in every program."""
from __future__ import annotations

import sqlalchemy as sa

from mentormatch.demo import DEMO_PASSWORD
from mentormatch.extensions import db
from mentormatch.models import (
    MatchingRun,
    MatchProposal,
    Program,
    ProposalStatus,
    RunStatus,
    UnmatchedYouth,
)


def test_demo_has_a_finished_run_per_program_with_decisions_of_every_kind(app, browser):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
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
