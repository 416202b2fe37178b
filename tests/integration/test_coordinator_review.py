"""Application review: live search, the full record (and the audit of reading it), decisions e-mailed
to the family in their language; the dashboard's queues."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    ClearanceKind,
    Match,
    MatchStatus,
    ProposalStatus,
    Role,
)
from tests.builders import (
    PASSWORD,
    make_application,
    make_mentor,
    make_program,
    make_proposal,
    make_user,
    make_youth,
)


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield")
    browser.login(user.email, PASSWORD)
    return user


@pytest.fixture
def review():
    program = make_program(name="Explorer Post 300")
    guardian = make_user(Role.GUARDIAN, first_name="Maria", email="maria@example.org", locale="es")
    youth = make_youth(15, guardian=guardian, first_name="Lucia", last_name="Santos", school="McClatchy High")
    return make_application(youth, program, status=ApplicationStatus.UNDER_REVIEW)


def test_search_filters_live_and_pages(browser, coordinator, review):
    other = make_program(name="Cadets")
    make_application(make_youth(17, first_name="Devon", last_name="Carter"), other,
                     status=ApplicationStatus.UNDER_REVIEW)
    fragment = browser.client.get("/coordinator/applications?q=luc", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="application-results"')
    assert "Lucia Santos" in body and "Devon Carter" not in body
    by_program = browser.get(f"/coordinator/applications?program={other.id}").get_data(as_text=True)
    assert "Devon Carter" in by_program and "Lucia Santos" not in by_program
    by_age = browser.get("/coordinator/applications?age=17").get_data(as_text=True)
    assert "Devon Carter" in by_age and "Lucia Santos" not in by_age
    by_status = browser.get("/coordinator/applications?status=waitlisted").get_data(as_text=True)
    assert "No application matches these filters." in by_status
    for n in range(30):
        make_application(make_youth(16, first_name=f"Many{n}"), other, status=ApplicationStatus.WAITLISTED)
    first = browser.get("/coordinator/applications?status=waitlisted").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Next" in first


def test_opening_a_record_shows_profile_and_consent_and_is_audited(browser, coordinator, review):
    page = browser.get(f"/coordinator/applications/{review.id}").get_data(as_text=True)
    assert "McClatchy High" in page and "Pat Example" in page and "Mother" in page
    assert "Meets the program's age and grade rules" in page
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "application.view"))
    assert (event.actor_id, event.object_type, event.object_id) == (coordinator.id, "applications", review.id)


def test_marking_eligible_waitlists_and_emails_the_family_in_their_language(browser, coordinator, review, smtp):
    response = browser.post(f"/coordinator/applications/{review.id}/decision", {"decision": "eligible"},
                            form_page=f"/coordinator/applications/{review.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert review.status is ApplicationStatus.WAITLISTED and review.waiting_since is not None
    assert review.decided_by_id == coordinator.id
    smtp.inbox.wait_for(1)
    [message] = smtp.inbox.to("maria@example.org")
    assert message.get_content().startswith("Hola, Maria:")
    assert "Se revisó la solicitud de Lucia" in message.get_content()


@pytest.mark.parametrize("decision, status", [("ineligible", ApplicationStatus.INELIGIBLE),
                                              ("info", ApplicationStatus.INFO_REQUESTED)])
def test_ineligible_and_information_requests_need_a_message_for_the_family(
        browser, coordinator, review, smtp, decision, status):
    url = f"/coordinator/applications/{review.id}/decision"
    refused = browser.post(url, {"decision": decision, "reason": " "}, form_page=f"/coordinator/applications/{review.id}")
    assert refused.status_code == 422 and "the family will read it" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert review.status is ApplicationStatus.UNDER_REVIEW
    browser.post(url, {"decision": decision, "reason": "Please send the school transcript."})
    db.session.expire_all()
    assert review.status is status and review.decision_reason == "Please send the school transcript."
    smtp.inbox.wait_for(1)
    [message] = smtp.inbox.to("maria@example.org")
    assert "Please send the school transcript." in message.get_content()


def test_a_minor_without_consent_cannot_join_the_waitlist(browser, coordinator):
    application = make_application(make_youth(15), make_program(), status=ApplicationStatus.UNDER_REVIEW,
                                   consent=False)
    response = browser.post(f"/coordinator/applications/{application.id}/decision", {"decision": "eligible"},
                            form_page=f"/coordinator/applications/{application.id}")
    assert response.status_code == 422
    assert "consent is needed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert application.status is ApplicationStatus.UNDER_REVIEW


def test_dashboard_counts_link_to_their_queues_and_list_at_risk_matches_and_declines(browser, coordinator):
    program = make_program()
    make_application(make_youth(15), program, status=ApplicationStatus.UNDER_REVIEW)
    lapsed = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Sam", last_name="Lee"))
    lapsed.current_clearance(ClearanceKind.MANDATED_REPORTER).expires_on = date.today() - timedelta(days=2)
    matched = make_application(make_youth(16, first_name="Tou", last_name="Vang"), program,
                               status=ApplicationStatus.MATCHED)
    db.session.add(Match(application=matched, mentor=lapsed, status=MatchStatus.ACTIVE))
    declined = make_proposal(make_application(make_youth(14, first_name="Mai"), program), lapsed,
                             status=ProposalStatus.DECLINED_BY_GUARDIAN, decision_reason="Too far from home")
    db.session.commit()
    page = browser.get("/home").get_data(as_text=True)
    assert 'href="/coordinator/applications?status=under_review"' in page
    assert 'href="/coordinator/mentors#expiring"' in page
    assert "Tou Vang" in page and "Mandated-reporter training (AB 506): expired" in page
    assert "Too far from home" in page and declined.application.youth.full_name in page


def test_audit_trail_of_an_application_includes_its_proposals_and_matches(browser, coordinator, review):
    browser.post(f"/coordinator/applications/{review.id}/decision", {"decision": "eligible"},
                 form_page=f"/coordinator/applications/{review.id}")
    proposal = make_proposal(review, make_mentor(programs=[review.program]))
    browser.htmx_post(f"/coordinator/proposals/{proposal.id}/approve")
    match = db.session.scalar(sa.select(Match))
    trail = browser.get(f"/coordinator/audit/applications/{review.id}").get_data(as_text=True)
    for action in ("application.view", "application.waitlisted", "proposal.approved", "match.create"):
        assert action in trail
    assert "Jordan Whitfield" in trail and "waitlisted" in trail
    match_trail = browser.get(f"/coordinator/audit/matches/{match.id}").get_data(as_text=True)
    assert "match.create" in match_trail and "match.awaiting_first_meeting" not in match_trail
    assert browser.get("/coordinator/audit/applications/999999").status_code == 404
