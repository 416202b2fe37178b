"""The answers of a complete application, step by step, for tests that need one filled in."""
from __future__ import annotations

from tests.builders import born_years_ago


def about(age: int = 15, **overrides) -> dict:
    answers = {"first_name": "Ana", "last_name": "Lopez", "date_of_birth": born_years_ago(age).isoformat(),
               "grade_completed": str(max(0, min(12, age - 6))), "school": "Hiram Johnson High",
               "zip_code": "95823", "gender": "female", "languages": ["English", "Spanish"]}
    answers.update(overrides)
    return answers


def interests(**overrides) -> dict:
    answers = {"interests": ["robotics", "K9"], "goals": "I want to become a police officer and learn first aid."}
    answers.update(overrides)
    return answers


def availability(**overrides) -> dict:
    answers = {"availability": ["tue-evening", "sat-morning"]}
    answers.update(overrides)
    return answers


def preferences(**overrides) -> dict:
    answers = {"mentor_gender_preference": "female", "required_language": "Spanish", "max_travel_miles": "10"}
    answers.update(overrides)
    return answers


STEPS = {1: about, 2: interests, 3: availability, 4: preferences}


def fill_steps(browser, application_id: int, age: int = 15, through: int = 4, **about_answers) -> None:
    """Post steps 1..through as a person would, each from its own page."""
    for number in range(1, through + 1):
        url = f"/family/applications/{application_id}/step/{number}"
        answers = about(age, **about_answers) if number == 1 else STEPS[number]()
        response = browser.post(url, answers, form_page=url)
        assert response.status_code == 302, response.get_data(as_text=True)
