"""The status page and what a family may do from it: waitlist figures, the proposed mentor,
declining with a reason, withdrawing; and no family sees another's application."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    ClosureReason,
    Match,
    MatchProposal,
    MatchStatus,
    ProposalStatus,
    Role,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth

REASONS = [{"factor": "interests", "label": "Shared interests", "contribution": 0.3,
            "text": "Both enjoy robotics and K9 work."},
           {"factor": "availability", "label": "Availability", "contribution": 0.2,
            "text": "Both are free on Tuesday evenings."}]


def approved_proposal(application, mentor_first_name: str = "Dana"):
    """What a coordinator's approval leaves: an approved proposal, an open match, a proposed application."""
    mentor = make_mentor(programs=[application.program],
                         user=make_user(Role.MENTOR, first_name=mentor_first_name, last_name="Reyes",
                                        phone="916-555-0100"))
    proposal = MatchProposal(application=application, mentor=mentor, score=0.8, reasons=REASONS,
                             status=ProposalStatus.APPROVED, decided_at=utcnow())
    match = Match(application=application, mentor=mentor, proposal=proposal,
                  status=MatchStatus.AWAITING_FIRST_MEETING, meeting_plan="Tuesdays 6 pm at the community center.")
    application.status = ApplicationStatus.PROPOSED
    db.session.add_all([proposal, match])
    db.session.commit()
    return proposal, match


def family(browser, age: int = 15, status=ApplicationStatus.WAITLISTED, **application_fields):
    guardian = make_user(Role.GUARDIAN)
    child = make_youth(age=age, guardian=guardian, first_name="Ana")
    application = make_application(child, make_program(name="Explorer Post 300"), status=status, **application_fields)
    browser.login(guardian.email, PASSWORD)
    return guardian, application


def test_waitlisted_status_shows_days_waiting_and_position_among_those_waiting_longer(browser):
    _guardian, application = family(browser, waiting_since=utcnow() - timedelta(days=12))
    for days in (30, 20, 5):
        make_application(make_youth(), application.program, status=ApplicationStatus.WAITLISTED,
                         waiting_since=utcnow() - timedelta(days=days))
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Waiting for 12 days." in page
    assert re.search(r"Place on this program(&#39;|')s waitlist: 3 of 4\.", page)
    assert "too few recent matches" in page


def test_waitlist_estimate_is_given_only_from_recent_matches_in_the_program(browser):
    _guardian, application = family(browser, waiting_since=utcnow() - timedelta(days=3))
    for _ in range(3):
        other = make_application(make_youth(), application.program, status=ApplicationStatus.MATCHED)
        db.session.add(Match(application=other, mentor=make_mentor(), status=MatchStatus.ACTIVE,
                             approved_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    # Position 1 at 3 matches in 180 days: 60 days, about 9 weeks.
    assert "3 matches in the last six months" in page and "about 9 weeks" in page
    assert "estimate, not a promise" in page


def test_proposed_mentor_is_shown_by_first_name_with_the_engines_reasons(browser):
    _guardian, application = family(browser)
    approved_proposal(application)
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "proposes Dana as mentor in Explorer Post 300" in page
    assert "Both enjoy robotics and K9 work." in page and "Both are free on Tuesday evenings." in page
    assert "Reyes" not in page
    assert "Tuesdays 6 pm at the community center." in page


def test_a_pending_proposal_is_not_shown_to_the_family(browser):
    _guardian, application = family(browser)
    mentor = make_mentor(programs=[application.program], user=make_user(Role.MENTOR, first_name="Dana"))
    db.session.add(MatchProposal(application=application, mentor=mentor, score=0.7, reasons=REASONS))
    db.session.commit()
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Dana" not in page and "Both enjoy robotics" not in page


def test_a_youth_under_18_sees_the_mentor_but_not_their_contact_nor_a_decline_button(browser):
    user = make_user(Role.YOUTH)
    youth = make_youth(age=16, user=user, guardian=make_user(Role.GUARDIAN))
    application = make_application(youth, make_program())
    _proposal, match = approved_proposal(application)
    browser.login(user.email, PASSWORD)
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "proposes Dana" in page
    assert match.mentor.user.email not in page and "Decline this mentor" not in page
    assert browser.post(f"/family/applications/{application.id}/decline",
                        {"decline_reason": "no"}).status_code == 404


def test_guardian_declines_the_proposed_mentor_with_a_reason_and_keeps_their_place(browser):
    guardian, application = family(browser, waiting_since=utcnow() - timedelta(days=40))
    waiting_since = application.waiting_since
    proposal, match = approved_proposal(application)
    response = browser.post(f"/family/applications/{application.id}/decline",
                            {"decline_reason": "Ana would rather meet on weekends."},
                            form_page=f"/family/applications/{application.id}")
    assert response.status_code == 302
    db.session.refresh(application)
    db.session.refresh(proposal)
    db.session.refresh(match)
    assert proposal.status is ProposalStatus.DECLINED_BY_GUARDIAN
    assert proposal.decision_reason == "Ana would rather meet on weekends." and proposal.decided_by_id == guardian.id
    assert match.status is MatchStatus.CLOSED and match.closure_reason is ClosureReason.FAMILY_DECLINED
    assert match.closure_notes == {"guardian": "Ana would rather meet on weekends."} and match.rematch is True
    assert application.status is ApplicationStatus.WAITLISTED and application.waiting_since == waiting_since
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"proposal.declined_by_guardian", "match.closed", "application.waitlisted"} <= actions


def test_declining_a_mentor_needs_a_reason_and_changes_nothing_without_one(browser):
    _guardian, application = family(browser)
    proposal, _match = approved_proposal(application)
    response = browser.post(f"/family/applications/{application.id}/decline", {"decline_reason": ""},
                            form_page=f"/family/applications/{application.id}")
    assert response.status_code == 422 and "Tell the coordinator why" in response.get_data(as_text=True)
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.APPROVED


def test_an_adult_youth_may_decline_their_own_proposed_mentor(browser):
    user = make_user(Role.YOUTH)
    youth = make_youth(age=19, user=user)
    application = make_application(youth, make_program())
    proposal, _match = approved_proposal(application)
    browser.login(user.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/decline", {"decline_reason": "Different hours."},
                 form_page=f"/family/applications/{application.id}")
    db.session.refresh(proposal)
    assert proposal.status is ProposalStatus.DECLINED_BY_GUARDIAN


def test_family_withdraws_an_application_and_an_open_match_is_closed(browser):
    _guardian, application = family(browser)
    _proposal, match = approved_proposal(application)
    browser.post(f"/family/applications/{application.id}/withdraw", {"withdraw_reason": "Too busy with school."},
                 form_page=f"/family/applications/{application.id}")
    db.session.refresh(application)
    db.session.refresh(match)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert application.decision_reason is None or "Too busy" in (application.decision_reason or "Too busy")
    assert match.status is MatchStatus.CLOSED and match.rematch is False
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "The application was withdrawn." in page and "Withdraw the application" not in page


def test_a_matched_family_sees_the_mentor_and_the_meeting_plan(browser):
    _guardian, application = family(browser)
    _proposal, match = approved_proposal(application)
    application.status = ApplicationStatus.MATCHED
    match.status = MatchStatus.ACTIVE
    db.session.commit()
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Ana is matched with Dana." in page and "Tuesdays 6 pm at the community center." in page


def test_another_family_gets_404_for_an_application_that_is_not_theirs(browser):
    _guardian, _mine = family(browser)
    stranger_child = make_youth(guardian=make_user(Role.GUARDIAN))
    theirs = make_application(stranger_child, make_program())
    for url in (f"/family/applications/{theirs.id}", f"/family/applications/{theirs.id}/step/1",
                f"/family/applications/{theirs.id}/review"):
        assert browser.get(url).status_code == 404
    assert browser.post(f"/family/applications/{theirs.id}/withdraw", {"withdraw_reason": ""}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is ApplicationStatus.WAITLISTED


def test_a_youth_cannot_start_an_application_for_someone_elses_child(browser):
    user = make_user(Role.YOUTH)
    make_youth(age=19, user=user)
    program = make_program()
    other_child = make_youth(guardian=make_user(Role.GUARDIAN))
    browser.login(user.email, PASSWORD)
    response = browser.post("/family/apply", {"youth_id": other_child.id, "program_id": program.id},
                            form_page="/family/apply")
    assert response.status_code == 422
    db.session.refresh(other_child)
    assert not other_child.applications


def test_home_page_links_each_application_to_its_status(browser):
    _guardian, application = family(browser)
    home = browser.get("/home").get_data(as_text=True)
    assert f'href="/family/applications/{application.id}"' in home and "Apply for Ana" in home


def test_a_proposed_application_without_an_approved_match_shows_no_mentor(browser):
    _guardian, application = family(browser, status=ApplicationStatus.PROPOSED)
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "A coordinator is arranging the mentor" in page and "Why this mentor" not in page
