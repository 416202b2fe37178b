"""What the coordinator's busiest lists show, row by row: the proposals of a run, the youth it left
unmatched, and the waitlist with whose consent stands."""
from __future__ import annotations

import re

from mentormatch.extensions import db
from mentormatch.models import ConsentStatus, GuardianConsent, MatchingRun, Role, RunStatus, utcnow
from tests.builders import (
    PASSWORD,
    make_application,
    make_mentor,
    make_program,
    make_proposal,
    make_unmatched,
    make_user,
    make_youth,
)

REASONS = [
    {"factor": "interests", "label": "Shared interests", "contribution": 0.3, "text": "Both into robotics",
     "code": "interests.shared", "data": {"shared": ["robotics"]}},
    {"factor": "languages", "label": "Languages", "contribution": 0.2, "text": "Both speak Spanish",
     "code": "languages.shared", "data": {"languages": ["Spanish"]}},
    {"factor": "text", "label": "Goals and experience", "contribution": 0.1, "text": "Goals mention csi",
     "code": "text.shared", "data": {"terms": ["csi"]}},
    {"factor": "distance", "label": "Distance", "contribution": 0.05, "text": "Same ZIP code (95823)",
     "code": "distance.same_zip", "data": {"zip": "95823"}},
]


def row_of(html: str, name: str) -> str:
    """The table row (or proposal row group) that names `name`."""
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        if name in row:
            return re.sub(r"\s+", " ", row)
    raise AssertionError(f"no row names {name}")


def tokens_in(html: str) -> set[str]:
    """Every CSRF token a page carries: in its forms and in the header htmx sends."""
    found = set(re.findall(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html))
    found |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', html))
    assert found, "the page carries no CSRF token"
    return found


def log_in_coordinator(browser, locale: str = "en"):
    coordinator = make_user(Role.COORDINATOR, locale=locale)
    browser.login(coordinator.email, PASSWORD)
    return coordinator


def test_a_proposal_row_sums_up_its_first_three_reasons_in_the_readers_language(browser):
    program = make_program()
    mentor = make_mentor(programs=[program], bio="Detective; I teach CSI workshops.")
    youth = make_youth(first_name="Rosa", last_name="Lopez", goals="I want to work in CSI one day.")
    proposal = make_proposal(make_application(youth, program), mentor, reasons=REASONS)
    log_in_coordinator(browser)

    english = row_of(browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True), "Rosa Lopez")
    # The words the engine compared in lower case are quoted as the youth wrote them.
    assert "Both into robotics; Both speak Spanish; Goals and experience both mention “CSI”" in english
    assert "Same ZIP code" not in english  # only the first three

    browser.post("/account/language", {"lang": "es", "next": "/home"}, form_page="/home")
    spanish = row_of(browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True), "Rosa Lopez")
    assert "A los dos les interesa: robótica; Los dos hablan español; Las metas y la experiencia mencionan “CSI”" \
        in spanish

    # Expanded, the row lists every reason with its points.
    details = browser.get(f"/coordinator/proposals/{proposal.id}?expanded=1",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Same ZIP code (95823)" in details or "Mismo código postal (95823)" in details
    assert "30.0" in details and "5.0" in details


def test_a_rows_summary_follows_its_youths_goals_as_they_are_now(browser):
    program = make_program()
    mentor = make_mentor(programs=[program], bio="")
    youth = make_youth(first_name="Ana", last_name="Ruiz", goals="Maybe csi work.")
    proposal = make_proposal(make_application(youth, program), mentor, reasons=REASONS)
    log_in_coordinator(browser)
    first = row_of(browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True), "Ana Ruiz")
    assert "mention “csi”" in first

    youth.goals = "I love CSI shows."
    db.session.commit()
    again = row_of(browser.get(f"/coordinator/runs/{proposal.run_id}").get_data(as_text=True), "Ana Ruiz")
    assert "mention “CSI”" in again


def test_the_unmatched_list_names_each_youth_with_why_and_offers_a_pick_only_while_waitlisted(browser):
    program = make_program()
    run = MatchingRun(program=program, status=RunStatus.DONE, unmatched_count=2)
    db.session.add(run)
    db.session.commit()
    waiting = make_unmatched(run, make_application(make_youth(first_name="Kim", last_name="Vang"), program),
                             reason="No mentor who speaks Hmong")
    gone = make_application(make_youth(first_name="Lee", last_name="Moua"), program)
    make_unmatched(run, gone, reason="No mentor free on Tuesday evenings", rule="availability")
    gone.move_to(gone.status.WITHDRAWN, None, "moved away")
    db.session.commit()
    log_in_coordinator(browser)

    html = browser.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)
    kim, lee = row_of(html, "Kim Vang"), row_of(html, "Lee Moua")
    assert "No mentor who speaks Hmong" in kim and f"/coordinator/unmatched/{waiting.id}" in kim
    assert "No mentor free on Tuesday evenings" in lee and "Pick a mentor" not in lee
    assert "Withdrawn" in lee


def test_the_waitlist_says_whose_consent_stands(browser):
    program = make_program(min_age=12, max_age=20)
    make_application(make_youth(age=19, first_name="Adult", last_name="Applicant"), program)
    make_application(make_youth(age=15, first_name="Given", last_name="Consent"), program)
    to_confirm = make_application(make_youth(age=15, first_name="Unconfirmed", last_name="Consent"), program,
                                  consent=False)
    db.session.add(GuardianConsent(application=to_confirm, guardian_email="kid@example.org", relation="Mother",
                                   typed_signature="Pat", consented_at=utcnow(), status=ConsentStatus.TO_CONFIRM))
    withdrawn = make_application(make_youth(age=15, first_name="Withdrawn", last_name="Consent"), program)
    withdrawn.consents[0].status = ConsentStatus.WITHDRAWN
    make_application(make_youth(age=14, first_name="Never", last_name="Asked"), program, consent=False)
    db.session.commit()
    log_in_coordinator(browser)

    html = browser.get(f"/coordinator/programs/{program.id}/waitlist").get_data(as_text=True)
    assert "18 or over" in row_of(html, "Adult Applicant")
    assert "On file" in row_of(html, "Given Consent")
    assert "To confirm: not matched" in row_of(html, "Unconfirmed Consent")
    assert "Missing: not matched" in row_of(html, "Withdrawn Consent")
    assert "Missing: not matched" in row_of(html, "Never Asked")
    assert "5 waiting" in html


def test_a_kept_run_page_carries_each_coordinators_own_token_and_follows_every_decision(app, database_url):
    from tests.conftest import Browser, make_test_app

    program = make_program()
    mentor = make_mentor(programs=[program], capacity=3)
    first = make_proposal(make_application(make_youth(first_name="First", last_name="Pick"), program), mentor,
                          score=0.9)
    second = make_proposal(make_application(make_youth(first_name="Second", last_name="Pick"), program), mentor,
                           run=first.run, score=0.8)
    run_id, first_id, second_id = first.run_id, first.id, second.id
    alice, bob, carol = (make_user(Role.COORDINATOR) for _ in range(3))

    a = Browser(app.test_client())
    a.login(alice.email, PASSWORD)
    alices = tokens_in(a.get(f"/coordinator/runs/{run_id}").get_data(as_text=True))
    b = Browser(app.test_client())
    b.login(bob.email, PASSWORD)
    page = b.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    # Bob's page was kept from Alice's view, yet every form on it carries Bob's one token, never Alice's.
    bobs = tokens_in(page)
    assert len(alices) == len(bobs) == 1 and alices != bobs and next(iter(alices)) not in page
    assert b.htmx_post(f"/coordinator/proposals/{first_id}/approve").status_code == 200

    page = a.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    assert f'id="proposal-{first_id}"' not in page, "an approved proposal leaves the list awaiting decision"
    assert f'id="proposal-{second_id}"' in page and "<strong>1</strong> approved" in page

    # A decision taken through another server (its own kept pages) shows here as well.
    other = make_test_app(database_url)
    try:
        c = Browser(other.test_client())
        c.login(carol.email, PASSWORD)
        assert f'id="proposal-{second_id}"' in c.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
        rejected = c.htmx_post(f"/coordinator/proposals/{second_id}/reject", {"reason": "Too far to travel"})
        assert rejected.status_code == 200
    finally:
        with other.app_context():
            db.engine.dispose()
    page = a.get(f"/coordinator/runs/{run_id}").get_data(as_text=True)
    assert f'id="proposal-{second_id}"' not in page and "<strong>1</strong> rejected" in page


def test_the_waitlist_shows_a_youth_who_joins_it_at_once(browser):
    program = make_program()
    make_application(make_youth(first_name="Early", last_name="Bird"), program)
    log_in_coordinator(browser)
    assert "1 waiting" in browser.get(f"/coordinator/programs/{program.id}/waitlist").get_data(as_text=True)
    make_application(make_youth(first_name="Late", last_name="Comer"), program)
    html = browser.get(f"/coordinator/programs/{program.id}/waitlist").get_data(as_text=True)
    assert "2 waiting" in html and "Late Comer" in html
    filtered = browser.get(f"/coordinator/programs/{program.id}/waitlist?gender=female",
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Late Comer" in filtered and "<html" not in filtered
