"""Guardian consent: by e-mailed link for a youth who started alone, declining, and withdrawing."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    AccessToken,
    ApplicationStatus,
    AuditEvent,
    ConsentMethod,
    ConsentStatus,
    Role,
    TokenPurpose,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_program, make_user, make_youth


def awaiting_consent(app, guardian_email: str = "mai.vang@example.org"):
    """A 16-year-old's application waiting for consent, and the raw link secret sent to the guardian."""
    user = make_user(Role.YOUTH, first_name="Tou", last_name="Vang")
    youth = make_youth(age=16, user=user, first_name="Tou", last_name="Vang", guardian_email=guardian_email)
    application = make_application(youth, make_program(parent_information="Explorers meet on Tuesdays."),
                                   status=ApplicationStatus.AWAITING_CONSENT, consent=False)
    _token, raw = AccessToken.issue(TokenPurpose.GUARDIAN_CONSENT, guardian_email,
                                    timedelta(days=app.config["CONSENT_LINK_DAYS"]), application=application)
    db.session.commit()
    return application, raw


def test_consent_page_shows_the_program_and_its_parent_information(app, browser):
    application, raw = awaiting_consent(app)
    page = browser.get(f"/family/consent/{raw}").get_data(as_text=True)
    assert "Consent for Tou" in page and application.program.name in page
    assert "Explorers meet on Tuesdays." in page


def test_guardian_consents_by_link_and_the_application_goes_to_review(app, browser):
    application, raw = awaiting_consent(app)
    response = browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang",
                                                       "agree": "y", "consent": "Give consent"})
    assert "consent recorded" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.UNDER_REVIEW
    consent = application.active_consent
    assert (consent.guardian_email, consent.relation, consent.typed_signature) == ("mai.vang@example.org", "Mother", "Mai Vang")
    assert consent.consented_at is not None


def test_a_consent_link_works_only_once(app, browser):
    _application, raw = awaiting_consent(app)
    browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y",
                                            "consent": "Give consent"})
    again = browser.get(f"/family/consent/{raw}")
    assert again.status_code == 410 and "This link no longer works" in again.get_data(as_text=True)


def test_an_expired_consent_link_is_refused(app, browser):
    application, raw = awaiting_consent(app)
    token = db.session.scalar(sa.select(AccessToken).where(AccessToken.application_id == application.id))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert browser.get(f"/family/consent/{raw}").status_code == 410


def test_consent_by_link_needs_the_box_ticked_and_a_full_name(app, browser):
    application, raw = awaiting_consent(app)
    response = browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai",
                                                       "consent": "Give consent"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tick the box to give consent." in body and "Type your first and last name." in body
    db.session.refresh(application)
    assert application.status is ApplicationStatus.AWAITING_CONSENT


def test_guardian_declines_by_link_and_the_application_is_withdrawn(app, browser):
    application, raw = awaiting_consent(app)
    response = browser.post(f"/family/consent/{raw}", {"relation": "Father", "typed_signature": "",
                                                       "decline": "Decline"})
    assert "You declined consent" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert application.consents[-1].declined_at is not None and application.active_consent is None


def test_consent_by_link_attaches_an_existing_guardian_account_to_the_child(app, browser):
    guardian = make_user(Role.GUARDIAN, email="mai.vang@example.org")
    application, raw = awaiting_consent(app)
    browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y",
                                            "consent": "Give consent"})
    db.session.refresh(application)
    assert application.youth.guardian_id == guardian.id
    assert application.active_consent.guardian_user_id == guardian.id


def test_sending_the_request_again_replaces_the_earlier_link(app, browser):
    application, first = awaiting_consent(app)
    youth_user = application.youth.user
    browser.login(youth_user.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/consent/resend", {},
                            form_page=f"/family/applications/{application.id}")
    assert response.status_code == 302
    assert browser.get(f"/family/consent/{first}").status_code == 410
    tokens = db.session.scalars(sa.select(AccessToken).where(AccessToken.application_id == application.id)).all()
    assert len(tokens) == 2 and sum(t.used_at is None for t in tokens) == 1


def test_guardian_withdraws_consent_and_the_application_pauses_with_an_audit_event(browser):
    guardian = make_user(Role.GUARDIAN)
    child = make_youth(age=15, guardian=guardian)
    application = make_application(child, make_program(), status=ApplicationStatus.WAITLISTED)
    browser.login(guardian.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/consent/withdraw",
                            {"withdrawal_reason": "We are moving away."},
                            form_page=f"/family/applications/{application.id}")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.PAUSED
    consent = application.consents[-1]
    assert consent.withdrawn_at is not None and consent.withdrawal_reason == "We are moving away."
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "consent.withdrawn",
                                                         AuditEvent.object_id == application.id))


def test_withdrawing_consent_needs_a_reason(browser):
    guardian = make_user(Role.GUARDIAN)
    child = make_youth(age=15, guardian=guardian)
    application = make_application(child, make_program(), status=ApplicationStatus.WAITLISTED)
    browser.login(guardian.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/consent/withdraw", {"withdrawal_reason": ""},
                            form_page=f"/family/applications/{application.id}")
    assert response.status_code == 422 and "Give a short reason" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WAITLISTED


def test_a_youth_cannot_withdraw_their_guardians_consent(browser):
    user = make_user(Role.YOUTH)
    youth = make_youth(age=16, user=user, guardian=make_user(Role.GUARDIAN))
    application = make_application(youth, make_program(), status=ApplicationStatus.WAITLISTED)
    browser.login(user.email, PASSWORD)
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Withdraw consent" not in page
    response = browser.post(f"/family/applications/{application.id}/consent/withdraw",
                            {"withdrawal_reason": "no"})
    assert response.status_code == 403



def test_consent_requests_are_limited_per_application_and_per_address(browser, smtp):
    """Resending cannot flood the address the youth chose; the family is told why, and nothing else changes."""
    from mentormatch.family import journey

    user = make_user(Role.YOUTH, email="tou@example.org")
    youth = make_youth(age=16, user=user, guardian_email="mai@example.org")
    application = make_application(youth, make_program(), status=ApplicationStatus.AWAITING_CONSENT, consent=False)
    browser.login(user.email, PASSWORD)
    status_page = f"/family/applications/{application.id}"
    for _ in range(journey.CONSENT_REQUESTS_PER_APPLICATION):
        response = browser.post(f"{status_page}/consent/resend", form_page=status_page)
        assert response.status_code == 302
    refused = browser.post(f"{status_page}/consent/resend", form_page=status_page, follow_redirects=True)
    assert "already sent 3 times today" in refused.get_data(as_text=True)
    smtp.inbox.wait_for(3)
    assert len(smtp.inbox.to("mai@example.org")) == 3

    # Other applications naming the same address share the address's own limit.
    for n in range(2):
        other = make_application(make_youth(age=16, guardian_email="mai@example.org"), make_program(),
                                 status=ApplicationStatus.AWAITING_CONSENT, consent=False)
        journey.request_consent(other, None)
    last = make_application(make_youth(age=16, guardian_email="mai@example.org"), make_program(),
                            status=ApplicationStatus.AWAITING_CONSENT, consent=False)
    with pytest.raises(journey.ConsentRequestRefused, match="too many consent requests today"):
        journey.request_consent(last, None)


def test_consent_through_an_address_the_youth_typed_waits_for_staff_to_confirm_the_guardian(app, browser):
    """A 15-year-old could 'consent' through an inbox of their own: staff confirm before any match."""
    from tests.conftest import Browser

    application, raw = awaiting_consent(app)
    browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y",
                                            "consent": "Give consent"})
    db.session.refresh(application)
    consent = application.active_consent
    assert consent.status is ConsentStatus.TO_CONFIRM and consent.address_from_youth
    assert consent.method is ConsentMethod.EMAILED_LINK and not application.consent_on_file

    coordinator = Browser(app.test_client())
    coordinator.login(make_user(Role.COORDINATOR, first_name="Jordan").email, PASSWORD)
    page = f"/coordinator/applications/{application.id}"
    shown = coordinator.get(page).get_data(as_text=True)
    assert "came through an address the young person typed in" in shown
    refused = coordinator.post(f"{page}/decision", {"decision": "eligible", "reason": ""}, form_page=page)
    assert refused.status_code == 422 and "Confirm the guardian" in refused.get_data(as_text=True)
    assert coordinator.post(f"{page}/consent/confirm", {"note": ""}, form_page=page).status_code == 422
    coordinator.post(f"{page}/consent/confirm", {"note": "Called Mai at the number on the school file"},
                     form_page=page)
    db.session.expire_all()
    assert application.active_consent.status is ConsentStatus.GIVEN
    assert application.active_consent.confirmation_note == "Called Mai at the number on the school file"
    accepted = coordinator.post(f"{page}/decision", {"decision": "eligible", "reason": ""}, form_page=page)
    assert accepted.status_code == 302
    db.session.expire_all()
    assert application.status is ApplicationStatus.WAITLISTED and application.is_matchable


def test_a_line_break_in_a_name_neither_breaks_the_consent_email_nor_leaves_the_application_half_done(
        app, browser, smtp):
    user = make_user(Role.YOUTH, email="tou@example.org")
    youth = make_youth(age=16, user=user, first_name="Tou\r\nBcc: evil@example.org", guardian_email="mai@example.org")
    application = make_application(youth, make_program(), status=ApplicationStatus.DRAFT, consent=False)
    browser.login(user.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/review", {"guardian_email": "mai@example.org"},
                            form_page=f"/family/applications/{application.id}/review")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.AWAITING_CONSENT
    smtp.inbox.wait_for(2)
    (request,) = smtp.inbox.to("mai@example.org")
    assert "Bcc" not in request.keys() and "\n" not in request["Subject"]
    assert not smtp.inbox.to("evil@example.org")


def test_a_consent_link_never_hands_the_child_to_an_account_that_has_not_proven_the_address(app, browser, client):
    """Someone registers a guardian account under the parent's address but cannot confirm it; the real
    parent consents by the link; the child must not appear in that account."""
    from tests.conftest import Browser

    application, raw = awaiting_consent(app, guardian_email="parent@example.org")
    stranger = make_user(Role.GUARDIAN, email="parent@example.org", confirmed=False)
    browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y",
                                            "consent": "Give consent"})
    db.session.refresh(application)
    assert application.status is ApplicationStatus.UNDER_REVIEW
    assert application.youth.guardian_id is None and application.active_consent.guardian_user_id is None
    intruder = Browser(app.test_client())
    intruder.login(stranger.email, PASSWORD)
    for page in ("/home", "/family/data/download", f"/family/applications/{application.id}"):
        body = intruder.get(page).get_data(as_text=True)
        assert "Tou" not in body and "Vang" not in body


def test_a_confirmed_guardian_account_follows_the_child_it_consented_for(app, browser):
    application, raw = awaiting_consent(app, guardian_email="parent@example.org")
    parent = make_user(Role.GUARDIAN, email="parent@example.org")
    browser.post(f"/family/consent/{raw}", {"relation": "Mother", "typed_signature": "Mai Vang", "agree": "y",
                                            "consent": "Give consent"})
    db.session.refresh(application)
    assert application.youth.guardian_id == parent.id
