"""Recruitment gaps from the latest runs' unmatched youth, and learning weights from outcomes."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentormatch import matching_service
from mentormatch.extensions import db
from mentormatch.models import (
    ApplicationStatus,
    AuditEvent,
    ClosureReason,
    MatchingRun,
    Role,
    RunStatus,
    UnmatchedYouth,
    utcnow,
)
from mentormatch.reports import learning
from tests.builders import (
    PASSWORD,
    make_application,
    make_match,
    make_mentor,
    make_program,
    make_user,
    make_youth,
)


def login(browser, role=Role.COORDINATOR):
    user = make_user(role)
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


def unmatched(run, rule, status=ApplicationStatus.WAITLISTED, details=None, **youth_fields):
    application = make_application(make_youth(**youth_fields), run.program, status=status)
    row = UnmatchedYouth(run=run, application=application, reason="No mentor", rule=rule,
                         details=details or {"feasible_mentors": 0, "excluded_by": {rule: 3}})
    db.session.add(row)
    db.session.commit()
    return row


def finished_run(program):
    run = MatchingRun(program=program, status=RunStatus.DONE, finished_at=utcnow())
    db.session.add(run)
    db.session.commit()
    return run


def test_recruitment_gaps_say_which_mentors_are_needed(browser, app):
    login(browser)
    program = make_program(name="Cadets")
    stale = finished_run(program)
    unmatched(stale, "gender", mentor_gender_preference="female")
    run = finished_run(program)
    for _ in range(3):
        unmatched(run, "language", required_language="Spanish", zip_code="95823")
    unmatched(run, "language", required_language="Spanish", zip_code="95820")
    unmatched(run, "language", status=ApplicationStatus.PROPOSED, required_language="Hmong", zip_code="95823")
    for _ in range(2):
        unmatched(run, "availability", availability=["sat-morning", "sun-afternoon"])
    unmatched(run, "availability", availability=["mon-evening", "wed-evening"])
    unmatched(run, "distance", zip_code="95758", max_travel_miles=5.0)
    unmatched(run, "competition", details={"feasible_mentors": 4, "excluded_by": {}})
    unmatched(run, "profile", details={"feasible_mentors": 0}, required_language="Tagalog")
    failed = MatchingRun(program=program, status=RunStatus.FAILED)
    db.session.add(failed)
    db.session.commit()

    page = browser.get(f"/reports/?program={program.id}").get_data(as_text=True)
    gaps = page[page.index('id="recruitment-gaps"'):]
    gaps = gaps[:gaps.index("</ul>")]
    assert [line.split("</li>")[0] for line in gaps.split("<li>")[1:]] == [
        "3 youth need a Spanish-speaking mentor in 95823.",
        "2 youth available only on weekends.",
        "1 youth available only on weekday evenings.",
        "1 youth had suitable mentors who were all filled by closer fits: more mentors of any kind would help.",
        "1 youth needs a Spanish-speaking mentor in 95820.",
        "1 youth needs a mentor within 5 miles of 95758.",
    ]
    assert "female" not in gaps, "only the latest finished run counts"
    assert "Hmong" not in gaps, "youth no longer waiting are left out"
    assert "Tagalog" not in gaps and gaps.count("<li>") == 6, "a youth's own incomplete record is no recruitment gap"
    exported = browser.get(f"/reports/recruitment-gaps.csv?program={program.id}").get_data(as_text=True)
    assert "Cadets,3,3 youth need a Spanish-speaking mentor in 95823" in exported


def test_gap_details_stored_by_a_run_win_over_the_youth_record(browser, app):
    login(browser)
    program = make_program()
    run = finished_run(program)
    unmatched(run, "language", details={"required_language": "Punjabi", "zip": "95824"},
              required_language="Spanish", zip_code="95823")
    page = browser.get(f"/reports/?program={program.id}").get_data(as_text=True)
    assert "1 youth needs a Punjabi-speaking mentor in 95824." in page


def outcome_history(program, pairs=40, seed=7):
    """Closed and long matches where shared interests and nearness decide whether a match lasts."""
    rng = random.Random(seed)
    today = date.today()
    interests = ["robotics", "soccer", "art", "coding", "fishing", "music"]
    for i in range(pairs):
        lasting = i % 2 == 0
        shared = rng.sample(interests, 2)
        mentor = make_mentor(programs=[program], capacity=3, interests=shared if lasting else [rng.choice(interests)],
                             zip_code="95823" if lasting else "95660", availability=["tue-evening"])
        youth = make_youth(interests=shared, zip_code="95823" if lasting or rng.random() < 0.3 else "95758")
        application = make_application(youth, program, status=ApplicationStatus.CLOSED)
        start = today - timedelta(days=800 - i)
        make_match(application, mentor, approved_on=start, held_on=start,
                   closed_on=start + timedelta(days=400 if lasting else 100 + i),
                   closure_reason=ClosureReason.PROGRAM_ENDED if lasting else ClosureReason.MISMATCH)


def test_learning_shows_cross_validated_auc_and_adopting_writes_the_program_settings(browser, app):
    admin = login(browser, Role.ADMIN)
    program = make_program(match_settings={"distance_scale_miles": 12.0})
    outcome_history(program)
    expected = learning.learn(program)
    assert expected.report.auc_learned > 0.5

    page = browser.get(f"/reports/learning/{program.id}").get_data(as_text=True)
    assert f'<th scope="row">Learned</th><td>{expected.report.auc_learned:.3f}</td>' in page
    assert f'<th scope="row">Current</th><td>{expected.report.auc_default:.3f}</td>' in page
    assert "Cross-validated ROC AUC over 40 matches (20 lasted 12 months)" in page
    assert '<th scope="row">Shared interests</th><td>30%</td>' in page
    db.session.refresh(program)
    assert program.match_settings == {"distance_scale_miles": 12.0}, "looking changes nothing"

    response = browser.post(f"/reports/learning/{program.id}/adopt", form_page=f"/reports/learning/{program.id}")
    assert response.status_code == 302
    db.session.refresh(program)
    settings = program.match_settings
    assert settings["distance_scale_miles"] == 12.0
    assert {k: round(v, 4) for k, v in expected.config.weights.items()} == {
        k.removeprefix("weight_"): v for k, v in settings.items() if k.startswith("weight_")}
    assert matching_service.program_config(program).weights == pytest.approx(expected.config.weights, abs=1e-4), \
        "the next run uses the adopted weights"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "program.weights_learned"))
    assert event.actor_id == admin.id and event.details["before"] == {"distance_scale_miles": 12.0}


def test_learning_explains_when_there_are_too_few_outcomes(browser, app):
    login(browser, Role.ADMIN)
    program = make_program()
    make_match(held_on=date.today() - timedelta(days=500))
    page = browser.get(f"/reports/learning/{program.id}").get_data(as_text=True)
    assert "Learning needs at least 5 matches that lasted 12 months and 5 that closed sooner" in page
    assert "Adopt the learned weights" not in page
    response = browser.post(f"/reports/learning/{program.id}/adopt", form_page=f"/reports/learning/{program.id}")
    assert response.status_code == 302
    db.session.refresh(program)
    assert program.match_settings is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MENTOR])
def test_only_admins_fit_weights(browser, app, role):
    login(browser, role)
    assert browser.get(f"/reports/learning/{make_program().id}").status_code == 403
