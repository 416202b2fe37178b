"""Coordinators approving at once: no mentor past capacity, no youth matched twice, every loser told why.

Each coordinator runs in its own thread with its own app context, so each has its own
session and database connection, as separate app servers would.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

import sqlalchemy as sa

from mentormatch.coordinator import decisions
from mentormatch.extensions import db
from mentormatch.models import OPEN_MATCH_STATUSES, Match, MatchProposal, Mentor, ProposalStatus, Role, User
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


# ---------------------------------------------------------------- many coordinators, many mentors

MENTORS, CAPACITY, OWN_YOUTH_PER_MENTOR, SHARED_YOUTH, COORDINATORS = 4, 2, 2, 8, 8


@dataclass
class Outcome:
    """One coordinator's attempt: "approved", "refused" with the message shown, or "error"."""

    proposal_id: int
    kind: str
    message: str = ""


def seed_contention(program) -> list[int]:
    """Proposals for four two-place mentors: two youth proposed to each mentor alone, eight youth to two.

    Each mentor has as many youth of its own as places, so once every proposal has been tried no
    mentor can be left with a free place: the approvals must fill every place. The eight youth
    with two proposals are where two coordinators may try to give one youth two mentors.
    """
    mentors = [make_mentor(programs=[program], capacity=CAPACITY) for _ in range(MENTORS)]
    proposal_ids = [make_proposal(make_application(make_youth(15), program), mentor).id
                    for mentor in mentors for _ in range(OWN_YOUTH_PER_MENTOR)]
    for n in range(SHARED_YOUTH):
        application = make_application(make_youth(15), program)
        proposal_ids += [make_proposal(application, mentors[(n + step) % MENTORS]).id for step in (0, 1)]
    return proposal_ids


def clear_refusals(proposal: MatchProposal) -> set[str]:
    """The only sentences a coordinator who lost a race for this proposal may be shown."""
    return {
        "This proposal is already approved.",
        f"{proposal.mentor.user.full_name} has no free place ({CAPACITY} of {CAPACITY} taken).",
        f"{proposal.application.youth.full_name}'s application is now mentor proposed, "
        "not waiting for a mentor.",
    }


def approve_in_turn(app, coordinator_id: int, proposal_ids: list[int], start: threading.Barrier,
                    outcomes: list[Outcome]) -> None:
    """One coordinator, with its own app context, session and connection, approving each proposal."""
    with app.app_context(), app.test_request_context():
        actor = db.session.get(User, coordinator_id)
        start.wait(timeout=10)
        try:
            for proposal_id in proposal_ids:
                try:
                    decisions.approve(proposal_id, actor)
                    outcomes.append(Outcome(proposal_id, "approved"))
                except decisions.DecisionRefused as refused:
                    outcomes.append(Outcome(proposal_id, "refused", str(refused)))
                except Exception as error:
                    # Anything but a refusal is a violation: counted here rather than lost in the thread.
                    db.session.rollback()
                    outcomes.append(Outcome(proposal_id, "error", repr(error)))
        finally:
            db.session.remove()


def outcome_violations(outcomes: list[Outcome]) -> list[str]:
    """Errors, and refusals a coordinator could not act on: empty, or not one of the clear sentences."""
    proposals = {p.id: p for p in db.session.scalars(sa.select(MatchProposal))}
    found = []
    for outcome in outcomes:
        if outcome.kind == "error":
            found.append(f"proposal {outcome.proposal_id}: {outcome.message}")
        elif (outcome.kind == "refused"
              and outcome.message not in clear_refusals(proposals[outcome.proposal_id])):
            found.append(f"proposal {outcome.proposal_id} refused unclearly: {outcome.message!r}")
    return found


def database_violations() -> list[str]:
    """What the database holds that approvals must never leave: each rule checked on its own."""
    found = []
    for mentor in db.session.scalars(sa.select(Mentor)):
        taken = decisions.open_matches(mentor.id)
        if taken > mentor.capacity:
            found.append(f"mentor {mentor.id} has {taken} open matches for {mentor.capacity} places")
    open_per_application = db.session.execute(
        sa.select(Match.application_id, sa.func.count(Match.id))
        .where(Match.status.in_(OPEN_MATCH_STATUSES)).group_by(Match.application_id)
        .having(sa.func.count(Match.id) > 1)
    ).all()
    found += [f"application {a} has {n} open matches" for a, n in open_per_application]
    matched = set(db.session.scalars(sa.select(Match.proposal_id)))
    for proposal in db.session.scalars(sa.select(MatchProposal)):
        approved = proposal.status is ProposalStatus.APPROVED
        if approved != (proposal.id in matched):
            found.append(f"proposal {proposal.id} is {proposal.status.value} "
                         f"{'without' if approved else 'with'} a match")
    return found


def test_many_coordinators_approving_against_the_same_mentors(app):
    """Eight coordinators approve every proposal, each in its own order, all at once.

    Every place is filled and none twice, no youth gets two mentors, and every refusal is a
    sentence saying why. Runs in both suites, like the race for the last place.
    """
    program = make_program()
    proposal_ids = seed_contention(program)
    coordinators = [make_user(Role.COORDINATOR).id for _ in range(COORDINATORS)]
    start = threading.Barrier(COORDINATORS)
    outcomes: list[Outcome] = []
    orders = [random.Random(n).sample(proposal_ids, len(proposal_ids)) for n in range(COORDINATORS)]
    threads = [threading.Thread(target=approve_in_turn, args=(app, coordinator_id, order, start, outcomes))
               for coordinator_id, order in zip(coordinators, orders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a coordinator is still waiting"
    db.session.expire_all()

    youth = len(set(db.session.scalars(sa.select(MatchProposal.application_id))))
    places = MENTORS * CAPACITY
    approved = [o for o in outcomes if o.kind == "approved"]
    refused = [o for o in outcomes if o.kind == "refused"]
    violations = outcome_violations(outcomes) + database_violations()
    assert len(outcomes) == COORDINATORS * len(proposal_ids) == 192
    assert violations == []
    assert len(approved) == min(places, youth) == 8
    assert len(refused) == len(outcomes) - len(approved)
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == len(approved)


def test_an_approval_and_a_rejection_of_one_proposal_never_both_take_effect(app):
    """Approve and reject the same proposal at the same moment, many times: each proposal ends either
    approved with its match or rejected with none, and the losing coordinator is told which."""
    program = make_program()
    rounds = 30
    mentor = make_mentor(programs=[program], capacity=rounds)
    proposal_ids = [make_proposal(make_application(make_youth(15), program), mentor).id for _ in range(rounds)]
    approver, rejecter = make_user(Role.COORDINATOR).id, make_user(Role.COORDINATOR).id
    refusals: list[str] = []

    def decide(kind: str, proposal_id: int, coordinator_id: int, start: threading.Barrier) -> None:
        with app.app_context(), app.test_request_context():
            actor = db.session.get(User, coordinator_id)
            proposal = db.session.get(MatchProposal, proposal_id)
            start.wait(timeout=10)
            try:
                if kind == "approve":
                    decisions.approve(proposal_id, actor)
                else:
                    decisions.reject(proposal, actor, "Schedules do not fit.")
            except decisions.DecisionRefused as refused:
                refusals.append(str(refused))
            finally:
                db.session.remove()

    for proposal_id in proposal_ids:
        start = threading.Barrier(2)
        threads = [threading.Thread(target=decide, args=("approve", proposal_id, approver, start)),
                   threading.Thread(target=decide, args=("reject", proposal_id, rejecter, start))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    db.session.expire_all()
    statuses = {p.id: p.status for p in db.session.scalars(sa.select(MatchProposal))}
    matched = set(db.session.scalars(sa.select(Match.proposal_id)))
    assert len(refusals) == rounds
    assert all(r in ("This proposal is already approved.", "This proposal is already rejected.") for r in refusals)
    for proposal_id in proposal_ids:
        if statuses[proposal_id] is ProposalStatus.APPROVED:
            assert proposal_id in matched
        else:
            assert statuses[proposal_id] is ProposalStatus.REJECTED and proposal_id not in matched
