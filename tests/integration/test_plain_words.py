"""What people read: words instead of stored codes, whole sentences addressed to the reader, dates and
numbers in the reader's language, and programs described in Spanish where an administrator wrote it."""
from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    CheckInParty,
    ContactMethod,
    ContactPolicy,
    MatchProposal,
    Program,
    Role,
    utcnow,
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
from tests.integration.test_family_status import approved_proposal
from tests.support import family_flow

CODED_REASONS = [
    {"factor": "text", "label": "Goals and experience", "contribution": 0.2, "text": "mention csi and patrol",
     "code": "text.shared", "data": {"terms": ["csi", "patrol"]}},
    {"factor": "experience", "label": "Experience with youth", "contribution": 0.1, "text": "1 years with youth",
     "code": "experience.years", "data": {"years": 1.0, "age_gap": None}},
    {"factor": "distance", "label": "Distance", "contribution": 0.1, "text": "3.3 miles apart",
     "code": "distance.miles", "data": {"miles": 3.3}},
]


def log_in(browser, role: Role, **fields):
    user = make_user(role, **fields)
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


def page_text(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- staff pages


def test_the_coordinators_application_page_says_times_genders_and_languages_in_words(browser):
    log_in(browser, Role.COORDINATOR)
    youth = make_youth(gender="f", availability=["sat-morning", "tue-evening"], languages=["English", "Spanish"],
                       interests=["K9"], mentor_gender_preference="male", required_language="Spanish")
    application = make_application(youth, make_program())
    page = page_text(browser, f"/coordinator/applications/{application.id}")
    assert "Tuesday evening, Saturday morning" in page and "tue-evening" not in page
    assert "<dt>Gender</dt><dd>Female</dd>" in page and "Mentor's gender: Male" in page
    assert "K9 (police dogs)" in page


def test_the_coordinators_view_of_a_mentor_shows_when_they_can_meet_and_their_gender(browser):
    log_in(browser, Role.COORDINATOR)
    mentor = make_mentor(gender="male", availability=["mon-evening", "sat-afternoon"], work_phone="916-555-0300")
    page = page_text(browser, f"/coordinator/mentors/{mentor.id}")
    assert "<dd>Male</dd>" in page and "Monday evening, Saturday afternoon" in page and "916-555-0300" in page


def test_the_match_log_names_who_and_how_in_words(browser):
    log_in(browser, Role.COORDINATOR)
    match = make_match(held_on=date.today() - timedelta(days=20))
    make_check_in(match, date.today() - timedelta(days=3), party=CheckInParty.GUARDIAN, method=ContactMethod.PHONE)
    make_check_in(match, date.today() - timedelta(days=2), mentor_meeting=True, method=ContactMethod.IN_PERSON)
    page = page_text(browser, f"/matches/{match.id}")
    assert "Guardian · Phone call" in page and "Mentor · In person" in page
    assert "guardian · phone" not in page and "in person</td>" not in page


def test_proposal_reasons_read_as_sentences_with_words_as_they_were_written(browser):
    log_in(browser, Role.COORDINATOR)
    program = make_program()
    youth = make_youth(goals="I want to learn CSI work.")
    application = make_application(youth, program)
    mentor = make_mentor(programs=[program], bio="Patrol officer, formerly in CSI.")
    proposal = MatchProposal(application=application, mentor=mentor, score=0.7, reasons=CODED_REASONS)
    db.session.add(proposal)
    db.session.commit()
    page = page_text(browser, f"/coordinator/proposals/{proposal.id}?expanded=1")
    assert "Goals and experience both mention “CSI” and “Patrol”" in page
    assert "1 year of experience with young people" in page and "1 years" not in page


def test_the_safety_alert_button_says_what_it_does(browser):
    log_in(browser, Role.COORDINATOR)
    match = make_match(held_on=date.today() - timedelta(days=20))
    make_check_in(match, date.today(), safety_concern=True)
    page = page_text(browser, "/home")
    assert ">Mark resolved<" in page and ">Resolved<" not in page


def test_the_open_matches_list_counts_days_in_the_singular_too(browser):
    log_in(browser, Role.COORDINATOR)
    match = make_match(held_on=date.today() - timedelta(days=20))
    make_check_in(match, date.today() - timedelta(days=1), mentor_meeting=True)
    page = page_text(browser, "/matches/")
    assert "1 day ago" in page and "1 days ago" not in page


# ---------------------------------------------------------------- the match page


def test_the_match_page_gives_each_guardian_field_its_own_label(browser):
    log_in(browser, Role.COORDINATOR)
    match = make_match(accepted_on=date.today())
    page = page_text(browser, f"/matches/{match.id}")
    ids = [i for i in re.findall(r'<input[^>]+id="([^"]+)"', page) if i != "csrf_token"]
    assert len(ids) == len(set(ids)), "a field's id is used twice"
    for field_id, label in (("meeting-guardian-name", "Guardian attending"),
                            ("commitment-guardian-name", "Guardian(&#39;|')s typed name")):
        assert re.search(rf'<label for="{field_id}">{label}</label>', page), field_id
        assert page.count(f'for="{field_id}"') == 1


def test_date_held_is_never_filled_with_a_day_still_to_come(browser):
    coordinator = log_in(browser, Role.COORDINATOR)
    match = make_match(accepted_on=date.today())
    soon = date.today() + timedelta(days=5)
    browser.post(f"/matches/{match.id}/first-meeting", {"day": soon.isoformat(), "at": "17:30", "place": "Station",
                                                         "staff_member": str(coordinator.id), "guardian_name": "Pat"},
                 form_page=f"/matches/{match.id}")
    page = page_text(browser, f"/matches/{match.id}")
    assert f'id="held_on" name="held_on" required type="date" value="{date.today().isoformat()}"' in page
    response = browser.post(f"/matches/{match.id}/first-meeting/held", {"held_on": date.today().isoformat()},
                            form_page=f"/matches/{match.id}")
    assert response.status_code == 302
    page = page_text(browser, f"/matches/{match.id}")
    assert "First meeting held — commitment to sign" in page and "first meeting to hold" not in page


# ---------------------------------------------------------------- mentors


def test_after_recording_a_clearance_the_form_offers_the_next_one_missing(browser):
    user = log_in(browser, Role.MENTOR)
    make_mentor(cleared=False, user=user)
    page = page_text(browser, "/mentor/clearances")
    assert "Missing Missing" not in page and page.count("Record it below.") == 4
    response = browser.post("/mentor/clearances", {"kind": "background_check",
                                                   "completed_on": (date.today() - timedelta(days=3)).isoformat()},
                            form_page="/mentor/clearances")
    page = page_text(browser, response.headers["Location"])
    assert re.search(r'<option selected value="youth_protection">', page)


def test_the_profile_shows_numbers_as_typed_and_keeps_a_work_contact(browser):
    user = log_in(browser, Role.MENTOR)
    mentor = make_mentor(user=user, youth_experience_years=0.0)
    page = page_text(browser, "/mentor/profile")
    assert 'name="youth_experience_years" required type="text" value="0"' in page or 'value="0"' in page
    assert 'value="0.0"' not in page
    answers = {"agency": "SPD", "years_of_service": "3", "youth_experience_years": "2.5", "bio": "Coach.",
               "interests": ["K9"], "languages": ["English"], "gender": "", "zip_code": "95823",
               "availability": ["tue-evening"], "programs": [str(p.id) for p in mentor.programs] or [
                   str(make_program().id)], "capacity": "2", "work_email": "not an address"}
    refused = browser.post("/mentor/profile", answers, form_page="/mentor/profile")
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Enter an e-mail address" in body and 'value="not an address"' in body
    answers.update(work_email="D.Reyes@Police.example.gov", work_phone="916-555-0300")
    assert browser.post("/mentor/profile", answers, form_page="/mentor/profile").status_code == 302
    db.session.refresh(mentor)
    assert (mentor.work_email, mentor.work_phone) == ("d.reyes@police.example.gov", "916-555-0300")


def test_the_mentor_home_counts_the_places_still_free(browser):
    user = log_in(browser, Role.MENTOR)
    mentor = make_mentor(user=user, capacity=2)
    make_match(mentor=mentor, accepted_on=date.today())
    home = page_text(browser, "/home")
    assert "You can be proposed 1 more mentee." in home and "up to 2" not in home
    assert "Mentor is" not in home and "Your status" not in home


def test_a_mentor_waiting_for_approval_is_told_so_in_the_second_person(browser):
    user = log_in(browser, Role.MENTOR)
    make_mentor(cleared=False, user=user)
    home = page_text(browser, "/home")
    assert "Your application to mentor is waiting for a coordinator's approval." in home
    assert "Background check (Live Scan): not recorded or not verified yet" in home


def test_the_meeting_log_offers_only_ways_of_meeting_the_rules_allow(browser):
    user = log_in(browser, Role.MENTOR)
    match = make_match(mentor=make_mentor(user=user), held_on=date.today() - timedelta(days=10))
    page = page_text(browser, f"/matches/{match.id}/meetings/new")
    method = re.search(r'<select id="method".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option (?:selected )?value="([a-z_]+)"', method)
    assert options == ["in_person", "phone", "video", "group_activity"]
    assert "Phone call with the guardian included" in page and "private one-to-one messages" in page
    refused = browser.post(f"/matches/{match.id}/meetings/new", {"occurred_on": date.today().isoformat(),
                                                                 "method": "message", "notes": "texted"})
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)


# ---------------------------------------------------------------- families, in English and Spanish


def test_adding_a_child_is_confirmed(browser):
    log_in(browser, Role.GUARDIAN)
    make_program()
    response = browser.post("/family/children/new", {"first_name": "Ana", "last_name": "Lopez",
                                                     "date_of_birth": "2011-06-15"},
                            form_page="/family/children/new", follow_redirects=True)
    assert "Ana is added to your family. Now choose a program to apply to." in response.get_data(as_text=True)


def test_the_review_says_the_times_and_the_birth_date_as_the_reader_writes_them(browser):
    guardian = log_in(browser, Role.GUARDIAN)
    youth = make_youth(guardian=guardian)
    application = make_application(youth, make_program(), status=ApplicationStatus.DRAFT, draft_step=1,
                                   consent=False)
    family_flow.fill_steps(browser, application.id, date_of_birth="2011-06-15")
    page = page_text(browser, f"/family/applications/{application.id}/review")
    assert "born June 15, 2011" in page and "Tuesday evening, Saturday morning" in page
    assert "2011-06-15" not in page.split('<dl class="review">')[1] and "times a week" not in page
    guardian.locale = "es"
    db.session.commit()
    page = page_text(browser, f"/family/applications/{application.id}/review")
    assert "15 de junio de 2011" in page and "martes" in page.lower()


def test_a_family_that_joined_the_waitlist_today_is_not_told_it_waited_0_days(browser):
    guardian = log_in(browser, Role.GUARDIAN)
    application = make_application(make_youth(guardian=guardian), make_program(), waiting_since=utcnow())
    page = page_text(browser, f"/family/applications/{application.id}")
    assert "Joined the waitlist today." in page and "0 days" not in page


def test_the_status_page_in_spanish_has_spanish_reasons_dates_and_program_texts(browser):
    guardian = log_in(browser, Role.GUARDIAN, locale="es")
    program = make_program(description="Weekly meetings.", description_es="Reuniones semanales.")
    application = make_application(make_youth(guardian=guardian, goals="Aprender sobre CSI."), program)
    proposal, _match = approved_proposal(application)
    proposal.reasons = CODED_REASONS
    db.session.commit()
    page = page_text(browser, f"/family/applications/{application.id}")
    assert "“CSI”" in page and "3,3 millas" in page
    assert "1 año de experiencia" in page
    assert re.search(r"desde el \d{1,2} de [a-z]+ de \d{4}", page)
    assert "Mentor propuesto" in page and "Aceptar a este mentor" in page
    home = page_text(browser, "/home")
    assert "Reuniones semanales." in home and "Weekly meetings." not in home


def test_parents_read_the_program_information_in_their_language_before_consenting(browser):
    guardian = log_in(browser, Role.GUARDIAN, locale="es")
    program = make_program(parent_information="Meetings at the station.",
                           parent_information_es="Las reuniones son en la estación.")
    application = make_application(make_youth(guardian=guardian), program, status=ApplicationStatus.DRAFT,
                                   consent=False)
    page = page_text(browser, f"/family/applications/{application.id}/review")
    assert "Las reuniones son en la estación." in page and "Meetings at the station." not in page


def test_where_no_spanish_is_written_the_english_is_shown(client):
    make_program(description="Weekly meetings.", slug="explorers")
    page = client.get("/programs/explorers", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Weekly meetings." in page and "Cómo se comunican mentores y jóvenes" in page


def test_each_programs_rules_page_states_the_contact_rules_in_both_languages(client):
    make_program(slug="explorers", contact_policy=ContactPolicy.WORK)
    english = client.get("/programs/explorers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No private one-to-one digital contact between an adult and a young person" in english
    assert "A phone or video call includes a parent or guardian." in english
    spanish = client.get("/programs/explorers", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Ningún contacto digital privado a solas entre un adulto y un joven" in spanish


# ---------------------------------------------------------------- administrators


def test_the_admin_writes_a_programs_spanish_texts_and_its_contact_policy(browser):
    log_in(browser, Role.ADMIN)
    program = make_program(name="Explorer Post 300", slug="post-300")
    url = f"/admin/programs/{program.id}"
    form = page_text(browser, url)
    assert "Description in Spanish" in form and "Information for parents in Spanish" in form
    answers = {"name": "Explorer Post 300", "slug": "post-300", "kind": "exploring", "match_format": "group",
               "description": "Weekly meetings.", "description_es": "Reuniones semanales.",
               "parent_information": "At the station.", "parent_information_es": "En la estación.",
               "min_age": "14", "max_age": "20", "default_capacity": "2", "checkins_first_month": "2",
               "checkin_interval_days": "30", "retention_years": "7", "is_active": "y",
               "contact_policy": "work_and_phone"}
    assert browser.post(url, answers, form_page=url).status_code == 302
    saved = db.session.scalar(sa.select(Program).where(Program.id == program.id))
    db.session.refresh(saved)
    assert saved.description_es == "Reuniones semanales." and saved.parent_information_es == "En la estación."
    assert saved.contact_policy is ContactPolicy.WORK_AND_PHONE
