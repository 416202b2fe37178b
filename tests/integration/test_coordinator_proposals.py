"""Deciding proposals in place: approve, reject, swap, bulk approve, do-not-match, hand-picking,
and the server-side re-checks that refuse an approval which no longer holds."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    ClearanceKind,
    ConsentStatus,
    DoNotMatch,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    PairSource,
    ProposalStatus,
    Role,
    utcnow,
)
from tests.builders import (
    PASSWORD,
    make_application,
    make_mentor,
    make_program,
    make_proposal,
    make_unmatched,
    make_user,
    make_youth,
)
from tests.conftest import Browser


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield")
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


@pytest.fixture
def scene():
    """One program, a guardian's 15-year-old on the waitlist, two cleared mentors, a pending proposal."""
    program = make_program(name="Explorer Post 300")
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Santos", email="maria@example.org")
    youth = make_youth(15, guardian=guardian, first_name="Lucia", last_name="Santos")
    application = make_application(youth, program)
    dana = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Dana", last_name="Nguyen",
                                                          email="dana@example.org"), capacity=1)
    omar = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Omar", last_name="Reyes",
                                                          email="omar@example.org"))
    alternative = {"mentor_id": omar.id, "score": 0.5,
                   "reasons": [{"factor": "distance", "label": "Distance", "contribution": 0.5,
                                "text": "Same ZIP code (95823)"}]}
    proposal = make_proposal(application, dana, score=0.7, alternatives=[alternative])
    return program, application, dana, omar, proposal


def approve(browser, proposal_id: int):
    return browser.htmx_post(f"/coordinator/proposals/{proposal_id}/approve")


def test_approval_creates_the_match_moves_the_application_and_emails_family_and_mentor(
        browser, coordinator, scene, smtp):
    _, application, dana, _, proposal = scene
    response = approve(browser, proposal.id)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="proposal-{proposal.id}"' in body and "Approved" in body
    assert f'id="proposal-counts-{proposal.run_id}"' in body and 'hx-swap-oob="true"' in body
    # The run's counts, swapped in place, already count the approval.
    assert "<strong>0</strong> awaiting decision" in body and "<strong>1</strong> approved" in body
    db.session.expire_all()
    assert proposal.status is ProposalStatus.APPROVED and proposal.decided_by_id == coordinator.id
    match = db.session.scalar(sa.select(Match).where(Match.proposal_id == proposal.id))
    assert match.status is MatchStatus.AWAITING_FIRST_MEETING and match.mentor_id == dana.id
    assert application.status is ApplicationStatus.PROPOSED
    smtp.inbox.wait_for(2)
    [family] = smtp.inbox.to("maria@example.org")
    assert "Dana" in family.get_content() and "Nguyen" not in family.get_content()
    [mentor] = smtp.inbox.to("dana@example.org")
    assert "Lucia S." in mentor.get_content()
    # The trail tells it in order; the match was approved when the proposal was.
    trail = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.in_(
        ["proposal.approved", "match.create", "application.proposed"])).order_by(AuditEvent.id)).all()
    assert trail == ["proposal.approved", "match.create", "application.proposed"]
    assert match.approved_at == proposal.decided_at


def test_approval_without_javascript_redirects_back_to_the_run(browser, coordinator, scene):
    proposal = scene[4]
    browser.get(f"/coordinator/runs/{proposal.run_id}")
    response = browser.post(f"/coordinator/proposals/{proposal.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/runs/{proposal.run_id}")
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved." in page


def lapse_background_check(mentor, _scene):
    record = mentor.current_clearance(ClearanceKind.BACKGROUND_CHECK)
    record.completed_on = date.today() - timedelta(days=400)
    record.expires_on = date.today() - timedelta(days=1)


def fill_capacity(mentor, scene):
    other = make_application(make_youth(16), scene[0], status=ApplicationStatus.PROPOSED)
    db.session.add(Match(application=other, mentor=mentor, status=MatchStatus.ACTIVE))


def withdraw_consent(_mentor, scene):
    scene[1].active_consent.move_to(ConsentStatus.WITHDRAWN, None, "We moved")


def leave_waitlist(_mentor, scene):
    scene[1].move_to(ApplicationStatus.WITHDRAWN, None, "Family moved away")


def rule_out_pair(mentor, scene):
    db.session.add(DoNotMatch(youth_id=scene[1].youth_id, mentor_id=mentor.id, reason="Neighbours of the family",
                              source=PairSource.COORDINATOR))


@pytest.mark.parametrize("change, message", [
    (lapse_background_check, "no longer cleared"),
    (fill_capacity, "no free place (1 of 1 taken)"),
    (withdraw_consent, "no confirmed guardian consent on file"),
    (leave_waitlist, "not waiting for a mentor"),
    (rule_out_pair, "This pair is ruled out: ruled out by staff on"),
])
def test_approval_is_rechecked_at_the_moment_of_approving(browser, coordinator, scene, change, message):
    _, application, dana, _, proposal = scene
    page = browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True)
    assert f"Approve <span class=\"visually-hidden\">Lucia Santos" in page
    change(dana, scene)
    db.session.commit()
    status_before = application.status
    body = approve(browser, proposal.id).get_data(as_text=True)
    assert "Not approved" in body and message in body
    db.session.expire_all()
    assert proposal.status is ProposalStatus.PENDING
    assert application.status is status_before
    assert db.session.scalar(sa.select(sa.func.count(Match.id)).where(Match.proposal_id == proposal.id)) == 0


def test_pairs_ruled_out_for_another_youth_or_lifted_do_not_stop_an_approval(browser, coordinator, scene):
    _, application, dana, omar, proposal = scene
    other = make_youth(15)
    lifted = DoNotMatch(youth_id=application.youth_id, mentor_id=dana.id, reason="Mix-up, since cleared up",
                        source=PairSource.COORDINATOR)
    db.session.add_all([lifted, DoNotMatch(youth_id=other.id, mentor_id=dana.id, reason="Cousin",
                                           source=PairSource.COORDINATOR),
                        DoNotMatch(youth_id=application.youth_id, mentor_id=omar.id, reason="Neighbours",
                                   source=PairSource.FAMILY)])
    db.session.flush()
    lifted.lift(coordinator, "Checked with the family")
    db.session.commit()
    body = approve(browser, proposal.id).get_data(as_text=True)
    assert "Approved. Lucia" in body and "Not approved" not in body
    db.session.expire_all()
    assert proposal.status is ProposalStatus.APPROVED


def test_an_approved_proposal_cannot_be_approved_twice(browser, coordinator, scene):
    proposal = scene[4]
    approve(browser, proposal.id)
    body = approve(browser, proposal.id).get_data(as_text=True)
    assert "already approved" in body
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 1


def test_reject_needs_a_reason_and_keeps_the_youth_waiting(browser, coordinator, scene):
    _, application, _, _, proposal = scene
    body = browser.htmx_post(f"/coordinator/proposals/{proposal.id}/reject", {"reason": ""}).get_data(as_text=True)
    assert "Say why this pair is rejected." in body
    db.session.expire_all()
    assert proposal.status is ProposalStatus.PENDING
    body = browser.htmx_post(f"/coordinator/proposals/{proposal.id}/reject",
                             {"reason": "Mentor works nights this term"}).get_data(as_text=True)
    assert "Rejected" in body and 'hx-swap-oob="true"' in body
    db.session.expire_all()
    assert proposal.status is ProposalStatus.REJECTED
    assert proposal.decision_reason == "Mentor works nights this term"
    assert application.status is ApplicationStatus.WAITLISTED


def test_expanding_a_row_shows_the_factor_breakdown_and_alternatives(browser, coordinator, scene):
    proposal = scene[4]
    response = browser.client.get(f"/coordinator/proposals/{proposal.id}?expanded=1", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tbody id="proposal-{proposal.id}"')
    assert "Shared interests" in body and "Both into robotics" in body
    assert "Omar Reyes" in body and "Same ZIP code (95823)" in body and "Swap to Omar Reyes" in body
    full = browser.get(f"/coordinator/proposals/{proposal.id}").get_data(as_text=True)
    assert "<html" in full and "Swap to Omar Reyes" in full


def test_swap_points_the_proposal_at_the_alternative_then_approval_uses_it(browser, coordinator, scene):
    _, _, dana, omar, proposal = scene
    body = browser.htmx_post(f"/coordinator/proposals/{proposal.id}/swap", {"mentor_id": omar.id}).get_data(as_text=True)
    assert "Swapped" in body and "Swap to Dana Nguyen" in body
    db.session.expire_all()
    assert proposal.mentor_id == omar.id and proposal.score == 0.5
    assert [a["mentor_id"] for a in proposal.alternatives] == [dana.id]
    approve(browser, proposal.id)
    match = db.session.scalar(sa.select(Match))
    assert match.mentor_id == omar.id


def test_swap_refuses_a_mentor_who_is_not_an_alternative(browser, coordinator, scene):
    proposal = scene[4]
    stranger = make_mentor(programs=[scene[0]])
    body = browser.htmx_post(f"/coordinator/proposals/{proposal.id}/swap",
                             {"mentor_id": stranger.id}).get_data(as_text=True)
    assert "That mentor is not one of this youth" in body
    db.session.expire_all()
    assert proposal.mentor_id == scene[2].id


def test_bulk_approve_approves_the_selected_and_explains_the_refused(browser, coordinator, scene):
    program, _, dana, omar, first = scene
    second = make_proposal(make_application(make_youth(16, first_name="Tou"), program), dana, run=first.run)
    third = make_proposal(make_application(make_youth(17, first_name="Mai"), program), omar, run=first.run)
    page = browser.get(f"/coordinator/runs/{first.run_id}").get_data(as_text=True)
    assert 'id="bulk-form"' in page
    response = browser.htmx_post(f"/coordinator/runs/{first.run_id}/approve",
                                 {"proposal_ids": [first.id, second.id, third.id]})
    body = response.get_data(as_text=True)
    assert "2 approved." in body and "Not approved" in body and "no free place" in body
    db.session.expire_all()
    assert [first.status, second.status, third.status] == [
        ProposalStatus.APPROVED, ProposalStatus.PENDING, ProposalStatus.APPROVED]


def test_do_not_match_is_recorded_rejects_the_pair_and_binds_later_runs(browser, coordinator, scene):
    program, application, dana, omar, proposal = scene
    browser.htmx_post(f"/coordinator/proposals/{proposal.id}/do-not-match", {"reason": "Family knows the officer"})
    pair = db.session.scalar(sa.select(DoNotMatch))
    assert (pair.youth_id, pair.mentor_id, pair.reason) == (application.youth_id, dana.id, "Family knows the officer")
    db.session.expire_all()
    assert proposal.status is ProposalStatus.REJECTED
    browser.post(f"/coordinator/programs/{program.id}/runs", form_page=f"/coordinator/programs/{program.id}/matching")
    run = db.session.scalar(sa.select(MatchingRun).order_by(MatchingRun.id.desc()))
    proposals = db.session.scalars(sa.select(MatchProposal).where(MatchProposal.run_id == run.id)).all()
    assert [(p.application_id, p.mentor_id) for p in proposals] == [(application.id, omar.id)]


def test_hand_pick_lists_every_mentor_and_why_some_cannot_be_chosen(browser, coordinator, scene):
    program, application, dana, omar, proposal = scene
    proposal.status = ProposalStatus.REJECTED
    hmong = make_mentor(programs=[program], cleared=False,
                        user=make_user(Role.MENTOR, first_name="Pao", last_name="Vang"))
    unmatched = make_unmatched(proposal.run, application)
    page = browser.get(f"/coordinator/unmatched/{unmatched.id}").get_data(as_text=True)
    assert "Approve Dana Nguyen" in page and "Approve Omar Reyes" in page
    assert "Cannot be matched: Mentor is not cleared" in page and "Approve Pao Vang" not in page
    refused = browser.post(f"/coordinator/unmatched/{unmatched.id}/pick", {"mentor_id": hmong.id})
    assert refused.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Match.id))) == 0
    browser.post(f"/coordinator/unmatched/{unmatched.id}/pick", {"mentor_id": omar.id})
    match = db.session.scalar(sa.select(Match))
    assert match.mentor_id == omar.id and match.proposal.run_id == proposal.run_id
    db.session.expire_all()
    assert application.status is ApplicationStatus.PROPOSED


def test_proposals_page_lists_pairs_with_scores_reasons_and_counts(browser, coordinator, scene):
    proposal = scene[4]
    page = browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True)
    assert "Lucia Santos, 15" in page and "Dana Nguyen" in page and ">70<" in page
    assert "Both into robotics" in page
    assert "<strong>1</strong> awaiting decision" in page


def test_each_approval_shows_the_runs_counts_with_every_approval_so_far(app, browser, coordinator, scene):
    program, _, dana, omar, first = scene
    run = db.session.get(MatchingRun, first.run_id)
    second = make_proposal(make_application(make_youth(14), program), omar, run=run)
    third = make_proposal(make_application(make_youth(16), program), make_mentor(programs=[program]), run=run)
    db.session.commit()
    other = Browser(app.test_client())
    colleague = make_user(Role.COORDINATOR)
    assert other.login(colleague.email, PASSWORD).status_code == 302

    def counts(body: str) -> tuple[str, str]:
        return (re.search(r"<strong>(\d+)</strong> awaiting decision", body).group(1),
                re.search(r"<strong>(\d+)</strong> approved", body).group(1))

    assert counts(approve(browser, first.id).get_data(as_text=True)) == ("2", "1")
    assert counts(approve(other, second.id).get_data(as_text=True)) == ("1", "2")
    # Refused (already approved): the counts still stand, nothing was changed.
    refused = approve(browser, second.id).get_data(as_text=True)
    assert "already approved" in refused and counts(refused) == ("1", "2")
    for viewer in (browser, other):
        assert counts(viewer.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)) == ("1", "2")
    assert counts(approve(other, third.id).get_data(as_text=True)) == ("0", "3")
    assert counts(browser.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)) == ("0", "3")
