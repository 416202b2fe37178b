"""Recruitment gaps from the latest runs' unmatched youth, and learning from outcomes."""
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
    LearningStatus,
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


def test_learning_runs_as_a_job_and_a_model_is_used_only_once_an_admin_adopts_it(browser, app):
    admin = login(browser, Role.ADMIN)
    program = make_program(match_settings={"distance_scale_miles": 12.0})
    outcome_history(program)
    page = f"/reports/learning/{program.id}"
    assert "Nothing learned yet" in browser.get(page).get_data(as_text=True)

    assert browser.post(f"{page}/learn", form_page=page).status_code == 302  # a worker fits it
    row = learning.latest(program)
    assert row.status is LearningStatus.READY and row.model["format"] == "mentormatch.additive/1"
    shown = browser.get(page).get_data(as_text=True)
    report = row.report
    assert f'<th scope="row">Learned model</th><td>{report["auc_learned"]:.3f}</td>' in shown
    assert f'<th scope="row">Current weighted factors</th><td>{report["auc_default"]:.3f}</td>' in shown
    assert "from 40 matches (20 lasted 12 months)" in shown
    assert "Does the predicted chance match what happened?" in shown and 'class="chart chart-shape"' in shown
    assert 'id="fairness"' in shown
    assert matching_service.program_config(program).model is None, "learning changes nothing by itself"

    assert browser.post(f"{page}/adopt", form_page=page).status_code == 302
    db.session.expire_all()
    config = matching_service.program_config(program)
    assert config.model_id == row.model_key and config.distance_scale_miles == 12.0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "outcome_model.adopted"))
    assert event.actor_id == admin.id and event.details["model_key"] == row.model_key

    # A run with the adopted model records which model scored it, and its proposals carry reasons that
    # add up to their score.
    make_application(make_youth(15), program)
    make_mentor(programs=[program])
    run = matching_service.start_run(program, admin, inline=True)
    assert run.config["model_id"] == row.model_key and "model" not in run.config
    proposal = run.proposals[0]
    assert all(r["code"].startswith("learned.") for r in proposal.reasons)
    assert sum(r["contribution"] for r in proposal.reasons) == pytest.approx(proposal.score, abs=1e-6)

    assert browser.post(f"{page}/set-aside", form_page=page).status_code == 302
    assert matching_service.program_config(program).model is None


def test_learning_explains_when_there_are_too_few_outcomes(browser, app):
    login(browser, Role.ADMIN)
    program = make_program()
    make_match(held_on=date.today() - timedelta(days=500))
    page = f"/reports/learning/{program.id}"
    browser.post(f"{page}/learn", form_page=page)
    shown = browser.get(page).get_data(as_text=True)
    assert "Learning needs at least 5 matches that lasted 12 months and 5 that closed sooner" in shown
    assert "Use this model" not in shown
    response = browser.post(f"{page}/adopt", form_page=page, follow_redirects=True)
    assert "Only a model that finished learning can be adopted." in response.get_data(as_text=True)
    assert matching_service.program_config(program).model is None


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MENTOR])
def test_only_admins_fit_weights(browser, app, role):
    login(browser, role)
    assert browser.get(f"/reports/learning/{make_program().id}").status_code == 403
