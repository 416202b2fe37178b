"""The authorization matrix: every route x anonymous and every role -> the status they get.

A route added to the app without a row here fails `test_every_route_is_in_the_matrix`, and a
route without a declared access rule stops the app from starting at all.
"""
from __future__ import annotations

import pytest
from flask import Blueprint

from mentormatch import access, create_app
from mentormatch.extensions import db
from mentormatch.models import DoNotMatch, MessageStatus, OutboxMessage, PartnerLiaison, Role, Rsvp, RsvpStatus, Story, StoryPhoto, StoryStatus
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
from tests.conftest import make_test_app
from tests.support.partnership import make_gathering, make_partner, make_referral

ALL = ("guardian", "youth", "mentor", "coordinator", "admin", "partner")
PUBLIC = "public"
STAFF = ("coordinator", "admin")

# endpoint -> (method, url, who may use it). Object ids are filled from the fixture's objects.
MATRIX: dict[str, tuple[str, str, object]] = {
    "static": ("GET", "/static/css/app.css", PUBLIC),
    "main.index": ("GET", "/", PUBLIC),
    "main.favicon": ("GET", "/favicon.ico", PUBLIC),
    "main.program": ("GET", "/programs/{program_slug}", PUBLIC),
    "main.home": ("GET", "/home", ALL),
    "auth.register_choice": ("GET", "/account/register", PUBLIC),
    "auth.register": ("GET", "/account/register/guardian", PUBLIC),
    "auth.registration_sent": ("GET", "/account/register/sent", PUBLIC),
    "auth.ask_a_parent": ("GET", "/account/register/youth/parent", PUBLIC),
    "auth.confirm_email": ("GET", "/account/confirm/not-a-token", PUBLIC),
    "auth.unconfirmed": ("GET", "/account/unconfirmed", ALL),
    "auth.resend_confirmation": ("POST", "/account/confirm/resend", ALL),
    "auth.login": ("GET", "/account/login", PUBLIC),
    "auth.logout": ("POST", "/account/logout", ALL),
    "auth.forgot_password": ("GET", "/account/forgot", PUBLIC),
    "auth.reset_password": ("GET", "/account/reset/not-a-token", PUBLIC),
    "auth.set_language": ("POST", "/account/language", PUBLIC),
    "auth.settings": ("GET", "/account/settings", ALL),
    "auth.log_out_everywhere": ("POST", "/account/sessions/end", ALL),
    "admin.programs": ("GET", "/admin/programs", ("admin",)),
    "admin.create_program": ("GET", "/admin/programs/new", ("admin",)),
    "admin.update_program": ("GET", "/admin/programs/{program}", ("admin",)),
    "admin.staff": ("GET", "/admin/staff", ("admin",)),
    "admin.toggle_staff": ("POST", "/admin/staff/{coordinator}/active", ("admin",)),
    "admin.run_retention": ("POST", "/admin/retention/run", ("admin",)),
    # Family routes: the role check comes first; another family's object is a 404 (tests/integration/test_family_*).
    "family.add_child": ("GET", "/family/children/new", ("guardian",)),
    "family.start": ("GET", "/family/apply", ("guardian", "youth")),
    "family.step": ("GET", "/family/applications/999999/step/1", ("guardian", "youth")),
    "family.review": ("GET", "/family/applications/999999/review", ("guardian", "youth")),
    "family.status": ("GET", "/family/applications/999999", ("guardian", "youth")),
    "family.accept_mentor": ("POST", "/family/applications/999999/accept", ("guardian", "youth")),
    "family.decline_mentor": ("POST", "/family/applications/999999/decline", ("guardian", "youth")),
    "family.withdraw": ("POST", "/family/applications/999999/withdraw", ("guardian", "youth")),
    "family.withdraw_consent": ("POST", "/family/applications/999999/consent/withdraw", ("guardian",)),
    "family.resend_consent": ("POST", "/family/applications/999999/consent/resend", ("guardian", "youth")),
    "family.consent_again": ("POST", "/family/applications/999999/consent/again", ("guardian",)),
    "family.consent": ("GET", "/family/consent/not-a-token", PUBLIC),
    "family.data": ("GET", "/family/data", ("guardian", "youth")),
    "family.download_data": ("GET", "/family/data/download", ("guardian", "youth")),
    "family.delete_data": ("GET", "/family/data/delete", ("guardian", "youth")),
    "mentors.profile": ("GET", "/mentor/profile", ("mentor",)),
    "mentors.clearances": ("GET", "/mentor/clearances", ("mentor",)),
    "coordinator.applications": ("GET", "/coordinator/applications", STAFF),
    "coordinator.review_application": ("GET", "/coordinator/applications/{c_application}", STAFF),
    "coordinator.decide_application": ("POST", "/coordinator/applications/{c_application}/decision", STAFF),
    "coordinator.confirm_consent": ("POST", "/coordinator/applications/{c_application}/consent/confirm", STAFF),
    "coordinator.mentors": ("GET", "/coordinator/mentors", STAFF),
    "coordinator.review_mentor": ("GET", "/coordinator/mentors/{c_mentor}", STAFF),
    "coordinator.verify_clearance": ("POST", "/coordinator/clearances/{c_clearance}/verify", STAFF),
    "coordinator.record_interview": ("POST", "/coordinator/mentors/{c_mentor}/interview", STAFF),
    "coordinator.set_mentor_status": ("POST", "/coordinator/mentors/{c_mentor}/status", STAFF),
    "coordinator.programs": ("GET", "/coordinator/matching", STAFF),
    "coordinator.matching_page": ("GET", "/coordinator/programs/{program}/matching", STAFF),
    "coordinator.save_settings": ("POST", "/coordinator/programs/{program}/settings", STAFF),
    "coordinator.start_run": ("POST", "/coordinator/programs/{program}/runs", STAFF),
    "coordinator.show_run": ("GET", "/coordinator/runs/{c_run}", STAFF),
    "coordinator.run_status": ("GET", "/coordinator/runs/{c_run}/status", STAFF),
    "coordinator.show_proposal": ("GET", "/coordinator/proposals/{c_proposal}", STAFF),
    "coordinator.approve_proposal": ("POST", "/coordinator/proposals/{c_proposal}/approve", STAFF),
    "coordinator.reject_proposal": ("POST", "/coordinator/proposals/{c_proposal}/reject", STAFF),
    "coordinator.swap_proposal": ("POST", "/coordinator/proposals/{c_proposal}/swap", STAFF),
    "coordinator.rule_out_pair": ("POST", "/coordinator/proposals/{c_proposal}/do-not-match", STAFF),
    "coordinator.approve_selected": ("POST", "/coordinator/runs/{c_run}/approve", STAFF),
    "coordinator.lift_pair": ("POST", "/coordinator/pairs/{c_pair}/lift", STAFF),
    "coordinator.retry_message": ("POST", "/coordinator/messages/{c_message}/retry", STAFF),
    "coordinator.pick_mentor": ("GET", "/coordinator/unmatched/{c_unmatched}", STAFF),
    "coordinator.hand_pick": ("POST", "/coordinator/unmatched/{c_unmatched}/pick", STAFF),
    "coordinator.waitlist": ("GET", "/coordinator/programs/{program}/waitlist", STAFF),
    "coordinator.audit_trail": ("GET", "/coordinator/audit/applications/{c_application}", STAFF),
    "lifecycle.index": ("GET", "/matches/", ("coordinator", "admin")),
    "lifecycle.show": ("GET", "/matches/{match}", ("coordinator", "admin")),
    "lifecycle.schedule_first_meeting": ("POST", "/matches/{match}/first-meeting", ("coordinator", "admin")),
    "lifecycle.record_meeting_held": ("POST", "/matches/{match}/first-meeting/held", ("coordinator", "admin")),
    "lifecycle.record_commitment": ("POST", "/matches/{match}/commitment", ("coordinator", "admin")),
    "lifecycle.update_plan": ("POST", "/matches/{match}/plan", ("coordinator", "admin")),
    "lifecycle.log_check_in": ("GET", "/matches/{match}/check-ins/new", ("coordinator", "admin")),
    "lifecycle.resolve_concern": ("POST", "/matches/check-ins/{check_in}/resolve", ("coordinator", "admin")),
    "lifecycle.close": ("GET", "/matches/{match}/close", ("coordinator", "admin")),
    "lifecycle.log_meeting": ("GET", "/matches/{match}/meetings/new", ("mentor",)),
    "lifecycle.resume": ("POST", "/matches/{match}/resume", ("coordinator", "admin")),
    "reports.index": ("GET", "/reports/", ("coordinator", "admin")),
    "reports.export": ("GET", "/reports/matches.csv", ("coordinator", "admin")),
    "reports.show_learning": ("GET", "/reports/learning/{program}", ("admin",)),
    "reports.learn_now": ("POST", "/reports/learning/{program}/learn", ("admin",)),
    "reports.adopt_model": ("POST", "/reports/learning/{program}/adopt", ("admin",)),
    "reports.set_aside_model": ("POST", "/reports/learning/{program}/set-aside", ("admin",)),
    # The partnership: an admin manages organizations; a liaison refers (another partner's referral is a 404).
    "partners.organizations": ("GET", "/partners/organizations", ("admin",)),
    "partners.organization": ("GET", "/partners/organizations/{partner}", ("admin",)),
    "partners.add_liaison": ("POST", "/partners/organizations/{partner}/liaisons", ("admin",)),
    "partners.toggle_liaison": ("POST", "/partners/liaisons/{partner_user}/active", ("admin",)),
    "partners.list_referrals": ("GET", "/partners/referrals", ("partner",) + STAFF),
    "partners.new_referral": ("GET", "/partners/referrals/new", ("partner",)),
    "partners.upload_referrals": ("GET", "/partners/referrals/upload", ("partner",)),
    "partners.confirm_upload": ("POST", "/partners/referrals/upload/confirm", ("partner",)),
    "partners.referral_template": ("GET", "/partners/referrals/template.csv", ("partner",)),
    "partners.resend_referral": ("POST", "/partners/referrals/{referral}/resend", ("partner",)),
    "partners.withdraw_referral": ("POST", "/partners/referrals/{referral}/withdraw", ("partner",)),
    "partners.source_report": ("GET", "/partners/report", STAFF),
    "partners.source_report_csv": ("GET", "/partners/report.csv", STAFF),
    "partners.invitation": ("GET", "/partners/invitations/not-a-token", PUBLIC),
    "partners.decline_invitation": ("POST", "/partners/invitations/not-a-token/decline", PUBLIC),
    "partners.share_progress": ("POST", "/partners/applications/999999/sharing", ("guardian", "youth")),
    # Events: public ones open to all; organizers are staff and liaisons (another partner's event is a 404).
    "gatherings.index": ("GET", "/events/", PUBLIC),
    "gatherings.show": ("GET", "/events/{gathering}", PUBLIC),
    "gatherings.respond": ("POST", "/events/{gathering}/rsvp", ALL),
    "gatherings.cancel_response": ("POST", "/events/{gathering}/rsvp/cancel", ALL),
    "gatherings.manage": ("GET", "/events/manage", ("partner",) + STAFF),
    "gatherings.create": ("GET", "/events/new", ("partner",) + STAFF),
    "gatherings.edit": ("GET", "/events/{gathering}/edit", ("partner",) + STAFF),
    "gatherings.publish": ("POST", "/events/{gathering}/publish", ("partner",) + STAFF),
    "gatherings.cancel": ("POST", "/events/{gathering}/cancel", ("partner",) + STAFF),
    "gatherings.attendance": ("GET", "/events/{gathering}/attendance", ("partner",) + STAFF),
    "gatherings.mark": ("POST", "/events/{gathering}/attendance/{rsvp}", ("partner",) + STAFF),
    "gatherings.my_hours": ("GET", "/events/hours", ("mentor",)),
    "gatherings.my_hours_csv": ("GET", "/events/hours.csv", ("mentor",)),
    "gatherings.hours_report": ("GET", "/events/hours/report", STAFF),
    "gatherings.hours_report_csv": ("GET", "/events/hours/report.csv", STAFF),
    "gatherings.calendar_page": ("GET", "/events/calendar", ALL),
    "gatherings.reset_calendar": ("POST", "/events/calendar", ALL),
    "gatherings.feed": ("GET", "/events/calendar/not-a-token.ics", PUBLIC),
    # Stories: published ones are public; a draft is a 404 to anyone not writing or approving it.
    "stories.index": ("GET", "/stories/", PUBLIC),
    "stories.feed": ("GET", "/stories/feed.xml", PUBLIC),
    "stories.show": ("GET", "/stories/{story}", PUBLIC),
    "stories.photo": ("GET", "/stories/{story}/photo.jpg", PUBLIC),
    "stories.mine": ("GET", "/stories/mine", ("guardian", "youth", "mentor") + STAFF),
    "stories.new": ("GET", "/stories/new/{match}", ("mentor",) + STAFF),
    "stories.edit": ("GET", "/stories/{story}/edit", ("mentor",) + STAFF),
    "stories.ask_family": ("POST", "/stories/{story}/ask", ("mentor",) + STAFF),
    "stories.back_to_draft": ("POST", "/stories/{story}/draft", ("mentor",) + STAFF),
    "stories.approve": ("POST", "/stories/{story}/approve", ("guardian", "youth")),
    "stories.publish": ("POST", "/stories/{story}/publish", STAFF),
    "stories.withdraw": ("POST", "/stories/{story}/withdraw", ("guardian", "youth", "mentor") + STAFF),
}

IDENTITIES = ("anonymous",) + ALL


def build_people() -> tuple[dict[str, str], dict[str, object]]:
    """An account of every role and an object of every kind the routes name: each one's e-mail address and id."""
    users = {role: make_user(Role(role)) for role in ALL}
    program = make_program()
    ids = {"program": program.id, "program_slug": program.slug, "coordinator": users["coordinator"].id}
    proposal = make_proposal(make_application(make_youth(), make_program()), make_mentor())
    ids.update(c_proposal=proposal.id, c_run=proposal.run_id, c_application=proposal.application_id,
               c_mentor=proposal.mentor_id, c_clearance=proposal.mentor.clearances[0].id,
               c_unmatched=make_unmatched(proposal.run, proposal.application).id)
    match = make_match()
    ids.update(match=match.id, check_in=make_check_in(match, match.approved_at.date(), safety_concern=True).id)
    pair = DoNotMatch(youth_id=proposal.application.youth_id, mentor_id=proposal.mentor_id, reason="Test")
    message = OutboxMessage(to_address="x@example.org", subject="s", body="b", template="welcome",
                            status=MessageStatus.FAILED)
    db.session.add_all([pair, message])
    db.session.commit()
    ids.update(c_pair=pair.id, c_message=message.id)
    partner = make_partner()
    db.session.add(PartnerLiaison(user=users["partner"], partner=partner))
    db.session.commit()
    referral, _token = make_referral(users["partner"], [make_program()])
    ids.update(partner=partner.id, partner_user=users["partner"].id, referral=referral.id)
    gathering = make_gathering(partner=partner)
    answer = Rsvp.record(gathering, users["coordinator"], RsvpStatus.GOING, 0)
    db.session.commit()
    ids.update(gathering=gathering.id, rsvp=answer.id)
    story = Story(match=match, title="A good year", body="Ana and Dana met every week.", status=StoryStatus.PUBLISHED,
                  published_at=match.approved_at, photo=StoryPhoto(data=b"\xff\xd8 not checked here", width=1, height=1))
    db.session.add(story)
    db.session.commit()
    ids.update(story=story.id)
    return {role: user.email for role, user in users.items()}, ids


@pytest.fixture
def world(copy_of_database):
    """This test's own copy of the accounts and objects, built once per test process."""
    return copy_of_database("authorization", build_people)


@pytest.fixture
def database_url(world) -> str:
    return world[0]


@pytest.fixture
def people(world):
    return world[1]


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - MATRIX.keys() == set(), "add the new routes to MATRIX with who may use them"
    assert MATRIX.keys() - endpoints == set(), "MATRIX names routes the app no longer has"


def test_app_refuses_a_route_without_an_access_rule(database_url):
    app = make_test_app(database_url)  # an app of its own: the one the other tests share takes no new routes
    bp = Blueprint("undeclared", __name__)
    bp.add_url_rule("/undeclared", "page", lambda: "secret")
    app.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="undeclared.page"):
        access.check_every_route_declared(app)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
@pytest.mark.parametrize("identity", IDENTITIES)
def test_matrix(app, client, browser, people, endpoint, identity):
    emails, ids = people
    method, url, allowed = MATRIX[endpoint]
    url = url.format(**ids)
    if identity != "anonymous":
        assert browser.login(emails[identity], PASSWORD).status_code == 302
    if method == "POST":
        if identity == "anonymous":
            browser.get("/account/login")
        response = client.post(url, data={"csrf_token": browser.token})
    else:
        response = client.get(url)
    status = response.status_code
    body = response.get_data().decode(errors="replace")  # a photo is not text
    response.close()
    assert status != 500
    if allowed == PUBLIC:
        assert status not in (401, 403)
    elif identity == "anonymous":
        assert status == 302 and "/account/login" in response.headers["Location"]
    elif identity in allowed:
        assert status not in (401, 403), f"{identity} should reach {endpoint}"
    else:
        assert status == 403, f"{identity} must not reach {endpoint}"
        assert "You do not have access to this page" in body
