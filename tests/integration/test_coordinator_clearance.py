"""Mentor clearance: the queues, verifying each record, the interview, approving and suspending."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch import matching_service
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    Clearance,
    ClearanceKind,
    Match,
    MatchStatus,
    MentorStatus,
    Role,
)
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR, first_name="Jordan", last_name="Whitfield")
    browser.login(user.email, PASSWORD)
    return user


@pytest.fixture
def applicant():
    """A mentor who entered three records and waits for a coordinator."""
    mentor = make_mentor(cleared=False, programs=[make_program()],
                         user=make_user(Role.MENTOR, first_name="Dana", last_name="Nguyen"))
    today = date.today()
    for kind in (ClearanceKind.BACKGROUND_CHECK, ClearanceKind.YOUTH_PROTECTION, ClearanceKind.MANDATED_REPORTER):
        db.session.add(Clearance(mentor=mentor, kind=kind, completed_on=today - timedelta(days=20),
                                 expires_on=today + timedelta(days=700)))
    db.session.commit()
    return mentor


def test_queues_show_awaiting_unverified_expiring_and_lapsed_mentors(browser, coordinator, applicant):
    expiring = make_mentor(user=make_user(Role.MENTOR, first_name="Omar", last_name="Reyes"))
    expiring.current_clearance(ClearanceKind.YOUTH_PROTECTION).expires_on = date.today() + timedelta(days=10)
    lapsed = make_mentor(user=make_user(Role.MENTOR, first_name="Sam", last_name="Lee"))
    lapsed.current_clearance(ClearanceKind.BACKGROUND_CHECK).expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    page = browser.get("/coordinator/mentors").get_data(as_text=True)
    sections = {key: page.split(f'id="{key}"')[1].split("</section>")[0]
                for key in ("awaiting", "unverified", "expiring", "lapsed")}
    assert "Dana Nguyen" in sections["awaiting"] and "Dana Nguyen" in sections["unverified"]
    assert "Omar Reyes" in sections["expiring"] and "Omar Reyes" not in sections["lapsed"]
    assert "Sam Lee" in sections["lapsed"] and "Background check (Live Scan): expired" in sections["lapsed"]


def test_clearing_a_mentor_step_by_step_puts_them_in_the_matching_pool(browser, coordinator, applicant):
    url = f"/coordinator/mentors/{applicant.id}"
    early = browser.post(f"{url}/status", {"action": "approve"}, form_page=url)
    assert early.status_code == 422 and "Verify every clearance first" in early.get_data(as_text=True)
    for record in applicant.clearances:
        response = browser.post(f"/coordinator/clearances/{record.id}/verify", {"outcome": "passed"}, form_page=url)
        assert response.status_code == 302
    browser.post(f"{url}/interview", {"held_on": date.today().isoformat(), "passed": "y",
                                      "notes": "Calm, clear about boundaries"}, form_page=url)
    approved = browser.post(f"{url}/status", {"action": "approve"}, form_page=url)
    assert approved.status_code == 302
    db.session.expire_all()
    assert applicant.status is MentorStatus.APPROVED and applicant.is_cleared()
    assert all(c.verified_by_id == coordinator.id for c in applicant.clearances)
    interview = applicant.current_clearance(ClearanceKind.INTERVIEW)
    assert interview.notes == "Calm, clear about boundaries" and interview.verified_at is not None
    assert "Cleared: in the matching pool." in browser.get(url).get_data(as_text=True)
    actions = [a for a in db.session.scalars(sa.select(AuditEvent.action))]
    assert actions.count("clearance.verified") == 4 and "clearance.recorded" in actions
    assert "mentor.approved" in actions


def test_a_failed_record_keeps_the_mentor_out(browser, coordinator, applicant):
    record = applicant.clearances[0]
    url = f"/coordinator/mentors/{applicant.id}"
    browser.post(f"/coordinator/clearances/{record.id}/verify", {"outcome": "failed"}, form_page=url)
    db.session.expire_all()
    assert record.verified_at is not None and not record.passed
    assert "Background check (Live Scan): not passed." in browser.get(url).get_data(as_text=True)


def test_an_interview_cannot_be_in_the_future(browser, coordinator, applicant):
    url = f"/coordinator/mentors/{applicant.id}"
    response = browser.post(f"{url}/interview", {"held_on": (date.today() + timedelta(days=3)).isoformat()},
                            form_page=url)
    assert response.status_code == 422 and "cannot be recorded before it is held" in response.get_data(as_text=True)


def test_suspending_needs_a_reason_and_puts_open_matches_at_risk(browser, coordinator):
    program = make_program()
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Sam", last_name="Lee"))
    matched = make_application(make_youth(16, first_name="Tou", last_name="Vang"), program,
                               status=ApplicationStatus.MATCHED)
    db.session.add(Match(application=matched, mentor=mentor, status=MatchStatus.ACTIVE))
    db.session.commit()
    url = f"/coordinator/mentors/{mentor.id}"
    refused = browser.post(f"{url}/status", {"action": "suspend", "reason": ""}, form_page=url)
    assert refused.status_code == 422 and "Say why the mentor is suspended." in refused.get_data(as_text=True)
    browser.post(f"{url}/status", {"action": "suspend", "reason": "Under internal review"}, form_page=url)
    db.session.expire_all()
    assert mentor.status is MentorStatus.SUSPENDED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "mentor.suspended"))
    assert event.details["after"] == {"status": "suspended", "reason": "Under internal review"}
    home = browser.get("/home").get_data(as_text=True)
    assert "Tou Vang" in home.split('id="at-risk"')[1].split("</table>")[0]
    make_application(make_youth(15), program)
    assert matching_service.load_cohort(program).mentor_profiles == []
