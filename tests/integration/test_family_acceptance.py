"""The family accepts the mentor staff approved; only then does each side see how to reach the other,
and what the family sees of the mentor is what the program's contact policy allows."""
from __future__ import annotations

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    ContactPolicy,
    OutboxMessage,
    Role,
)
from tests.builders import PASSWORD, make_application, make_program, make_user, make_youth
from tests.integration.test_family_status import approved_proposal


def proposed_family(browser, age: int = 15, policy: ContactPolicy = ContactPolicy.WORK, **mentor_fields):
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez", phone="916-555-0142")
    youth = make_youth(age=age, guardian=guardian, first_name="Ana")
    application = make_application(youth, make_program(name="Explorer Post 300", contact_policy=policy))
    _proposal, match = approved_proposal(application)
    for name, value in {"work_email": "d.reyes@police.example.gov", "work_phone": "916-555-0300",
                        **mentor_fields}.items():
        setattr(match.mentor, name, value)
    db.session.commit()
    return guardian, application, match


def status_page(browser, application) -> str:
    return browser.get(f"/family/applications/{application.id}").get_data(as_text=True)


def test_no_contact_detail_is_shown_to_either_side_before_the_family_accepts(browser):
    guardian, application, match = proposed_family(browser)
    browser.login(guardian.email, PASSWORD)
    page = status_page(browser, application)
    assert "Do you accept Dana as mentor?" in page and "Accept this mentor" in page
    mentor = match.mentor
    for detail in (mentor.user.email, mentor.user.phone, mentor.work_email, mentor.work_phone):
        assert detail not in page
    browser.logout()
    browser.login(mentor.user.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "Waiting for the family to accept the match" in home
    assert guardian.email not in home and "916-555-0142" not in home
    refused = browser.get(f"/matches/{match.id}/meetings/new", follow_redirects=True).get_data(as_text=True)
    assert "The family has not accepted the match yet" in refused


def test_accepting_shares_the_mentors_work_contact_and_tells_the_mentor(browser):
    guardian, application, match = proposed_family(browser)
    browser.login(guardian.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/accept",
                            form_page=f"/family/applications/{application.id}", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "You accepted Dana as mentor." in page
    assert "d.reyes@police.example.gov" in page and "916-555-0300" in page
    # The program shares the work contact only: not the mentor's own address or phone.
    assert match.mentor.user.email not in page and "916-555-0100" not in page
    assert "Accept this mentor" not in page and "Decline this mentor" not in page
    db.session.refresh(match)
    assert match.accepted_by_id == guardian.id and match.accepted_at is not None
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "match.accepted"))
    assert event.actor_id == guardian.id and event.object_id == match.id
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "match_accepted_mentor"))
    assert mail.to_address == match.mentor.user.email and "accepted you as mentor" in mail.body
    browser.logout()
    browser.login(match.mentor.user.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "Family contact: Maria Lopez" in home and guardian.email in home and "916-555-0142" in home
    assert browser.get(f"/matches/{match.id}/meetings/new").status_code == 200


def test_a_program_may_share_the_mentors_own_phone_too(browser):
    guardian, application, match = proposed_family(browser, policy=ContactPolicy.WORK_AND_PHONE)
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/accept", form_page=f"/family/applications/{application.id}")
    page = status_page(browser, application)
    assert "916-555-0300" in page and "916-555-0100" in page
    assert match.mentor.user.email not in page


def test_without_a_work_contact_the_family_reaches_the_mentor_through_the_coordinator(browser):
    guardian, application, match = proposed_family(browser, work_email=None, work_phone=None)
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/accept", form_page=f"/family/applications/{application.id}")
    page = status_page(browser, application)
    assert "through the program" in page and "coordinator, who passes messages on" in page
    assert match.mentor.user.email not in page and "916-555-0100" not in page


def test_a_young_person_under_18_cannot_accept_but_one_of_18_can(browser):
    user = make_user(Role.YOUTH)
    youth = make_youth(age=16, user=user, guardian=make_user(Role.GUARDIAN))
    application = make_application(youth, make_program())
    _proposal, match = approved_proposal(application)
    browser.login(user.email, PASSWORD)
    page = status_page(browser, application)
    assert "Accept this mentor" not in page and "contact details are shared once they accept" in page
    assert browser.post(f"/family/applications/{application.id}/accept").status_code == 404
    db.session.refresh(match)
    assert match.accepted_at is None
    browser.logout()
    adult = make_user(Role.YOUTH)
    grown = make_application(make_youth(age=19, user=adult), make_program())
    _proposal, own_match = approved_proposal(grown, mentor_first_name="Sam")
    browser.login(adult.email, PASSWORD)
    browser.post(f"/family/applications/{grown.id}/accept", form_page=f"/family/applications/{grown.id}")
    db.session.refresh(own_match)
    assert own_match.accepted_by_id == adult.id


def test_accepting_twice_or_after_declining_changes_nothing(browser):
    guardian, application, match = proposed_family(browser)
    browser.login(guardian.email, PASSWORD)
    url = f"/family/applications/{application.id}/accept"
    assert browser.post(url, form_page=f"/family/applications/{application.id}").status_code == 302
    first = match.accepted_at
    assert browser.post(url).status_code == 404
    db.session.refresh(match)
    assert match.accepted_at == first
    assert browser.post(f"/family/applications/{application.id}/decline", {"decline_reason": "no"}).status_code == 404
    db.session.refresh(application)
    assert application.status is ApplicationStatus.PROPOSED


def test_withdrawn_consent_hides_the_contact_details_again(browser):
    guardian, application, match = proposed_family(browser)
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/accept", form_page=f"/family/applications/{application.id}")
    browser.post(f"/family/applications/{application.id}/consent/withdraw", {"withdrawal_reason": "We need a pause."},
                 form_page=f"/family/applications/{application.id}")
    browser.logout()
    browser.login(match.mentor.user.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert guardian.email not in home and "This match is on hold" in home
