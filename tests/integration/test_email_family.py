"""E-mail to families and staff, through a real SMTP server on a loopback port, in each person's language."""
from __future__ import annotations

import re

import pytest

from mentormatch import queue
from mentormatch.coordinator import decisions
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    Match,
    MatchProposal,
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
from tests.support import family_flow

pytestmark = pytest.mark.usefixtures("compiled_translations")


def submit_as_guardian(browser, guardian, age: int = 15):
    child = make_youth(age=age, guardian=guardian, first_name="Ana", last_name="Lopez")
    program = make_program(name="Explorer Post 300")
    browser.login(guardian.email, PASSWORD)
    browser.post("/family/apply", {"youth_id": child.id, "program_id": program.id}, form_page="/family/apply")
    application = child.applications[0]
    family_flow.fill_steps(browser, application.id, age=age)
    browser.post(f"/family/applications/{application.id}/review",
                 {"relation": "Mother", "typed_signature": "Maria Lopez", "agree": "y"})
    return application


def submit_as_youth_alone(browser, locale: str = "en"):
    user = make_user(Role.YOUTH, email="tou@example.org", first_name="Tou", last_name="Vang", locale=locale)
    youth = make_youth(age=16, user=user, first_name="Tou", last_name="Vang", guardian_email="mai@example.org")
    program = make_program(name="Explorer Post 300")
    browser.login(user.email, PASSWORD)
    browser.post("/family/apply", {"youth_id": youth.id, "program_id": program.id}, form_page="/family/apply")
    application = youth.applications[0]
    family_flow.fill_steps(browser, application.id, age=16, first_name="Tou", last_name="Vang")
    browser.post(f"/family/applications/{application.id}/review", {"guardian_email": "mai@example.org"})
    return application


def test_guardian_gets_a_submission_email_with_the_status_link(browser, smtp):
    guardian = make_user(Role.GUARDIAN, email="maria@example.org")
    application = submit_as_guardian(browser, guardian)
    (message,) = smtp.inbox.wait_for(1)
    assert message["To"] == "maria@example.org"
    assert message["Subject"] == "We received the application to Explorer Post 300"
    assert f"/family/applications/{application.id}" in message.get_content()


def test_spanish_speaking_guardian_gets_the_submission_email_in_spanish(browser, smtp):
    guardian = make_user(Role.GUARDIAN, email="maria@example.org", locale="es")
    submit_as_guardian(browser, guardian)
    (message,) = smtp.inbox.wait_for(1)
    assert message["Subject"] == "Recibimos la solicitud para Explorer Post 300"
    body = message.get_content()
    assert "Recibimos la solicitud de Ana para Explorer Post 300." in body
    assert "Siga la solicitud aquí:" in body


def test_youth_alone_sends_the_guardian_a_consent_link_that_works(browser, client, smtp):
    submit_as_youth_alone(browser)
    messages = smtp.inbox.wait_for(2)
    (request,) = smtp.inbox.to("mai@example.org")
    assert request["Subject"] == "Your consent is needed for Tou's application"
    link = re.search(r"https?://\S+/family/consent/\S+", request.get_content()).group(0)
    assert "expires in 14 days" in request.get_content()
    (waiting,) = smtp.inbox.to("tou@example.org")
    assert "Waiting for a guardian's consent" in waiting["Subject"]
    path = link.split("mentormatch.test", 1)[1]
    assert "Consent for Tou" in client.get(path).get_data(as_text=True)
    assert len(messages) == 2


def test_consent_request_goes_out_in_the_familys_spanish(browser, smtp):
    submit_as_youth_alone(browser, locale="es")
    smtp.inbox.wait_for(2)
    (request,) = smtp.inbox.to("mai@example.org")
    assert request["Subject"] == "Se necesita su consentimiento para la solicitud de Tou"
    assert "caduca en 14 días" in request.get_content()


def test_consent_by_link_confirms_to_the_guardian_and_tells_the_youth(browser, client, smtp):
    submit_as_youth_alone(browser)
    (request,) = [m for m in smtp.inbox.wait_for(2) if m["To"] == "mai@example.org"]
    path = re.search(r"/family/consent/\S+", request.get_content()).group(0)
    browser.post(path, {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y", "consent": "Give consent"},
                 form_page=path)
    smtp.inbox.wait_for(4)
    recorded = [m for m in smtp.inbox.messages if m["Subject"] == "Consent recorded: Explorer Post 300"]
    assert {m["To"] for m in recorded} == {"mai@example.org", "tou@example.org"}


def test_a_declined_consent_is_told_to_the_youth(browser, smtp):
    submit_as_youth_alone(browser)
    (request,) = [m for m in smtp.inbox.wait_for(2) if m["To"] == "mai@example.org"]
    path = re.search(r"/family/consent/\S+", request.get_content()).group(0)
    browser.post(path, {"relation": "Father", "typed_signature": "", "decline": "Decline"}, form_page=path)
    smtp.inbox.wait_for(4)
    declined = [m for m in smtp.inbox.to("tou@example.org") if m["Subject"] == "Consent declined: Explorer Post 300"]
    assert declined and "the application is withdrawn" in declined[0].get_content()


def test_withdrawn_consent_is_emailed_to_the_coordinators(browser, smtp):
    coordinator = make_user(Role.COORDINATOR, email="coord@example.org")
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez")
    application = make_application(make_youth(age=15, guardian=guardian, first_name="Ana"), make_program(),
                                   status=ApplicationStatus.WAITLISTED)
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/consent/withdraw", {"withdrawal_reason": "We moved."},
                 form_page=f"/family/applications/{application.id}")
    (message,) = smtp.inbox.wait_for(1)
    assert message["To"] == coordinator.email
    assert f"application {application.id} paused" in message["Subject"]
    assert "Maria Lopez withdrew consent" in message.get_content() and "We moved." in message.get_content()


def test_an_ineligible_application_is_explained_by_email(browser, smtp):
    guardian = make_user(Role.GUARDIAN, email="maria@example.org")
    child = make_youth(age=12, guardian=guardian, first_name="Ana")
    program = make_program(name="Explorer Post 300")
    browser.login(guardian.email, PASSWORD)
    browser.post("/family/apply", {"youth_id": child.id, "program_id": program.id}, form_page="/family/apply")
    browser.post(f"/family/applications/{child.applications[0].id}/step/1", family_flow.about(age=12))
    (message,) = smtp.inbox.wait_for(1)
    assert message["Subject"] == "About the application to Explorer Post 300"
    assert "Explorer Post 300 starts at age 14, and the applicant is 12." in message.get_content()


def test_an_approved_proposal_tells_the_family_the_first_name_and_reasons_in_their_language(app, smtp):
    guardian = make_user(Role.GUARDIAN, email="maria@example.org", locale="es")
    application = make_application(make_youth(age=15, guardian=guardian, first_name="Ana"),
                                   make_program(name="Explorer Post 300"))
    mentor = make_mentor(user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes", email="dana@example.org"),
                         programs=[application.program])
    proposal = make_proposal(application, mentor)
    decisions.approve(proposal.id, make_user(Role.COORDINATOR))
    queue.flush()
    smtp.inbox.wait_for(2)
    (message,) = smtp.inbox.to("maria@example.org")
    assert message["Subject"] == "Se ha propuesto un mentor"
    body = message.get_content()
    assert "Dana" in body and "Ana" in body and "Reyes" not in body
    (to_mentor,) = smtp.inbox.to("dana@example.org")
    assert to_mentor["Subject"] == "You have a new mentee"


def test_welcome_email_follows_the_confirmation_in_the_language_chosen_at_sign_up(app, smtp):
    from mentormatch.auth import confirmation

    user = make_user(Role.GUARDIAN, email="maria@example.org", first_name="Maria", locale="es", confirmed=False)
    confirmation.confirm(user)
    db.session.commit()
    queue.flush()
    (message,) = smtp.inbox.wait_for(1)
    assert message["Subject"] == "Bienvenido/a a MentorMatch"
    assert "Hola, Maria:" in message.get_content()


def test_a_declined_mentor_is_emailed_to_the_coordinators_with_the_reason(browser, smtp):
    coordinator = make_user(Role.COORDINATOR, email="coord@example.org")
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez")
    application = make_application(make_youth(age=15, guardian=guardian, first_name="Ana"), make_program(),
                                   status=ApplicationStatus.PROPOSED)
    mentor = make_mentor(user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes"))
    proposal = MatchProposal(application=application, mentor=mentor, score=0.8, status=ProposalStatus.APPROVED)
    db.session.add_all([proposal, Match(application=application, mentor=mentor, proposal=proposal,
                                        status=MatchStatus.AWAITING_FIRST_MEETING)])
    db.session.commit()
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/decline", {"decline_reason": "Weekends only, please."},
                 form_page=f"/family/applications/{application.id}")
    (message,) = smtp.inbox.wait_for(1)
    assert message["To"] == coordinator.email
    assert message["Subject"] == f"Proposed mentor declined by the family: application {application.id}"
    body = message.get_content()
    assert "Maria Lopez declined the proposed mentor Dana Reyes" in body and "Weekends only, please." in body
