"""A run's proposals by status, as the database keeps them (ProposalCount): after every way a
proposal can be stored, decided, moved or removed, they agree with a count of the proposals, and
the coordinator's pages show them."""
from __future__ import annotations

import re

import sqlalchemy as sa

from mentormatch import matching_service, queue
from mentormatch.extensions import db
from mentormatch.models import MatchingRun, MatchProposal, ProposalCount, ProposalStatus, Role
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_proposal, make_user, make_youth
from tests.conftest import Browser


def kept() -> dict[tuple[int, str], int]:
    rows = db.session.execute(sa.select(ProposalCount.run_id, ProposalCount.status, ProposalCount.total))
    return {(run_id, status.value): total for run_id, status, total in rows if total}


def counted() -> dict[tuple[int, str], int]:
    rows = db.session.execute(
        sa.select(MatchProposal.run_id, MatchProposal.status, sa.func.count())
        .where(MatchProposal.run_id.is_not(None)).group_by(MatchProposal.run_id, MatchProposal.status))
    return {(run_id, status.value): n for run_id, status, n in rows}


def assert_kept_as_counted() -> dict[tuple[int, str], int]:
    db.session.expire_all()
    assert kept() == counted()
    return kept()


def shown(browser, run_id: int) -> dict[str, int]:
    """The counts line of the run's page, as the coordinator reads it."""
    page = browser.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    return {label: int(n) for n, label in re.findall(
        r"<strong>(\d+)</strong> (awaiting decision|approved|rejected|declined by the guardian|superseded)", page)}


def run(program) -> MatchingRun:
    started = matching_service.start_run(program, None)
    queue.flush()
    db.session.expire_all()
    return db.session.get(MatchingRun, started.id)


def test_counts_follow_a_runs_proposals_through_every_decision_and_a_second_run(app, browser):
    coordinator = make_user(Role.COORDINATOR)
    assert browser.login(coordinator.email, PASSWORD).status_code == 302
    program = make_program()
    guardians = [make_user(Role.GUARDIAN) for _ in range(4)]
    for guardian, age in zip(guardians, (14, 15, 16, 17)):
        make_application(make_youth(age, guardian=guardian), program)
    make_mentor(programs=[program], capacity=2)
    make_mentor(programs=[program], capacity=2)
    db.session.commit()

    first = run(program)
    assert first.proposal_count == 4
    assert assert_kept_as_counted() == {(first.id, "pending"): 4}
    assert shown(browser, first.id) == {"awaiting decision": 4, "approved": 0, "rejected": 0,
                                        "declined by the guardian": 0, "superseded": 0}

    approved, rejected, swapped, left = sorted(first.proposals, key=lambda p: p.id)
    assert browser.htmx_post(f"/coordinator/proposals/{approved.id}/approve").status_code == 200
    assert browser.htmx_post(f"/coordinator/proposals/{rejected.id}/reject",
                             {"reason": "The family asked for a mentor nearer home."}).status_code == 200
    assert assert_kept_as_counted() == {(first.id, "pending"): 2, (first.id, "approved"): 1,
                                        (first.id, "rejected"): 1}
    # A swap points a proposal at another mentor; its status, and so the counts, stay.
    other = next(a["mentor_id"] for a in swapped.alternatives)
    assert browser.htmx_post(f"/coordinator/proposals/{swapped.id}/swap", {"mentor_id": other}).status_code == 200
    db.session.expire_all()
    assert swapped.mentor_id == other
    assert assert_kept_as_counted()[(first.id, "pending")] == 2

    # The family turns the approved mentor down.
    family = Browser(app.test_client())
    guardian = approved.application.youth.guardian
    assert family.login(guardian.email, PASSWORD).status_code == 302
    declined = family.post(f"/family/applications/{approved.application_id}/decline",
                           {"decline_reason": "We would rather meet on weekends."},
                           form_page=f"/family/applications/{approved.application_id}")
    assert declined.status_code == 302
    assert assert_kept_as_counted() == {(first.id, "pending"): 2, (first.id, "declined_by_guardian"): 1,
                                        (first.id, "rejected"): 1}

    # A second run supersedes the first's undecided proposals in one statement and stores its own.
    second = run(program)
    counts = assert_kept_as_counted()
    assert counts[(first.id, "superseded")] == 2 and (first.id, "pending") not in counts
    assert counts[(second.id, "pending")] == second.proposal_count > 0
    assert shown(browser, first.id) == {"awaiting decision": 0, "approved": 0, "rejected": 1,
                                        "declined by the guardian": 1, "superseded": 2}
    assert shown(browser, second.id)["awaiting decision"] == second.proposal_count


def test_counts_follow_proposals_moved_between_runs_added_by_hand_or_deleted(app):
    program = make_program()
    mentor = make_mentor(programs=[program], capacity=5)
    runs = [MatchingRun(program_id=program.id), MatchingRun(program_id=program.id)]
    db.session.add_all(runs)
    db.session.commit()
    proposals = [make_proposal(make_application(make_youth(15), program), mentor, run=runs[0]) for _ in range(3)]
    # A hand-picked proposal belongs to no run and is counted in none.
    db.session.add(MatchProposal(application=make_application(make_youth(16), program), mentor=mentor, score=0.5))
    db.session.commit()
    assert assert_kept_as_counted() == {(runs[0].id, "pending"): 3}

    db.session.execute(sa.update(MatchProposal).where(MatchProposal.id == proposals[0].id)
                       .values(run_id=runs[1].id, status=ProposalStatus.REJECTED))
    db.session.execute(sa.delete(MatchProposal).where(MatchProposal.id == proposals[1].id))
    db.session.commit()
    assert assert_kept_as_counted() == {(runs[0].id, "pending"): 1, (runs[1].id, "rejected"): 1}

    # Several rows in one statement, as a bulk change makes them.
    db.session.execute(sa.update(MatchProposal).where(MatchProposal.run_id.is_not(None))
                       .values(status=ProposalStatus.SUPERSEDED))
    db.session.commit()
    assert assert_kept_as_counted() == {(runs[0].id, "superseded"): 1, (runs[1].id, "superseded"): 1}

    db.session.execute(sa.delete(MatchProposal))
    db.session.commit()
    assert assert_kept_as_counted() == {}
