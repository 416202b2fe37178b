"""Two coordinators approving at once, racing for a mentor's last place: exactly one wins.

Each approval runs in its own thread with its own app context, so each has its own
session and database connection, as two app servers would.
"""
from __future__ import annotations

import threading

import sqlalchemy as sa

from mentormatch.coordinator import decisions
from mentormatch.extensions import db
from mentormatch.models import Match, MatchProposal, ProposalStatus, Role, User
from tests.builders import make_application, make_mentor, make_program, make_proposal, make_user, make_youth


def last_place_race(app) -> tuple[list[str], int]:
    """Two proposals for a mentor with one free place, approved by two coordinators at the same moment."""
    program = make_program()
    mentor = make_mentor(programs=[program], capacity=1)
    proposals = [make_proposal(make_application(make_youth(15), program), mentor).id for _ in range(2)]
    coordinators = [make_user(Role.COORDINATOR).id for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(proposal_id: int, coordinator_id: int) -> None:
        with app.app_context(), app.test_request_context():
            actor = db.session.get(User, coordinator_id)
            start.wait(timeout=10)
            try:
                decisions.approve(proposal_id, actor)
                outcomes.append("approved")
            except decisions.DecisionRefused as refused:
                outcomes.append(str(refused))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=pair) for pair in zip(proposals, coordinators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    db.session.expire_all()
    matches = db.session.scalar(sa.select(sa.func.count(Match.id)).where(Match.mentor_id == mentor.id))
    return outcomes, matches


def assert_exactly_one_wins(outcomes: list[str], matches: int) -> None:
    assert len(outcomes) == 2, outcomes
    assert outcomes.count("approved") == 1, outcomes
    [refusal] = [o for o in outcomes if o != "approved"]
    assert "has no free place (1 of 1 taken)" in refusal
    assert matches == 1
    statuses = sorted(p.status.value for p in db.session.scalars(sa.select(MatchProposal)))
    assert statuses == [ProposalStatus.APPROVED.value, ProposalStatus.PENDING.value]


def test_two_approvals_race_for_the_last_place(app):
    """Runs in both suites: PostgreSQL's row lock and SQLite's single writer must each let one win."""
    assert_exactly_one_wins(*last_place_race(app))
