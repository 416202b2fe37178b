"""Number fields take ordinary numbers only: NaN and infinity get a clear message, not a 500 or a stored NaN."""
from __future__ import annotations

import pytest

from mentormatch.extensions import db
from mentormatch.models import Role
from tests.builders import PASSWORD, make_mentor, make_program, make_user
from tests.integration.test_coordinator_matching_page import SETTINGS
from tests.integration.test_mentor_onboarding import profile_answers

NOT_NUMBERS = ["sNaN", "NaN", "nan", "-nan", "Infinity", "-Infinity", "inf", "1e999", "twelve"]


@pytest.mark.parametrize("typed", NOT_NUMBERS)
def test_mentor_profile_refuses_a_non_number_for_years_of_experience(browser, typed):
    program = make_program()
    mentor = make_mentor(cleared=False, user=make_user(Role.MENTOR))
    browser.login(mentor.user.email, PASSWORD)
    response = browser.post("/mentor/profile", profile_answers(youth_experience_years=typed,
                                                               programs=[str(program.id)]),
                            form_page="/mentor/profile")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number, such as 2 or 2.5." in page or "Number must be between 0 and 60." in page
    assert f'value="{typed}"' in page and "I coach youth basketball" in page
    db.session.refresh(mentor)
    assert mentor.youth_experience_years in (None, 0)


@pytest.mark.parametrize("typed", ["nan", "NaN", "inf", "-Infinity", "1e999"])
@pytest.mark.parametrize("field", ["weight_distance", "distance_scale_miles", "default_max_travel_miles",
                                   "wait_priority_weight"])
def test_matching_settings_refuse_nan_and_infinity(browser, field, typed):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    program = make_program()
    response = browser.post(f"/coordinator/programs/{program.id}/settings", {**SETTINGS, field: typed},
                            form_page=f"/coordinator/programs/{program.id}/matching")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number, such as 2 or 2.5." in page
    assert f'value="{typed}"' in page
    db.session.expire_all()
    assert program.match_settings is None


def test_an_empty_optional_number_is_still_fine(browser):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    program = make_program()
    response = browser.post(f"/coordinator/programs/{program.id}/settings",
                            {**SETTINGS, "default_max_travel_miles": ""},
                            form_page=f"/coordinator/programs/{program.id}/matching")
    assert response.status_code == 302


def test_an_empty_required_number_says_what_is_missing(browser):
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    program = make_program()
    response = browser.post(f"/coordinator/programs/{program.id}/settings", {**SETTINGS, "weight_text": ""},
                            form_page=f"/coordinator/programs/{program.id}/matching")
    assert response.status_code == 422
    assert "Give a weight (0 or more)." in response.get_data(as_text=True)


def _all_form_classes(app) -> list[type]:
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import mentormatch

    for module in pkgutil.walk_packages(mentormatch.__path__, "mentormatch."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, pending = [], [FlaskForm]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_number_field_in_the_app_refuses_nan_and_infinity(app):
    from wtforms import DecimalField, FloatField
    from wtforms.fields.core import UnboundField

    from mentormatch import formkit

    unguarded = []
    for form_class in _all_form_classes(app):
        for name in dir(form_class):
            value = getattr(form_class, name, None)
            if isinstance(value, UnboundField) and issubclass(value.field_class, (DecimalField, FloatField)) \
                    and not issubclass(value.field_class, (formkit.DecimalField, formkit.FloatField)):
                unguarded.append(f"{form_class.__module__}.{form_class.__name__}.{name}")
    assert unguarded == [], "use formkit.DecimalField / formkit.FloatField"
