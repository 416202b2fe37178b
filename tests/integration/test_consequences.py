"""What follows a change, end to end through the web: a declined mentor is never proposed again,
withdrawn consent and a suspended or lapsed mentor pause the match and cut the mentor off."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from mentormatch import reminders
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    Clearance,
    ClearanceKind,
    DoNotMatch,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    OutboxMessage,
    PairSource,
    PauseReason,
    ProposalStatus,
    Role,
    utcnow,
)
from tests.builders import (
    PASSWORD,
    make_application,
    make_match,
    make_mentor,
    make_program,
    make_user,
    make_youth,
)


def run_matching(browser, program) -> MatchingRun:
    response = browser.post(f"/coordinator/programs/{program.id}/runs", form_page=f"/coordinator/programs/{program.id}/matching")
    assert response.status_code == 302
    run = db.session.scalar(sa.select(MatchingRun).where(MatchingRun.program_id == program.id)
                            .order_by(MatchingRun.id.desc()))
    assert run.status.value == "done", run.error
    return run


def proposals_of(run) -> dict[int, int]:
    return {p.application_id: p.mentor_id
            for p in db.session.scalars(sa.select(MatchProposal).where(MatchProposal.run_id == run.id))}


def test_a_mentor_the_family_declined_is_never_proposed_again_until_a_coordinator_lifts_it(client):
    from tests.conftest import Browser

    program = make_program()
    guardian = make_user(Role.GUARDIAN, first_name="Sofia", last_name="Johnson")
    application = make_application(make_youth(age=15, guardian=guardian, first_name="Mia"), program)
    # Camila shares the youth's interests and week; Ben shares less, so Camila is the better fit.
    camila = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Camila", last_name="Thompson"),
                         gender="female", interests=["robotics"], availability=["tue-evening"])
    ben = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Ben", last_name="Okafor"),
                      interests=["cooking"], availability=["tue-evening"])
    coordinator_user = make_user(Role.COORDINATOR)
    coordinator, family = Browser(client), Browser(client.application.test_client())
    coordinator.login(coordinator_user.email, PASSWORD)

    first = run_matching(coordinator, program)
    assert proposals_of(first)[application.id] == camila.id
    proposal = db.session.scalar(sa.select(MatchProposal).where(MatchProposal.run_id == first.id))
    coordinator.post(f"/coordinator/proposals/{proposal.id}/approve", form_page=f"/coordinator/runs/{first.id}")

    family.login(guardian.email, PASSWORD)
    response = family.post(f"/family/applications/{application.id}/decline",
                           {"decline_reason": "We would prefer a mentor who can meet on weekends."},
                           form_page=f"/family/applications/{application.id}")
    assert response.status_code == 302
    pair = db.session.scalar(sa.select(DoNotMatch).where(DoNotMatch.youth_id == application.youth_id))
    assert pair.source is PairSource.FAMILY and pair.mentor_id == camila.id and pair.standing

    second = run_matching(coordinator, program)
    assert proposals_of(second)[application.id] == ben.id
    page = coordinator.get(f"/coordinator/programs/{program.id}/matching").get_data(as_text=True)
    assert f"Declined by the family on {date.today().isoformat()}: We would prefer a mentor who can meet on weekends." \
        in page
    pick = coordinator.get(f"/coordinator/applications/{application.id}").get_data(as_text=True)
    assert "Mentors no run proposes for Mia" in pick

    refused = coordinator.post(f"/coordinator/pairs/{pair.id}/lift", {"reason": ""})
    assert refused.status_code == 302 and db.session.get(DoNotMatch, pair.id).standing
    coordinator.post(f"/coordinator/pairs/{pair.id}/lift",
                     {"reason": "The family now meets on Tuesdays and asked for Camila again."},
                     form_page=f"/coordinator/applications/{application.id}")
    db.session.expire_all()
    assert not db.session.get(DoNotMatch, pair.id).standing
    lifted = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "do_not_match.lifted"))
    assert lifted.actor_id == coordinator_user.id and "Tuesdays" in lifted.details["reason"]

    # The second run's proposal for Ben is still pending; a third run replaces it and may propose Camila.
    third = run_matching(coordinator, program)
    assert proposals_of(third)[application.id] == camila.id


def working_match(**youth_fields):
    program = make_program()
    guardian = make_user(Role.GUARDIAN, first_name="Rosa", last_name="Diaz", email="rosa@example.org",
                         phone="916-555-0199")
    application = make_application(make_youth(age=15, guardian=guardian, **youth_fields), program,
                                   status=ApplicationStatus.MATCHED)
    mentor = make_mentor(programs=[program])
    match = make_match(application, mentor, held_on=date.today() - timedelta(days=20))
    return match, guardian, mentor


def mentor_sees_contact(browser, match) -> bool:
    home = browser.get("/home").get_data(as_text=True)
    return "rosa@example.org" in home and "916-555-0199" in home and f"/matches/{match.id}/meetings/new" in home


def mentor_can_log_a_meeting(browser, match) -> bool:
    response = browser.post(f"/matches/{match.id}/meetings/new",
                            {"occurred_on": date.today().isoformat(), "method": "in_person", "notes": "Met"},
                            form_page="/home")
    return response.status_code == 302 and response.headers["Location"].endswith("/home") and \
        db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(Match.id == match.id)) == 1 and \
        any(c.is_mentor_meeting for c in db.session.get(Match, match.id).check_ins)


def test_withdrawn_consent_pauses_the_match_and_the_mentor_loses_contact_and_the_meeting_log(client):
    from tests.conftest import Browser

    match, guardian, mentor = working_match()
    mentor_browser, family = Browser(client), Browser(client.application.test_client())
    mentor_browser.login(mentor.user.email, PASSWORD)
    assert mentor_sees_contact(mentor_browser, match)

    family.login(guardian.email, PASSWORD)
    family.post(f"/family/applications/{match.application_id}/consent/withdraw", {"withdrawal_reason": "We moved."},
                form_page=f"/family/applications/{match.application_id}")
    db.session.expire_all()
    paused = db.session.get(Match, match.id)
    assert paused.status is MatchStatus.PAUSED and paused.pause_reason is PauseReason.CONSENT_WITHDRAWN

    assert not mentor_sees_contact(mentor_browser, match)
    assert "This match is on hold" in mentor_browser.get("/home").get_data(as_text=True)
    refused = mentor_browser.post(f"/matches/{match.id}/meetings/new",
                                  {"occurred_on": date.today().isoformat(), "method": "in_person", "notes": "Met"},
                                  form_page="/home")
    assert refused.status_code == 302
    assert not [c for c in db.session.get(Match, match.id).check_ins if c.is_mentor_meeting]

    # The coordinator cannot let it go on without consent; once the guardian consents again, they can.
    coordinator = Browser(client.application.test_client())
    coordinator.login(make_user(Role.COORDINATOR).email, PASSWORD)
    assert "Paused matches waiting for your decision" in coordinator.get("/home").get_data(as_text=True)
    stuck = coordinator.post(f"/matches/{match.id}/resume", {"note": "Spoke with the family."},
                             form_page=f"/matches/{match.id}")
    assert stuck.status_code == 422 and "consent is not on file" in stuck.get_data(as_text=True)
    family.post(f"/family/applications/{match.application_id}/consent/again",
                {"relation": "Mother", "typed_signature": "Rosa Diaz", "agree": "y"},
                form_page=f"/family/applications/{match.application_id}")
    told = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "consent_given_again"))
    assert told is not None and f"application {match.application_id}" in told.subject
    resumed = coordinator.post(f"/matches/{match.id}/resume", {"note": "Spoke with the family."},
                               form_page=f"/matches/{match.id}")
    assert resumed.status_code == 302
    db.session.expire_all()
    assert db.session.get(Match, match.id).status is MatchStatus.ACTIVE
    assert db.session.get(Match, match.id).application.status is ApplicationStatus.MATCHED
    assert mentor_sees_contact(mentor_browser, match)


def test_a_suspended_mentor_loses_contact_and_the_meeting_log_at_once(client):
    from tests.conftest import Browser

    match, _guardian, mentor = working_match()
    mentor_browser, coordinator = Browser(client), Browser(client.application.test_client())
    mentor_browser.login(mentor.user.email, PASSWORD)
    coordinator.login(make_user(Role.COORDINATOR).email, PASSWORD)
    response = coordinator.post(f"/coordinator/mentors/{mentor.id}/status",
                                {"action": "suspend", "reason": "Under internal review."},
                                form_page=f"/coordinator/mentors/{mentor.id}")
    assert response.status_code == 302
    db.session.expire_all()
    paused = db.session.get(Match, match.id)
    assert paused.status is MatchStatus.PAUSED and paused.pause_reason is PauseReason.MENTOR_SUSPENDED
    assert not mentor_sees_contact(mentor_browser, match)
    assert mentor_browser.get(f"/matches/{match.id}/meetings/new").status_code == 302


def test_a_lapsed_clearance_pauses_the_mentors_matches_the_morning_after(app):
    match, _guardian, mentor = working_match()
    record = next(c for c in mentor.clearances if c.kind is ClearanceKind.YOUTH_PROTECTION)
    record.expires_on = date.today() + timedelta(days=3)
    db.session.commit()
    assert reminders.run_daily(date.today() + timedelta(days=3))["clearances lapsed"] == 0
    assert reminders.run_daily(date.today() + timedelta(days=4))["clearances lapsed"] == 1
    from mentormatch import queue

    queue.flush()
    db.session.expire_all()
    paused = db.session.get(Match, match.id)
    assert paused.status is MatchStatus.PAUSED and paused.pause_reason is PauseReason.CLEARANCE_LAPSED
    assert db.session.get(Clearance, record.id).status.value == "lapsed"


def test_a_lapse_of_one_record_pauses_nothing_when_a_newer_one_stands(app):
    match, _guardian, mentor = working_match()
    record = next(c for c in mentor.clearances if c.kind is ClearanceKind.YOUTH_PROTECTION)
    record.expires_on = date.today() - timedelta(days=1)
    renewal = Clearance(mentor=mentor, kind=ClearanceKind.YOUTH_PROTECTION, completed_on=date.today(),
                        expires_on=date.today() + timedelta(days=700), verified_at=utcnow(),
                        status=record.status)
    db.session.add(renewal)
    db.session.commit()
    assert reminders.run_daily(date.today())["clearances lapsed"] == 1
    from mentormatch import queue

    queue.flush()
    db.session.expire_all()
    assert db.session.get(Match, match.id).status is MatchStatus.ACTIVE


def test_a_consequence_runs_once_however_often_its_event_is_delivered(app):
    from mentormatch import events
    from mentormatch.models import DomainEvent

    program = make_program()
    guardian = make_user(Role.GUARDIAN)
    application = make_application(make_youth(age=15, guardian=guardian), program, status=ApplicationStatus.PROPOSED)
    mentor = make_mentor(programs=[program])
    match = make_match(application, mentor)
    proposal = MatchProposal(application=application, mentor=mentor, score=0.5, status=ProposalStatus.APPROVED)
    db.session.add(proposal)
    match.proposal = proposal
    db.session.commit()
    from mentormatch.family import journey

    journey.decline_mentor(application, match, guardian, "Not this one.")
    event = db.session.scalar(sa.select(DomainEvent).where(DomainEvent.kind == "proposal.declined_by_guardian"))
    for _ in range(3):
        db.session.execute(sa.update(DomainEvent).where(DomainEvent.id == event.id).values(dispatched_at=None))
        db.session.commit()
        assert events.handle(event.id)
    pairs = db.session.scalars(sa.select(DoNotMatch).where(DoNotMatch.youth_id == application.youth_id)).all()
    assert len(pairs) == 1
