"""The application journey: adding a child, the five steps with drafts, eligibility, submitting."""
from __future__ import annotations

import re

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    AccessToken,
    Application,
    ApplicationStatus,
    AuditEvent,
    GuardianConsent,
    Role,
    TokenPurpose,
    Youth,
)
from tests.builders import PASSWORD, born_years_ago, make_application, make_program, make_user, make_youth
from tests.support import family_flow


def guardian_with_child(browser, age: int = 15):
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez")
    child = make_youth(age=age, guardian=guardian, first_name="Ana", last_name="Lopez")
    browser.login(guardian.email, PASSWORD)
    return guardian, child


def start(browser, youth, program) -> Application:
    response = browser.post("/family/apply", {"youth_id": youth.id, "program_id": program.id}, form_page="/family/apply")
    assert response.status_code == 302
    return db.session.scalar(sa.select(Application).where(Application.youth_id == youth.id,
                                                          Application.program_id == program.id))


def test_guardian_adds_a_child_and_is_taken_to_choose_a_program(browser):
    guardian = make_user(Role.GUARDIAN)
    make_program(name="Explorer Post 300")
    browser.login(guardian.email, PASSWORD)
    response = browser.post("/family/children/new", {"first_name": "Ana", "last_name": "Lopez",
                                                     "date_of_birth": born_years_ago(15).isoformat()},
                            form_page="/family/children/new")
    child = db.session.scalar(sa.select(Youth).where(Youth.guardian_id == guardian.id))
    assert child.full_name == "Ana Lopez"
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Explorer Post 300" in page and "Ana Lopez" in page


def test_adding_a_child_born_in_the_future_is_refused_with_the_name_kept(browser):
    guardian = make_user(Role.GUARDIAN)
    browser.login(guardian.email, PASSWORD)
    response = browser.post("/family/children/new", {"first_name": "Ana", "last_name": "Lopez",
                                                     "date_of_birth": "2999-01-01"}, form_page="/family/children/new")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "cannot be in the future" in body and 'value="Ana"' in body


def test_guardian_starts_an_application_as_a_draft_at_step_one(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    assert application.status is ApplicationStatus.DRAFT and application.draft_step == 1
    page = browser.get(f"/family/applications/{application.id}/step/1").get_data(as_text=True)
    assert "Step 1 of 5: About the young person" in page


def test_starting_twice_resumes_the_open_application_instead_of_a_duplicate(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    first = start(browser, child, program)
    family_flow.fill_steps(browser, first.id, through=2)
    response = browser.post("/family/apply", {"youth_id": child.id, "program_id": program.id}, form_page="/family/apply")
    assert response.headers["Location"].endswith(f"/family/applications/{first.id}/step/3")
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_step_one_saves_the_draft_and_moves_to_step_two(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    response = browser.post(f"/family/applications/{application.id}/step/1", family_flow.about())
    assert response.headers["Location"].endswith(f"/family/applications/{application.id}/step/2")
    db.session.refresh(child)
    db.session.refresh(application)
    assert (child.zip_code, child.grade_completed, child.languages) == ("95823", 9, ["English", "Spanish"])
    assert application.draft_step == 2 and application.status is ApplicationStatus.DRAFT
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "application.draft_saved"))


def test_htmx_step_with_a_bad_zip_code_shows_the_error_in_place_and_keeps_the_answers(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    response = browser.htmx_post(f"/family/applications/{application.id}/step/1",
                                 {"csrf_token": browser.token, **family_flow.about(zip_code="9582", school="Valley High")})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith('<section id="application-step"')
    assert "A ZIP code has 5 digits." in body and 'aria-invalid="true"' in body
    assert 'value="Valley High"' in body and re.search(r'<input checked[^>]*value="Spanish"', body)


def test_a_zip_code_that_does_not_exist_is_refused(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    response = browser.post(f"/family/applications/{application.id}/step/1", family_flow.about(zip_code="00000"))
    assert response.status_code == 422 and "We do not know that ZIP code" in response.get_data(as_text=True)


def test_htmx_valid_step_sends_the_browser_to_the_next_step(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    response = browser.htmx_post(f"/family/applications/{application.id}/step/1",
                                 {"csrf_token": browser.token, **family_flow.about()})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/family/applications/{application.id}/step/2")


def test_interests_step_needs_at_least_one_interest_and_goals(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=1)
    response = browser.post(f"/family/applications/{application.id}/step/2", {"goals": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose at least one interest." in body and "Tell us a little about the goals." in body


def test_availability_step_saves_the_weekly_grid(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=2)
    page = browser.get(f"/family/applications/{application.id}/step/3").get_data(as_text=True)
    assert page.count('type="checkbox" name="availability"') == 21
    browser.post(f"/family/applications/{application.id}/step/3", {"availability": ["mon-evening", "sun-afternoon"]})
    db.session.refresh(child)
    assert child.availability == ["mon-evening", "sun-afternoon"]


def test_availability_step_refuses_an_empty_grid_and_unknown_slots(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=2)
    empty = browser.post(f"/family/applications/{application.id}/step/3", {})
    assert empty.status_code == 422 and "Choose at least one time" in empty.get_data(as_text=True)
    bogus = browser.post(f"/family/applications/{application.id}/step/3", {"availability": ["funday-noon"]})
    assert bogus.status_code == 422


def test_preferences_step_saves_hard_preferences(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=4)
    db.session.refresh(child)
    assert (child.mentor_gender_preference, child.required_language, child.max_travel_miles) == ("female", "Spanish", 10)


def test_preferences_step_refuses_a_travel_distance_out_of_range(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=3)
    response = browser.post(f"/family/applications/{application.id}/step/4",
                            family_flow.preferences(max_travel_miles="500"))
    assert response.status_code == 422 and "from 1 to 100 miles" in response.get_data(as_text=True)


def test_a_family_that_comes_back_continues_where_it_stopped(browser, client):
    program = make_program()
    guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=2)
    browser.logout()
    browser.login(guardian.email, PASSWORD)
    status = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert f"/family/applications/{application.id}/step/3" in status
    jump = client.get(f"/family/applications/{application.id}/step/4")
    assert jump.headers["Location"].endswith(f"/family/applications/{application.id}/step/3")
    page = browser.get(f"/family/applications/{application.id}/step/1").get_data(as_text=True)
    assert 'value="95823"' in page


def test_a_finished_draft_resumes_at_the_review(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id)
    response = browser.post("/family/apply", {"youth_id": child.id, "program_id": program.id}, form_page="/family/apply")
    assert response.headers["Location"].endswith(f"/family/applications/{application.id}/review")


def test_an_ineligible_applicant_is_told_why_and_pointed_to_programs_that_fit(browser):
    explorers = make_program(name="Explorer Post 300", min_age=14, max_age=20)
    make_program(name="Junior Leaders", min_age=11, max_age=13, min_grade_completed=None, grade_rule_until_age=None)
    _guardian, child = guardian_with_child(browser, age=12)
    application = start(browser, child, explorers)
    response = browser.post(f"/family/applications/{application.id}/step/1", family_flow.about(age=12))
    db.session.refresh(application)
    assert application.status is ApplicationStatus.INELIGIBLE
    assert "starts at age 14" in application.decision_reason
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Explorer Post 300 starts at age 14, and the applicant is 12." in page
    assert "Junior Leaders" in page


def test_a_14_year_old_without_8th_grade_is_ineligible_for_explorers_with_the_grade_reason(browser):
    explorers = make_program(name="Explorer Post 300")
    _guardian, child = guardian_with_child(browser, age=14)
    application = start(browser, child, explorers)
    browser.post(f"/family/applications/{application.id}/step/1", family_flow.about(age=14, grade_completed="7"))
    db.session.refresh(application)
    assert application.status is ApplicationStatus.INELIGIBLE
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "asks for grade 8 completed" in page


def test_review_step_shows_every_answer_and_the_programs_parent_information(browser):
    program = make_program(parent_information="Meetings happen at the station with staff present.")
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id)
    page = browser.get(f"/family/applications/{application.id}/review").get_data(as_text=True)
    for text in ("Ana Lopez", "robotics", "Tuesday evening, Saturday morning", "Mentor must speak Spanish", "Up to 10 miles",
                 "Meetings happen at the station with staff present.", "Type your full name as your signature"):
        assert text in page


def test_review_is_unreachable_before_the_four_steps_are_done(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id, through=2)
    response = browser.get(f"/family/applications/{application.id}/review")
    assert response.headers["Location"].endswith("/step/3")


def test_guardian_consents_in_the_flow_and_the_application_goes_to_review(browser):
    program = make_program()
    guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id)
    response = browser.post(f"/family/applications/{application.id}/review",
                            {"relation": "Mother", "typed_signature": "Maria Lopez", "agree": "y"})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.UNDER_REVIEW and application.submitted_at is not None
    consent = application.active_consent
    assert (consent.guardian_user_id, consent.relation, consent.typed_signature) == (guardian.id, "Mother", "Maria Lopez")
    assert consent.consented_at is not None


def test_guardian_must_tick_consent_and_type_a_full_name(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = start(browser, child, program)
    family_flow.fill_steps(browser, application.id)
    response = browser.post(f"/family/applications/{application.id}/review",
                            {"relation": "Mother", "typed_signature": "Maria"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Type your first and last name." in body and "Tick the box to give consent." in body
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DRAFT
    assert db.session.scalar(sa.select(sa.func.count(GuardianConsent.id))) == 0


def test_youth_under_18_alone_submits_and_the_application_awaits_consent_with_a_link_issued(browser):
    program = make_program()
    user = make_user(Role.YOUTH, first_name="Tou", last_name="Vang")
    youth = make_youth(age=16, user=user, first_name="Tou", last_name="Vang", guardian_email="mai@example.org")
    browser.login(user.email, PASSWORD)
    application = start(browser, youth, program)
    family_flow.fill_steps(browser, application.id, age=16)
    page = browser.get(f"/family/applications/{application.id}/review").get_data(as_text=True)
    assert 'value="mai@example.org"' in page
    browser.post(f"/family/applications/{application.id}/review", {"guardian_email": "mai.vang@example.org"})
    db.session.refresh(application)
    assert application.status is ApplicationStatus.AWAITING_CONSENT
    token = db.session.scalar(sa.select(AccessToken).where(AccessToken.application_id == application.id))
    assert token.purpose is TokenPurpose.GUARDIAN_CONSENT and token.email == "mai.vang@example.org"
    assert application.youth.guardian_email == "mai.vang@example.org"


def test_adult_youth_submits_without_consent_straight_to_review(browser):
    program = make_program()
    user = make_user(Role.YOUTH)
    youth = make_youth(age=19, user=user)
    browser.login(user.email, PASSWORD)
    application = start(browser, youth, program)
    family_flow.fill_steps(browser, application.id, age=19)
    browser.post(f"/family/applications/{application.id}/review", {})
    db.session.refresh(application)
    assert application.status is ApplicationStatus.UNDER_REVIEW and not application.consents


def test_a_submitted_application_can_no_longer_be_edited(browser):
    program = make_program()
    _guardian, child = guardian_with_child(browser)
    application = make_application(child, program, status=ApplicationStatus.UNDER_REVIEW)
    response = browser.get(f"/family/applications/{application.id}/step/1")
    assert response.headers["Location"].endswith(f"/family/applications/{application.id}")
