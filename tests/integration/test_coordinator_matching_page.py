"""A program's matching page (weights and rules with their defaults) and its waitlist with fairness figures."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import AuditEvent, MatchingRun, Role, RunStatus, utcnow
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth

SETTINGS = {"weight_interests": "0.3", "weight_text": "0.15", "weight_languages": "0.1",
            "weight_availability": "0.15", "weight_distance": "0.2", "weight_experience": "0.1",
            "distance_scale_miles": "10", "default_max_travel_miles": "", "wait_priority_weight": "0.1",
            "wait_full_days": "180", "require_shared_slot": "y"}


@pytest.fixture
def coordinator(browser):
    user = make_user(Role.COORDINATOR)
    browser.login(user.email, PASSWORD)
    return user


def test_matching_page_shows_the_program_values_next_to_the_defaults(browser, coordinator):
    program = make_program(match_settings={"weight_distance": 0.5})
    page = browser.get(f"/coordinator/programs/{program.id}/matching").get_data(as_text=True)
    row = page.split('for="weight_distance"')[1].split("</tr>")[0]
    assert 'value="0.5"' in row and "<td>0.2</td>" in row
    assert "Youth&#39;s required language" in page and "Run matching" in page


def test_saving_settings_validates_stores_and_audits(browser, coordinator):
    program = make_program()
    url = f"/coordinator/programs/{program.id}/settings"
    zero = {**SETTINGS, **{f"weight_{f}": "0" for f in
                           ("interests", "text", "languages", "availability", "distance", "experience")}}
    refused = browser.post(url, zero, form_page=f"/coordinator/programs/{program.id}/matching")
    assert refused.status_code == 422 and "At least one weight must be above 0." in refused.get_data(as_text=True)
    negative = browser.post(url, {**SETTINGS, "weight_text": "-1"})
    assert negative.status_code == 422
    db.session.expire_all()
    assert program.match_settings is None
    saved = browser.post(url, {**SETTINGS, "weight_distance": "0.6", "require_shared_slot": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    assert program.match_settings["weight_distance"] == 0.6
    assert program.match_settings["require_shared_slot"] is False
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "program.match_settings"))
    assert event.details["before"]["weight_distance"] == 0.2 and event.details["after"]["weight_distance"] == 0.6


def test_starting_a_run_records_the_settings_used_and_shows_its_results(browser, coordinator):
    program = make_program(match_settings={"weight_text": 0.0})
    make_application(make_youth(15, first_name="Lucia"), program)
    make_mentor(programs=[program])
    response = browser.post(f"/coordinator/programs/{program.id}/runs",
                            form_page=f"/coordinator/programs/{program.id}/matching")
    run = db.session.scalar(sa.select(MatchingRun))
    assert response.headers["Location"].endswith(f"/coordinator/runs/{run.id}")
    assert run.status is RunStatus.DONE and run.config["weight_text"] == 0.0
    page = browser.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)
    assert "Lucia Example, 15" in page and "Every youth in the run got a proposal." in page
    fragment = browser.htmx_post(f"/coordinator/programs/{program.id}/runs").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="run-')


def test_waitlist_orders_by_wait_filters_and_shows_median_waits(browser, coordinator):
    program = make_program()
    now = utcnow()
    make_application(make_youth(15, first_name="Recent", gender="male", languages=["English"]), program,
                     waiting_since=now - timedelta(days=5))
    make_application(make_youth(16, first_name="Longest", gender="female", languages=["English", "Hmong"],
                                zip_code="95820"), program, waiting_since=now - timedelta(days=200))
    make_application(make_youth(17, first_name="Middle", gender="female", languages=["Spanish"]), program,
                     waiting_since=now - timedelta(days=60))
    page = browser.get(f"/coordinator/programs/{program.id}/waitlist").get_data(as_text=True)
    assert page.index("Longest") < page.index("Middle") < page.index("Recent")
    gender = page.split("<caption>By gender</caption>")[1].split("</table>")[0]
    assert "<td>Female</td><td>2</td><td>130.0</td><td>200</td>" in gender
    assert "<td>Male</td><td>1</td><td>5</td>" in gender
    language = page.split("<caption>By language</caption>")[1].split("</table>")[0]
    assert "<td>Hmong</td><td>1</td><td>200</td>" in language
    for query, shown in (("language=hmong", "Longest"), ("gender=male", "Recent"), ("zip_code=95820", "Longest"),
                         ("age=17", "Middle")):
        fragment = browser.client.get(f"/coordinator/programs/{program.id}/waitlist?{query}",
                                      headers={"HX-Request": "true"}).get_data(as_text=True)
        assert fragment.lstrip().startswith('<div id="waitlist-results"')
        assert shown in fragment and "1 waiting" in fragment, query


def test_paging_links_keep_the_filters_and_drop_anything_else(browser, coordinator):
    program = make_program()
    for n in range(30):
        make_application(make_youth(15, first_name=f"Waiting{n}", gender="female"), program,
                         waiting_since=utcnow() - timedelta(days=n + 1))
    response = browser.get(f"/coordinator/programs/{program.id}/waitlist?gender=female&program_id=9&name=x")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "30 waiting" in page
    assert f'href="/coordinator/programs/{program.id}/waitlist?gender=female&amp;page=2"' in page
    listed = browser.get("/coordinator/applications?status=waitlisted&application_id=4&page=1")
    assert listed.status_code == 200
    assert 'href="/coordinator/applications?status=waitlisted&amp;page=2"' in listed.get_data(as_text=True)
