"""The bridge from database rows to the engine and back: who is loaded, what a run stores,
how re-running supersedes, and the run as a job on the queue."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mentormatch import jobs, matching_service, queue
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    ClearanceKind,
    DoNotMatch,
    Match,
    MatchingRun,
    MatchStatus,
    ProposalStatus,
    Role,
    RunStatus,
    utcnow,
)
from tests.builders import make_application, make_mentor, make_program, make_user, make_youth


def run(program, actor=None) -> MatchingRun:
    """Start a run as the page does and let the queue's job compute it."""
    started = matching_service.start_run(program, actor)
    queue.flush()
    db.session.expire_all()
    return db.session.get(MatchingRun, started.id)


def test_cohort_holds_only_consented_waitlisted_youth_and_cleared_mentors_with_room(app):
    program = make_program()
    waiting = make_application(make_youth(15), program)
    make_application(make_youth(15), program, consent=False)
    make_application(make_youth(15), program, status=ApplicationStatus.UNDER_REVIEW)
    adult = make_application(make_youth(19), program, consent=False)
    cleared = make_mentor(programs=[program])
    make_mentor(programs=[program], cleared=False)
    make_mentor(programs=[make_program()])
    full = make_mentor(programs=[program], capacity=1)
    db.session.add(Match(application=make_application(make_youth(16), program, status=ApplicationStatus.PROPOSED),
                         mentor=full, status=MatchStatus.AWAITING_FIRST_MEETING))
    lapsed = make_mentor(programs=[program])
    lapsed.current_clearance(ClearanceKind.YOUTH_PROTECTION).expires_on = date.today() - timedelta(days=1)
    db.session.commit()

    cohort = matching_service.load_cohort(program)

    assert sorted(a.id for a in cohort.applications.values()) == sorted([waiting.id, adult.id])
    assert [m.id for m in cohort.mentor_profiles] == [cleared.id]
    assert cohort.mentor_profiles[0].free_capacity == 2
    assert {y.days_waiting for y in cohort.youth} == {10}


def test_a_run_stores_figures_proposals_with_reasons_and_the_unmatched_with_the_rule(app):
    coordinator = make_user(Role.COORDINATOR)
    program = make_program()
    first = make_application(make_youth(15, interests=["robotics", "K9"]), program)
    second = make_application(make_youth(16, required_language="Hmong"), program)
    mentor = make_mentor(programs=[program], interests=["robotics"], capacity=2)
    other = make_mentor(programs=[program], interests=["soccer"])

    done = run(program, coordinator)

    assert done.status is RunStatus.DONE and done.started_by_id == coordinator.id
    assert (done.youth_count, done.mentor_count, done.proposal_count, done.unmatched_count) == (2, 2, 1, 1)
    assert done.total_score > 0 and done.seconds > 0 and done.finished_at is not None
    assert done.config["weight_interests"] == 0.30 and done.config["do_not_match"] == []
    [proposal] = done.proposals
    assert (proposal.application_id, proposal.mentor_id) == (first.id, mentor.id)
    assert proposal.status is ProposalStatus.PENDING and 0 < proposal.score <= 1
    assert {"factor", "label", "contribution", "text"} <= set(proposal.reasons[0])
    assert any(r["text"] == "Both into robotics" for r in proposal.reasons)
    assert [a["mentor_id"] for a in proposal.alternatives] == [other.id]
    [unmatched] = done.unmatched
    assert unmatched.application_id == second.id
    assert unmatched.reason == "No mentor who speaks Hmong" and unmatched.rule == "language"
    assert unmatched.details == {"feasible_mentors": 0, "excluded_by": {"language": 2}, "code": "no_feasible",
                                 "data": {"conditions": ["language"], "language": "Hmong"}}


def test_rerunning_supersedes_only_undecided_proposals(app):
    program = make_program()
    for age in (14, 15, 16):
        make_application(make_youth(age), program)
    make_mentor(programs=[program], capacity=3)
    first = run(program)
    decided, rejected, pending = sorted(first.proposals, key=lambda p: p.id)
    decided.status = ProposalStatus.APPROVED
    decided.application.status = ApplicationStatus.PROPOSED
    db.session.add(Match(application=decided.application, mentor=decided.mentor, proposal=decided))
    rejected.status = ProposalStatus.REJECTED
    db.session.commit()

    second = run(program)

    db.session.expire_all()
    assert [decided.status, rejected.status, pending.status] == [
        ProposalStatus.APPROVED, ProposalStatus.REJECTED, ProposalStatus.SUPERSEDED]
    assert second.youth_count == 2 and second.proposal_count == 2
    assert all(p.status is ProposalStatus.PENDING for p in second.proposals)


def test_program_settings_and_do_not_match_pairs_reach_the_engine(app):
    program = make_program(match_settings={"weight_distance": 0.0, "require_shared_slot": False})
    youth = make_youth(15, availability=["mon-morning"])
    make_application(youth, program)
    ruled_out = make_mentor(programs=[program])
    kept = make_mentor(programs=[program], availability=["sat-morning"])
    db.session.add(DoNotMatch(youth_id=youth.id, mentor_id=ruled_out.id, reason="Neighbours"))
    db.session.commit()

    done = run(program)

    assert done.config["weight_distance"] == 0.0 and done.config["require_shared_slot"] is False
    assert done.config["do_not_match"] == [[youth.id, ruled_out.id]]
    assert [p.mentor_id for p in done.proposals] == [kept.id]


def test_a_run_the_engine_refuses_is_marked_failed_with_the_reason(app):
    program = make_program(match_settings={"weight_interests": -1})
    make_application(make_youth(15), program)
    failed = run(program)
    assert failed.status is RunStatus.FAILED and "weight_interests" in failed.error
    assert failed.finished_at is not None


def test_a_run_waiting_or_at_work_shows_its_progress_until_it_is_done(app, browser):
    coordinator = make_user(Role.COORDINATOR)
    program = make_program()
    make_application(make_youth(15), program)
    make_mentor(programs=[program])
    browser.login(coordinator.email, "correct horse battery staple")
    waiting = MatchingRun(program=program, started_by=coordinator, status=RunStatus.QUEUED)
    db.session.add(waiting)
    db.session.commit()
    fragment = browser.client.get(f"/coordinator/runs/{waiting.id}/status", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "Waiting for a worker" in body and 'hx-trigger="every 1s"' in body
    db.session.execute(sa.update(MatchingRun).where(MatchingRun.id == waiting.id)
                       .values(status=RunStatus.RUNNING, progress=0.6, stage="explaining", youth_count=1,
                               mentor_count=1))
    db.session.commit()
    body = browser.client.get(f"/coordinator/runs/{waiting.id}/status",
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'value="0.60"' in body and "60%" in body and "Writing down why" in body
    db.session.execute(sa.update(MatchingRun).where(MatchingRun.id == waiting.id).values(status=RunStatus.QUEUED))
    db.session.commit()
    jobs.run_matching(waiting.id)  # a worker takes the job
    body = browser.client.get(f"/coordinator/runs/{waiting.id}/status",
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' not in body
    assert "Mentors with a free place" in body and "Awaiting decision" in body


def test_a_second_start_while_running_shows_the_same_run(app, browser):
    coordinator = make_user(Role.COORDINATOR)
    program = make_program()
    running = MatchingRun(program=program, status=RunStatus.RUNNING, started_at=utcnow())
    db.session.add(running)
    db.session.commit()
    browser.login(coordinator.email, "correct horse battery staple")
    response = browser.post(f"/coordinator/programs/{program.id}/runs",
                            form_page=f"/coordinator/programs/{program.id}/matching")
    assert response.headers["Location"].endswith(f"/coordinator/runs/{running.id}")
    assert db.session.scalar(sa.select(sa.func.count(MatchingRun.id))) == 1


def test_loading_a_cohort_takes_the_same_queries_for_5_or_60_youth(app, capsys):
    program = make_program()
    for _ in range(3):
        make_mentor(programs=[program])
    counts = {}
    for youth_count in (5, 60):
        while len(matching_service.waitlisted_applications(program.id)) < youth_count:
            make_application(make_youth(14), program)
        db.session.expire_all()
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            matching_service.load_cohort(program)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        counts[youth_count] = len(statements)
    with capsys.disabled():
        print(f"\nload_cohort queries: {counts}")
    # Youth, consents, mentors, clearances, accounts, load, track records, the adopted model, pairs...
    assert counts[5] == counts[60] <= 12


def test_a_run_whose_worker_died_is_queued_once_more_then_failed_with_the_reason(app):
    program = make_program()
    make_application(make_youth(15), program)
    make_mentor(programs=[program])
    hours_ago = utcnow() - timedelta(hours=2)
    died = MatchingRun(program=program, status=RunStatus.RUNNING, started_at=hours_ago, heartbeat_at=hours_ago,
                       attempts=1)
    died_twice = MatchingRun(program=make_program(), status=RunStatus.RUNNING, started_at=hours_ago,
                             heartbeat_at=hours_ago, attempts=2)
    db.session.add_all([died, died_twice])
    db.session.commit()
    assert jobs.sweep_once()["runs"] == 1
    queue.flush()  # a live worker takes the queued run
    db.session.expire_all()
    assert died.status is RunStatus.DONE and died.attempts == 2 and died.proposal_count == 1
    assert died_twice.status is RunStatus.FAILED and "stopped 2 times" in died_twice.error
    assert matching_service.running_run(died_twice.program_id) is None


def test_a_waitlisted_youth_without_a_usable_age_is_listed_unmatched_with_what_to_fix(app):
    program = make_program()
    unknown = make_application(make_youth(19, date_of_birth=None), program)
    make_application(make_youth(15), program)
    make_mentor(programs=[program])
    done = run(program)
    assert (done.youth_count, done.proposal_count, done.unmatched_count) == (2, 1, 1)
    [unmatched] = done.unmatched
    assert unmatched.application_id == unknown.id and unmatched.rule == "profile"
    assert unmatched.reason == "No date of birth between ages 5 and 30 on file"
