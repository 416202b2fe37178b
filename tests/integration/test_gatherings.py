"""Events: who sees which, RSVPs within capacity and the waitlist, the day-before reminder sent
once, attendance at the door (htmx or not), volunteer hours, and the private calendar feed."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from mentormatch.extensions import db
from mentormatch.gatherings.notifications import remind_tomorrow
from mentormatch.models import (
    Audience,
    Gathering,
    GatheringStatus,
    OutboxMessage,
    Role,
    Rsvp,
    RsvpStatus,
)
from tests.builders import (
    PASSWORD,
    make_application,
    make_check_in,
    make_match,
    make_mentor,
    make_program,
    make_user,
    make_youth,
)
from tests.support.partnership import at, make_gathering, make_liaison, make_partner


def mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == address)))


def rsvp(browser, gathering, guests: int = 0, htmx: bool = False):
    url = f"/events/{gathering.id}/rsvp"
    if htmx:
        browser.get(f"/events/{gathering.id}")
        return browser.htmx_post(url, {"guests": str(guests)})
    return browser.post(url, {"guests": str(guests)}, form_page=f"/events/{gathering.id}")


def test_public_events_are_on_the_front_page_and_others_only_for_their_audience(browser):
    make_gathering(title="Coffee with a Cop at Oak Park")
    mentors_only = make_gathering(title="Mentor training night", audience=Audience.MENTORS)
    make_gathering(title="Draft outing", status=GatheringStatus.DRAFT)
    front = browser.get("/").get_data(as_text=True)
    assert "Coffee with a Cop at Oak Park" in front and "Mentor training night" not in front
    assert browser.get(f"/events/{mentors_only.id}").status_code == 404
    browser.login(make_user(Role.GUARDIAN).email, PASSWORD)
    assert "Mentor training night" not in browser.get("/events/").get_data(as_text=True)
    browser.logout()
    browser.login(make_mentor().user.email, PASSWORD)
    page = browser.get("/events/").get_data(as_text=True)
    assert "Mentor training night" in page and "Draft outing" not in page


def test_program_families_see_their_programs_events_only(browser):
    program = make_program(name="Explorer Post 300")
    guardian = make_user(Role.GUARDIAN)
    make_application(make_youth(guardian=guardian), program)
    make_gathering(title="Explorer meeting", audience=Audience.PROGRAM_FAMILIES, program=program)
    make_gathering(title="Cadet meeting", audience=Audience.PROGRAM_FAMILIES, program=make_program())
    browser.login(guardian.email, PASSWORD)
    page = browser.get("/events/").get_data(as_text=True)
    assert "Explorer meeting" in page and "Cadet meeting" not in page


def test_a_matched_pairs_outing_is_for_mentors_and_families_in_an_open_match_only(browser):
    program = make_program()
    guardian = make_user(Role.GUARDIAN)
    mentor = make_mentor(programs=[program])
    make_match(make_application(make_youth(guardian=guardian), program), mentor, held_on=date.today())
    outing = make_gathering(title="Kayaking on the river", audience=Audience.MATCHED_PAIRS)
    for user in (guardian, mentor.user):
        browser.login(user.email, PASSWORD)
        assert "Kayaking on the river" in browser.get("/events/").get_data(as_text=True)
        assert browser.get(f"/events/{outing.id}").status_code == 200
        browser.logout()
    for user in (make_user(Role.GUARDIAN), make_mentor().user, make_liaison()):
        browser.login(user.email, PASSWORD)
        assert "Kayaking on the river" not in browser.get("/events/").get_data(as_text=True)
        assert browser.get(f"/events/{outing.id}").status_code == 404
        assert browser.post(f"/events/{outing.id}/rsvp", {"guests": "0"}, form_page="/events/").status_code == 404
        browser.logout()
    assert outing.rsvps == []


def test_capacity_counts_guests_and_a_freed_place_goes_to_the_waitlist_in_order(browser, app):
    gathering = make_gathering(capacity=3)
    first, second = make_user(Role.GUARDIAN, first_name="Maria"), make_user(Role.GUARDIAN, first_name="Rosa")
    mentor = make_mentor()
    for user, guests in ((first, 1), (mentor.user, 0), (second, 1)):
        browser.login(user.email, PASSWORD)
        rsvp(browser, gathering, guests)
        browser.logout()
    answers = {r.user_id: r for r in gathering.rsvps}
    assert answers[first.id].status is RsvpStatus.GOING and answers[mentor.user_id].status is RsvpStatus.GOING
    assert answers[second.id].status is RsvpStatus.WAITLISTED
    browser.login(mentor.user.email, PASSWORD)
    browser.post(f"/events/{gathering.id}/rsvp/cancel", form_page=f"/events/{gathering.id}")
    db.session.expire_all()
    # One place free, but Rosa comes with a guest: she keeps waiting.
    assert db.session.get(Rsvp, answers[second.id].id).status is RsvpStatus.WAITLISTED
    browser.logout()
    browser.login(first.email, PASSWORD)
    browser.post(f"/events/{gathering.id}/rsvp/cancel", form_page=f"/events/{gathering.id}")
    db.session.expire_all()
    assert db.session.get(Rsvp, answers[second.id].id).status is RsvpStatus.GOING
    (message,) = mail_to(second.email)
    assert "You have a place" in message.subject


def test_answering_with_htmx_swaps_only_the_answer_and_too_many_guests_keeps_what_was_typed(browser):
    gathering = make_gathering(capacity=10)
    browser.login(make_user(Role.GUARDIAN).email, PASSWORD)
    response = rsvp(browser, gathering, 2, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="rsvp"')
    assert "You and 2 guests." in body and "7 places left." in body
    too_many = rsvp(browser, gathering, 9, htmx=True)
    assert too_many.status_code == 422
    page = too_many.get_data(as_text=True)
    assert "Up to 5 guests." in page and 'value="9"' in page
    assert gathering.rsvps[0].guests == 2


def test_the_day_before_everyone_going_is_reminded_once(app):
    tomorrow = date.today() + timedelta(days=1)
    gathering = make_gathering(starts=at(tomorrow, 18))
    going, cancelled = make_user(Role.GUARDIAN, locale="es"), make_user(Role.GUARDIAN)
    Rsvp.record(gathering, going, RsvpStatus.GOING, 1)
    Rsvp.record(gathering, cancelled, RsvpStatus.GOING, 0).move_to(RsvpStatus.CANCELLED, cancelled)
    db.session.commit()
    assert remind_tomorrow() == 1
    assert remind_tomorrow() == 0
    (message,) = mail_to(going.email)
    assert message.locale == "es" and gathering.title in message.subject
    assert mail_to(cancelled.email) == []


def test_a_cancelled_event_tells_everyone_who_answered(browser):
    gathering = make_gathering()
    family = make_user(Role.GUARDIAN)
    Rsvp.record(gathering, family, RsvpStatus.GOING, 0)
    db.session.commit()
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    browser.post(f"/events/{gathering.id}/cancel", form_page="/events/manage")
    assert gathering.status is GatheringStatus.CANCELLED
    assert "Cancelled" in mail_to(family.email)[0].subject


def test_attendance_is_one_tap_per_person_with_htmx_or_without_and_counts_as_volunteer_hours(browser):
    program = make_program(name="Explorer Post 300")
    two_hours = make_gathering(starts=at(date.today() - timedelta(days=3), 18), hours=2, program=program)
    mentor = make_mentor(agency="Sacramento Police Department",
                         user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes"))
    answer = Rsvp.record(two_hours, mentor.user, RsvpStatus.GOING, 0)
    match = make_match(make_application(make_youth(), program), mentor)
    make_check_in(match, date.today() - timedelta(days=10), mentor_meeting=True)
    make_check_in(match, date.today() - timedelta(days=2), mentor_meeting=True)
    make_check_in(match, date.today() - timedelta(days=1))  # a staff check-in: not the mentor's hours
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    door = browser.get(f"/events/{two_hours.id}/attendance").get_data(as_text=True)
    assert "Dana Reyes" in door and 'aria-pressed="false"' in door
    row = browser.htmx_post(f"/events/{two_hours.id}/attendance/{answer.id}", {"attended": "1"})
    assert row.get_data(as_text=True).lstrip().startswith(f'<li id="rsvp-{answer.id}"')
    assert 'aria-pressed="true"' in row.get_data(as_text=True)
    assert answer.attended_at is not None
    report = browser.get("/events/hours/report").get_data(as_text=True)
    assert re.search(r"<td>Explorer Post 300</td><td>4</td>", report)
    assert re.search(r"<td>Sacramento Police Department</td><td>4</td>", report)
    # Without htmx, the same tap reloads the list.
    undo = browser.post(f"/events/{two_hours.id}/attendance/{answer.id}", {"attended": "0"})
    assert undo.status_code == 302 and answer.attended_at is None
    browser.post(f"/events/{two_hours.id}/attendance/{answer.id}", {"attended": "1"})
    browser.logout()
    browser.login(mentor.user.email, PASSWORD)
    assert "4 hours in all" in browser.get("/events/hours").get_data(as_text=True)
    csv_text = browser.get("/events/hours.csv").get_data(as_text=True)
    assert csv_text.strip().splitlines()[-1] == ",Total,,,4.0"


def test_a_liaison_organizes_events_of_their_own_organization_only(browser):
    partner = make_partner(name="Boys & Girls Club")
    liaison = make_liaison(partner)
    others = make_gathering(partner=make_partner(), status=GatheringStatus.DRAFT)
    browser.login(liaison.email, PASSWORD)
    response = browser.post("/events/new", {"title": "Clean-up at Oak Park", "kind": "community_day",
                                            "day": (date.today() + timedelta(days=9)).isoformat(), "starts": "09:00",
                                            "ends": "12:00", "place": "Oak Park", "capacity": "", "audience": "public",
                                            "program_id": "0", "partner_id": "0"})
    assert response.status_code == 302
    mine = db.session.scalar(sa.select(Gathering).where(Gathering.title == "Clean-up at Oak Park"))
    assert mine.partner_id == partner.id and mine.status is GatheringStatus.DRAFT
    browser.post(f"/events/{mine.id}/publish", form_page="/events/manage")
    assert mine.status is GatheringStatus.PUBLISHED
    assert browser.get(f"/events/{others.id}/edit").status_code == 404
    bad = browser.post("/events/new", {"title": "Oops", "kind": "community_day", "day": "2030-01-01",
                                       "starts": "12:00", "ends": "09:00", "place": "Park", "audience": "public",
                                       "program_id": "0", "partner_id": "0"})
    assert bad.status_code == 422 and "The end must be after the start." in bad.get_data(as_text=True)
    assert 'value="Oops"' in bad.get_data(as_text=True)


def test_the_calendar_feed_is_valid_icalendar_at_a_secret_address_that_can_be_reset(browser, client):
    program = make_program(name="Explorer Post 300")
    mentor = make_mentor(programs=[program])
    youth = make_youth(first_name="Ana", last_name="Lopez")
    match = make_match(make_application(youth, program), mentor, first_meeting_at=at(date.today() + timedelta(days=4), 17),
                       first_meeting_place="Station 3 lobby")
    meeting = make_check_in(match, date.today() - timedelta(days=6), mentor_meeting=True)
    make_check_in(match, date.today() - timedelta(days=5))  # a staff check-in
    make_check_in(match, date.today() - timedelta(days=400), mentor_meeting=True)
    gathering = make_gathering(title="Coffee with a Cop")
    Rsvp.record(gathering, mentor.user, RsvpStatus.GOING, 0)
    db.session.commit()
    browser.login(mentor.user.email, PASSWORD)
    page = browser.post("/events/calendar", form_page="/events/calendar").get_data(as_text=True)
    address = re.search(r'id="calendar-address" type="text" readonly value="([^"]+)"', page).group(1)
    path = address.split("mentormatch.test", 1)[1]
    browser.logout()
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = {str(e.get("summary")): e for e in calendar.walk("VEVENT")}
    assert "Coffee with a Cop" in events
    first = events["MentorMatch first meeting (Explorer Post 300)"]
    assert first.decoded("dtstart") == match.first_meeting_at.replace(tzinfo=None)
    assert str(first.get("location")) == "Station 3 lobby"
    assert b"Ana" not in response.data and b"Lopez" not in response.data
    logged = events["MentorMatch meeting (Explorer Post 300)"]
    assert logged.decoded("dtstart") == meeting.occurred_on
    assert len(calendar.walk("VEVENT")) == 3  # the staff check-in and last year's meeting stay out
    # A new address retires the old one; the page never shows it again.
    browser.login(mentor.user.email, PASSWORD)
    assert address not in browser.get("/events/calendar").get_data(as_text=True)
    browser.post("/events/calendar", form_page="/events/calendar")
    assert client.get(path).status_code == 404


def test_a_spanish_familys_calendar_speaks_spanish(browser, client, compiled_translations):
    program = make_program(name="Explorer Post 300")
    guardian = make_user(Role.GUARDIAN, locale="es")
    match = make_match(make_application(make_youth(guardian=guardian), program), held_on=date.today())
    make_check_in(match, date.today() - timedelta(days=3), mentor_meeting=True)
    full = make_gathering(title="Coffee with a Cop", capacity=1)
    Rsvp.record(full, make_user(Role.GUARDIAN), RsvpStatus.GOING, 0)
    Rsvp.record(full, guardian, RsvpStatus.WAITLISTED, 0)
    db.session.commit()
    browser.login(guardian.email, PASSWORD)
    page = browser.post("/events/calendar", form_page="/events/calendar").get_data(as_text=True)
    address = re.search(r'id="calendar-address" type="text" readonly value="([^"]+)"', page).group(1)
    browser.logout()
    calendar = Calendar.from_ical(client.get(address.split("mentormatch.test", 1)[1]).data)
    summaries = {str(e.get("summary")) for e in calendar.walk("VEVENT")}
    assert summaries == {"Coffee with a Cop (lista de espera)", "Primera reunión de MentorMatch (Explorer Post 300)",
                         "Reunión de MentorMatch (Explorer Post 300)"}
