"""axe-core finds no violation on any page a family sees, in English and Spanish; and the screenshots
of the application flow and the status page at phone and desktop widths (kept in docs/screenshots/)."""
from __future__ import annotations


import pytest
import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import (
    AccessToken,
    ApplicationStatus,
    Match,
    MatchProposal,
    MatchStatus,
    ProposalStatus,
    Role,
    TokenPurpose,
    User,
    utcnow,
)
from tests.builders import PASSWORD, make_application, make_mentor, make_program, make_user, make_youth
from tests.support.axe import axe_violations
from tests.support.screenshots import screenshot_folder

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("compiled_translations")]

SCREENSHOTS = screenshot_folder()
WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
REASONS = [
    {"text": "Both enjoy robotics and K9 work."},
    {"text": "Both are free on Tuesday evenings."},
    {"text": "Dana speaks Spanish, the language the family asked for."},
    {"text": "Dana meets 3 miles from home."},
]


def family_scene(live_app) -> dict:
    """A guardian with a draft at step 1, one finished up to review, one proposed with a mentor; a consent link."""
    from datetime import timedelta

    with live_app.app_context():
        program = make_program(name="Sacramento Police Explorers", description="Hands-on law-enforcement careers.",
                               parent_information="Explorers meet Tuesday evenings at the station, "
                                                  "always with two adults present.")
        guardian = make_user(Role.GUARDIAN, email="maria@example.org", first_name="Maria", last_name="Lopez")
        ana = make_youth(age=15, guardian=guardian, first_name="Ana", last_name="Lopez",
                         interests=["robotics", "K9"], goals="Learn what patrol officers do.",
                         availability=["tue-evening", "sat-morning"], languages=["English", "Spanish"],
                         required_language="Spanish", max_travel_miles=10)
        leo = make_youth(age=14, guardian=guardian, first_name="Leo", last_name="Lopez", grade_completed=8)
        review = make_application(ana, program, status=ApplicationStatus.DRAFT, draft_step=5, consent=False)
        draft = make_application(leo, program, status=ApplicationStatus.DRAFT, draft_step=1, consent=False)
        other = make_program(name="Cadet Academy")
        proposed = make_application(ana, other, status=ApplicationStatus.WAITLISTED,
                                    waiting_since=utcnow() - timedelta(days=23))
        mentor = make_mentor(programs=[other], user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes"))
        proposal = MatchProposal(application=proposed, mentor=mentor, score=0.82, reasons=REASONS,
                                 status=ProposalStatus.APPROVED, decided_at=utcnow())
        db.session.add_all([proposal, Match(application=proposed, mentor=mentor, proposal=proposal,
                                            status=MatchStatus.AWAITING_FIRST_MEETING,
                                            meeting_plan="First meeting at the community center with a coordinator.")])
        proposed.status = ApplicationStatus.PROPOSED
        waiting_youth = make_youth(age=17, guardian=guardian, first_name="Sofia", last_name="Lopez")
        waiting = make_application(waiting_youth, program, waiting_since=utcnow() - timedelta(days=40))
        teen = make_youth(age=16, first_name="Tou", last_name="Vang", guardian_email="mai@example.org")
        asking = make_application(teen, program, status=ApplicationStatus.AWAITING_CONSENT, consent=False)
        _token, raw = AccessToken.issue(TokenPurpose.GUARDIAN_CONSENT, "mai@example.org", timedelta(days=14),
                                        application=asking)
        db.session.commit()
        return {"review": review.id, "draft": draft.id, "proposed": proposed.id, "waiting": waiting.id,
                "consent_token": raw, "leo": leo.id}


def log_in(page, email: str) -> None:
    """By field ids, so the same steps work whichever language the page is in."""
    page.goto("/account/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#submit").click()
    page.wait_for_url("**/home")


def set_language(live_app, email: str, lang: str) -> None:
    with live_app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.locale = lang
        db.session.commit()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_family_pages_have_no_axe_violations(page, live_app, lang):
    scene = family_scene(live_app)
    public = ["/", "/account/register", "/account/register/guardian", "/account/register/youth",
              "/account/register/youth/parent", "/account/register/sent", "/account/login",
              f"/family/consent/{scene['consent_token']}", "/family/consent/used-or-unknown"]
    if lang == "es":
        page.context.set_extra_http_headers({"Accept-Language": "es"})
    problems = {}
    for url in public:
        page.goto(url)
        problems[url] = axe_violations(page)
    set_language(live_app, "maria@example.org", lang)
    log_in(page, "maria@example.org")
    for url in ["/home", "/family/children/new", f"/family/apply?youth={scene['leo']}",
                f"/family/applications/{scene['draft']}/step/1", f"/family/applications/{scene['review']}/step/2",
                f"/family/applications/{scene['review']}/step/3", f"/family/applications/{scene['review']}/step/4",
                f"/family/applications/{scene['review']}/review", f"/family/applications/{scene['proposed']}",
                f"/family/applications/{scene['waiting']}", "/family/data", "/family/data/delete",
                "/family/applications/999999"]:
        page.goto(url)
        problems[url] = axe_violations(page)
    page.goto(f"/family/applications/{scene['draft']}/step/1")
    page.locator("#zip_code").fill("1")
    page.get_by_role("button").filter(has_text="Save" if lang == "en" else "Guardar").click()
    page.wait_for_selector(".field-error")
    problems["step 1 with errors"] = axe_violations(page)
    assert {url: found for url, found in problems.items() if found} == {}


def test_screenshots_of_the_application_flow_and_status_page(page, live_app):
    scene = family_scene(live_app)
    log_in(page, "maria@example.org")
    shots = {"apply-step1": f"/family/applications/{scene['draft']}/step/1",
             "apply-review": f"/family/applications/{scene['review']}/review",
             "status-proposed": f"/family/applications/{scene['proposed']}"}
    for lang in ("en", "es"):
        set_language(live_app, "maria@example.org", lang)
        for width_name, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            for name, url in shots.items():
                page.goto(url)
                page.screenshot(path=str(SCREENSHOTS / f"family-{name}-{lang}-{width_name}.png"), full_page=True)
    assert (SCREENSHOTS / "family-status-proposed-es-phone.png").stat().st_size > 10_000
