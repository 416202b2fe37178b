"""Partner referrals: a liaison refers a family, the family applies or declines from a single-use,
expiring link, and the liaison sees only the stage each referral reached, until the family
withdraws even that."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    MatchStatus,
    OutboxMessage,
    Referral,
    ReferralInvitation,
    ReferralStatus,
    Role,
    User,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_match, make_mentor, make_program, make_user, make_youth
from tests.conftest import Browser
from tests.support.partnership import at, make_liaison, make_partner, make_referral


def messages_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == address)
                                   .order_by(OutboxMessage.id)))


def invitation_path(message: OutboxMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/partners/invitations/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def refer(browser, program, **overrides):
    data = {"family_email": "lopez.family@example.org", "family_locale": "es", "child_first_name": "Ana",
            "age_band": "14-15", "programs": [str(program.id)], "reason": "Ana loves robotics club.",
            "family_agreed": "y"}
    data.update(overrides)
    return browser.post("/partners/referrals/new", data, form_page="/partners/referrals/new")


def test_a_liaison_refers_a_family_who_is_emailed_a_link_in_its_own_language(browser):
    program = make_program(name="Explorer Post 300")
    liaison = make_liaison(make_partner(name="Hiram Johnson High"))
    browser.login(liaison.email, PASSWORD)
    response = refer(browser, program)
    assert response.status_code == 302
    (message,) = messages_to("lopez.family@example.org")
    assert message.locale == "es"
    assert "Hiram Johnson High" in message.subject and "Ana" in message.subject
    assert "Explorer Post 300" in message.body and "/partners/invitations/" in message.body
    assert "El enlace funciona una sola vez" in message.body
    page = browser.get("/partners/referrals").get_data(as_text=True)
    assert "Ana" in page and "Invited" in page
    # The secret is only in the e-mail: the database keeps its hash.
    token = invitation_path(message).rsplit("/", 1)[1]
    assert db.session.scalar(sa.select(ReferralInvitation.token_hash)) != token


def test_the_invitation_page_speaks_the_familys_language(browser, compiled_translations):
    program = make_program(name="Explorer Post 300")
    _referral, token = make_referral(make_liaison(make_partner(name="Hiram Johnson High")), [program])
    browser.post("/account/language", {"lang": "es", "next": f"/partners/invitations/{token}"}, form_page="/")
    page = browser.get(f"/partners/invitations/{token}").get_data(as_text=True)
    assert "Una invitación para Ana" in page and "Cree su cuenta" in page and "No, gracias" in page


def test_a_referral_without_the_familys_agreement_or_a_program_is_refused_and_nothing_typed_is_lost(browser):
    program = make_program()
    browser.login(make_liaison().email, PASSWORD)
    response = refer(browser, program, family_agreed="", programs=[])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Refer a family only once they agreed." in page and "Suggest at least one program." in page
    assert 'value="lopez.family@example.org"' in page and "Ana loves robotics club." in page
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0


def test_a_second_open_referral_of_the_same_child_is_refused(browser):
    program = make_program()
    liaison = make_liaison()
    make_referral(make_liaison(), [program], email="lopez.family@example.org", child="Ana")
    browser.login(liaison.email, PASSWORD)
    response = refer(browser, program)
    assert response.status_code == 422
    assert "already has an open referral" in response.get_data(as_text=True)


def test_the_family_registers_from_the_link_and_starts_an_application_tied_to_the_referral(browser):
    program = make_program(name="Explorer Post 300")
    liaison = make_liaison()
    referral, token = make_referral(liaison, [program], email="maria@example.org", child="Ana")
    path = f"/partners/invitations/{token}"
    page = browser.get(path).get_data(as_text=True)
    assert "Explorer Post 300" in page and "Loves robotics" in page
    response = browser.post(path, {"first_name": "Maria", "last_name": "Lopez", "password": "quiet-river-lantern-42",
                                   "confirm": "quiet-river-lantern-42"})
    assert response.status_code == 302
    guardian = db.session.scalar(sa.select(User).where(User.email == "maria@example.org"))
    assert guardian.role is Role.GUARDIAN and guardian.email_confirmed
    start = browser.get(path).get_data(as_text=True)
    assert 'value="Ana"' in start  # the one thing offered pre-filled, for the family to confirm
    response = browser.post(path, {"youth_id": "0", "first_name": "Ana", "last_name": "Lopez",
                                   "date_of_birth": "2010-03-04", "program_id": str(program.id)})
    application = db.session.scalar(sa.select(Application))
    assert response.headers["Location"] == f"/family/applications/{application.id}/step/1"
    assert application.status is ApplicationStatus.DRAFT and application.referral_id == referral.id
    assert application.youth.guardian_id == guardian.id and application.youth.school == ""
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.APPLIED
    # Single use: the link is spent.
    assert browser.get(path).status_code == 410
    # The liaison hears of it, and sees the stage.
    assert "started an application" in messages_to(liaison.email)[-1].subject
    browser.logout()
    browser.login(liaison.email, PASSWORD)
    assert "Applied" in browser.get("/partners/referrals").get_data(as_text=True)


def test_a_family_already_registered_logs_in_and_applies_for_a_child_it_has(browser):
    program = make_program()
    guardian = make_user(Role.GUARDIAN, email="maria@example.org")
    child = make_youth(age=15, guardian=guardian, first_name="Ana")
    _referral, token = make_referral(make_liaison(), [program], email="maria@example.org", child="Ana")
    page = browser.get(f"/partners/invitations/{token}").get_data(as_text=True)
    assert "You already have an account" in page
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/partners/invitations/{token}", {"youth_id": str(child.id), "program_id": str(program.id)},
                 form_page=f"/partners/invitations/{token}")
    (application,) = child.applications
    assert application.referral_id is not None


def test_an_expired_link_or_one_taken_back_no_longer_works(browser):
    program = make_program()
    liaison = make_liaison()
    _referral, expired = make_referral(liaison, [program], link_days=-1)
    referral, token = make_referral(liaison, [program])
    assert browser.get(f"/partners/invitations/{expired}").status_code == 410
    browser.login(liaison.email, PASSWORD)
    browser.post(f"/partners/referrals/{referral.id}/withdraw", form_page="/partners/referrals")
    assert referral.status is ReferralStatus.WITHDRAWN
    browser.logout()
    assert browser.get(f"/partners/invitations/{token}").status_code == 410


def test_sending_the_link_again_retires_the_earlier_one(browser):
    program = make_program()
    liaison = make_liaison()
    referral, first = make_referral(liaison, [program])
    browser.login(liaison.email, PASSWORD)
    browser.post(f"/partners/referrals/{referral.id}/resend", form_page="/partners/referrals")
    browser.logout()
    assert browser.get(f"/partners/invitations/{first}").status_code == 410
    assert browser.get(invitation_path(messages_to(referral.family_email)[-1])).status_code == 200


def test_the_family_declines_and_the_liaison_sees_it(browser):
    program = make_program()
    liaison = make_liaison()
    referral, token = make_referral(liaison, [program])
    browser.get(f"/partners/invitations/{token}")
    response = browser.post(f"/partners/invitations/{token}/decline")
    assert "We told" in response.get_data(as_text=True)
    assert referral.status is ReferralStatus.DECLINED
    assert browser.get(f"/partners/invitations/{token}").status_code == 410
    browser.login(liaison.email, PASSWORD)
    assert "Declined by the family" in browser.get("/partners/referrals").get_data(as_text=True)


def _applied(liaison, program, **application_fields):
    referral, _token = make_referral(liaison, [program])
    guardian = make_user(Role.GUARDIAN)
    application = make_application(make_youth(age=15, guardian=guardian, goals="Wants to be a detective"), program,
                                   referral_id=referral.id, **application_fields)
    referral.status = ReferralStatus.APPLIED
    db.session.commit()
    return referral, application, guardian


def test_the_liaison_sees_stages_and_dates_but_never_the_application_or_the_mentor(browser):
    program = make_program()
    liaison = make_liaison()
    waiting_since = utcnow() - timedelta(days=20)
    _r, waiting, _g = _applied(liaison, program, waiting_since=waiting_since, submitted_at=utcnow())
    _r, matched, _g = _applied(liaison, program, status=ApplicationStatus.MATCHED, submitted_at=utcnow())
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes"))
    match = make_match(matched, mentor, held_on=utcnow().date() - timedelta(days=30))
    _r, ended, _g = _applied(liaison, program, status=ApplicationStatus.CLOSED, submitted_at=utcnow())
    make_match(ended, mentor, closed_on=utcnow().date() - timedelta(days=2))
    browser.login(liaison.email, PASSWORD)
    page = browser.get("/partners/referrals").get_data(as_text=True)
    assert "Waiting for a mentor" in page and waiting_since.date().isoformat() in page
    assert "Matched" in page and match.approved_at.date().isoformat() in page
    assert "Match closed" in page
    for secret in ("Dana", "Reyes", "detective", "Youth", "/family/applications", "/coordinator/"):
        assert secret not in page


def test_the_family_withdraws_the_partners_view_and_the_liaison_sees_only_that(browser):
    program = make_program()
    liaison = make_liaison(make_partner(name="Boys & Girls Club"))
    referral, application, guardian = _applied(liaison, program, waiting_since=utcnow(), submitted_at=utcnow())
    browser.login(guardian.email, PASSWORD)
    status_page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Stop sharing with Boys &amp; Girls Club" in status_page
    browser.post(f"/partners/applications/{application.id}/sharing", {"shared": "0"})
    assert referral.view_withdrawn
    assert "Let Boys &amp; Girls Club see the stage again" in browser.get(
        f"/family/applications/{application.id}").get_data(as_text=True)
    browser.logout()
    browser.login(liaison.email, PASSWORD)
    page = browser.get("/partners/referrals").get_data(as_text=True)
    assert "The family withdrew the view" in page and "Waiting for a mentor" not in page
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "referral.view_withdrawn")).actor_id == guardian.id


def test_a_liaison_cannot_touch_another_partners_referral_and_another_family_cannot_switch_the_view(browser):
    program = make_program()
    referral, application, _guardian = _applied(make_liaison(), program)
    other_referral, _token = make_referral(make_liaison(), [program])
    browser.login(make_liaison().email, PASSWORD)
    assert browser.post(f"/partners/referrals/{other_referral.id}/resend",
                        form_page="/partners/referrals").status_code == 404
    assert "Ana" not in browser.get("/partners/referrals").get_data(as_text=True)
    browser.logout()
    browser.login(make_user(Role.GUARDIAN).email, PASSWORD)
    assert browser.post(f"/partners/applications/{application.id}/sharing", {"shared": "0"},
                        form_page="/home").status_code == 404
    assert not referral.view_withdrawn


def test_staff_see_every_referral_and_the_dashboard_lists_those_waiting_for_the_family(browser):
    program = make_program()
    make_referral(make_liaison(make_partner(name="St. Mary's Parish")), [program], child="Mateo")
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "New referrals waiting for the family" in home and "Mateo" in home
    assert "St. Mary&#39;s Parish" in browser.get("/partners/referrals").get_data(as_text=True)


def test_the_report_by_referral_source_counts_referrals_applications_matches_and_waits(browser):
    program = make_program()
    liaison = make_liaison(make_partner(name="Hiram Johnson High"))
    make_referral(liaison, [program])
    _r, application, _g = _applied(liaison, program, status=ApplicationStatus.MATCHED, submitted_at=utcnow(),
                                   waiting_since=at(utcnow().date() - timedelta(days=400), 12))
    match = make_match(application, approved_on=utcnow().date() - timedelta(days=390),
                       held_on=utcnow().date() - timedelta(days=385))
    assert match.status is MatchStatus.ACTIVE
    make_application(make_youth(), program, submitted_at=utcnow())  # came on its own
    browser.login(make_user(Role.ADMIN).email, PASSWORD)
    page = browser.get("/partners/report").get_data(as_text=True)
    row = re.search(r"Hiram Johnson High</th>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[1:5] == ["2", "1", "1", "10"]
    assert cells[5].startswith("1 of 1") and cells[6].startswith("1 of 1")
    assert "No referral (came on their own)" in page
    csv_text = browser.get("/partners/report.csv").get_data(as_text=True)
    assert csv_text.splitlines()[1].startswith("Hiram Johnson High,School,2,1,1,10,1,1,1,1")


def test_an_admin_creates_a_partner_and_a_liaison_who_lands_on_the_referrals(browser):
    browser.login(make_user(Role.ADMIN).email, PASSWORD)
    browser.post("/partners/organizations", {"name": "Sacramento Youth Wellness", "kind": "mental_health",
                                              "is_active": "y"})
    partner_id = db.session.scalar(sa.select(sa.text("id")).select_from(sa.text("partners")))
    response = browser.post(f"/partners/organizations/{partner_id}/liaisons",
                            {"first_name": "Rosa", "last_name": "Diaz", "email": "rosa@wellness.example.org",
                             "password": "quiet-river-lantern-42"}, form_page=f"/partners/organizations/{partner_id}")
    assert response.status_code == 302
    browser.logout()
    browser.login("rosa@wellness.example.org", "quiet-river-lantern-42")
    assert "Referrals from Sacramento Youth Wellness" in browser.get("/home").get_data(as_text=True)


def test_a_partner_made_inactive_refers_no_more_and_a_suspended_liaison_is_logged_out(browser, app):
    program = make_program()
    partner = make_partner(name="Hiram Johnson High")
    liaison = make_liaison(partner)
    at_the_school = Browser(app.test_client())
    at_the_school.login(liaison.email, PASSWORD)
    browser.login(make_user(Role.ADMIN).email, PASSWORD)
    browser.post(f"/partners/organizations/{partner.id}", {"name": "Hiram Johnson High", "kind": "school"},
                 form_page=f"/partners/organizations/{partner.id}")
    assert not partner.is_active
    refused = refer(at_the_school, program)
    assert refused.status_code == 422
    assert "Your organization is not an active partner" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 0
    browser.post(f"/partners/liaisons/{liaison.id}/active", form_page=f"/partners/organizations/{partner.id}")
    assert not liaison.is_active_account
    assert at_the_school.get("/partners/referrals").status_code == 302
    assert at_the_school.login(liaison.email, PASSWORD).status_code != 302


def test_nobody_registers_as_a_liaison(browser):
    assert browser.get("/account/register/partner").status_code == 404
    assert browser.post("/account/register/partner", {"email": "me@club.example.org"},
                        form_page="/account/register").status_code == 404
    assert "/account/register/partner" not in browser.get("/account/register").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == Role.PARTNER)) == 0
