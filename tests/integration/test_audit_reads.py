"""Staff reading a youth's full record leaves one audit event naming who read what; lists, and the
family's and the mentor's own pages, leave none."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import ApplicationStatus, AuditEvent, Role
from tests.builders import (
    PASSWORD,
    make_application,
    make_check_in,
    make_match,
    make_mentor,
    make_program,
    make_proposal,
    make_unmatched,
    make_user,
    make_youth,
)


@pytest.fixture
def scene(app) -> dict:
    """A matched 15-year-old with a check-in, and a waitlisted one with a pending proposal in a run
    that left a third unmatched; the ids of everything the pages show."""
    program = make_program(name="Explorer Post 300")
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Santos", email="maria@example.org")
    youth = make_youth(15, guardian=guardian, first_name="Lucia", last_name="Santos", goals="Join the academy")
    application = make_application(youth, program, status=ApplicationStatus.MATCHED)
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, email="dana@example.org"))
    match = make_match(application, mentor, held_on=date.today() - timedelta(days=20))
    make_check_in(match, date.today() - timedelta(days=5), notes="Talked about school")
    proposal = make_proposal(make_application(make_youth(16), program), mentor)
    unmatched = make_unmatched(proposal.run, make_application(make_youth(17), program))
    return {"program": program.id, "application": application.id, "match": match.id, "mentor": mentor.id,
            "run": proposal.run_id, "proposal": proposal.id, "unmatched": unmatched.id}


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield")
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


def events_during(send, status: int = 200) -> list[AuditEvent]:
    """The audit events a request leaves, after checking its status."""
    before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
    response = send()
    assert response.status_code == status
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)))


FULL_RECORDS = {
    # page -> (url, the event's action, object type, the scene's object it names)
    "application": ("/coordinator/applications/{application}", "application.view", "applications", "application"),
    "match": ("/matches/{match}", "match.view", "matches", "match"),
    "application's audit trail": ("/coordinator/audit/applications/{application}",
                                  "application.audit_trail.view", "applications", "application"),
    "match's audit trail": ("/coordinator/audit/matches/{match}", "match.audit_trail.view", "matches", "match"),
}


@pytest.mark.parametrize("page", list(FULL_RECORDS))
def test_opening_a_youth_s_record_leaves_one_event_naming_the_coordinator_and_the_record(
        browser, coordinator, scene, page):
    url, action, object_type, name = FULL_RECORDS[page]
    [event] = events_during(lambda: browser.get(url.format(**scene)))
    assert (event.actor_id, event.action, event.object_type, event.object_id) == (
        coordinator.id, action, object_type, scene[name])


def test_the_match_page_shows_the_case_record_and_its_reading_is_on_the_trails(browser, coordinator, scene):
    page = browser.get(f"/matches/{scene['match']}").get_data(as_text=True)
    assert "Lucia Santos" in page and "Talked about school" in page
    for trail in (f"/coordinator/audit/matches/{scene['match']}",
                  f"/coordinator/audit/applications/{scene['application']}"):
        row = next(r for r in browser.get(trail).get_data(as_text=True).split("<tr>") if "match.view" in r)
        assert "Jordan Whitfield" in row and f"matches {scene['match']}" in row


def test_a_refused_form_that_shows_the_record_again_is_audited_again(browser, coordinator, scene):
    application_page = f"/coordinator/applications/{scene['application']}"
    browser.get(application_page)
    [event] = events_during(lambda: browser.post(f"{application_page}/decision", {"decision": ""}), status=422)
    assert (event.actor_id, event.action, event.object_id) == (coordinator.id, "application.view",
                                                               scene["application"])
    match_page = f"/matches/{scene['match']}"
    browser.get(match_page)
    [event] = events_during(lambda: browser.post(f"{match_page}/plan", {"meeting_plan": "x" * 5000}), status=422)
    assert (event.actor_id, event.action, event.object_id) == (coordinator.id, "match.view", scene["match"])


NOT_A_FULL_RECORD = {
    "dashboard": "/home",
    "applications": "/coordinator/applications",
    "waitlist": "/coordinator/programs/{program}/waitlist",
    "matching run": "/coordinator/runs/{run}",
    "proposal": "/coordinator/proposals/{proposal}",
    "unmatched youth": "/coordinator/unmatched/{unmatched}",
    "open matches": "/matches/",
    "check-in form": "/matches/{match}/check-ins/new",
    "close form": "/matches/{match}/close",
    "mentor": "/coordinator/mentors/{mentor}",
    "mentor's audit trail": "/coordinator/audit/mentors/{mentor}",
    "reports": "/reports/",
}


@pytest.mark.parametrize("page", list(NOT_A_FULL_RECORD))
def test_lists_and_pages_without_the_full_record_leave_no_event(browser, coordinator, scene, page):
    assert events_during(lambda: browser.get(NOT_A_FULL_RECORD[page].format(**scene))) == []


def test_a_proposal_s_details_opened_in_place_leave_no_event(browser, coordinator, scene):
    url = f"/coordinator/proposals/{scene['proposal']}?expanded=1"
    assert events_during(lambda: browser.client.get(url, headers={"HX-Request": "true"})) == []


def test_the_family_s_and_the_mentor_s_own_pages_leave_no_event(browser, scene):
    assert browser.login("maria@example.org", PASSWORD).status_code == 302
    for url in ("/home", f"/family/applications/{scene['application']}", "/family/data"):
        assert events_during(lambda: browser.get(url)) == []
    browser.logout()
    assert browser.login("dana@example.org", PASSWORD).status_code == 302
    for url in ("/home", f"/matches/{scene['match']}/meetings/new"):
        assert events_during(lambda: browser.get(url)) == []
