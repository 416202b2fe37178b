"""Success stories: first names only, a photo stripped of its hidden data, the family's approval
(the guardian, and the young person from 13) before a coordinator publishes, and a withdrawal by
any of them that takes the story off every page and the feed at once."""
from __future__ import annotations

import io
from xml.etree import ElementTree

import sqlalchemy as sa
from PIL import Image

from mentormatch.extensions import db
from mentormatch.models import OutboxMessage, Role, Story, StoryStatus
from tests.builders import PASSWORD, make_application, make_match, make_mentor, make_program, make_user, make_youth


def photo_with_metadata() -> bytes:
    image = Image.new("RGB", (2400, 1200), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = "Ana Lopez at 1234 Elm Street"  # ImageDescription
    exif[0x0110] = "Family phone"  # camera model
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def scene(youth_age: int = 15, youth_account: bool = True, program_name: str = "Explorer Post 300"):
    program = make_program(name=program_name)
    guardian = make_user(Role.GUARDIAN, last_name="Lopez")
    own = make_user(Role.YOUTH, first_name="Ana", last_name="Lopez") if youth_account else None
    youth = make_youth(age=youth_age, guardian=guardian, user=own, first_name="Ana", last_name="Lopez",
                       school="Hiram Johnson High", zip_code="95823")
    mentor = make_mentor(programs=[program], user=make_user(Role.MENTOR, first_name="Dana", last_name="Reyes"))
    match = make_match(make_application(youth, program), mentor)
    return match, guardian, own, mentor


def draft(browser, match, **overrides):
    data = {"title": "Ana's first competition", "body": "Ana and Dana trained every Tuesday.\nShe won a medal.",
            "title_es": "La primera competencia de Ana", "body_es": "Ana y Dana entrenaron cada martes."}
    data.update(overrides)
    browser.get(f"/stories/new/{match.id}")
    return browser.client.post(f"/stories/new/{match.id}", data={"csrf_token": browser.token, **data},
                               content_type="multipart/form-data")


def test_a_story_naming_a_surname_school_or_zip_is_refused_with_what_to_remove_and_nothing_typed_is_lost(browser):
    match, *_ = scene()
    browser.login(match.mentor.user.email, PASSWORD)
    response = draft(browser, match, body="Ana Lopez from Hiram Johnson High (95823) met Dana Reyes.")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Remove: Hiram Johnson High, Lopez, Reyes, 95823." in page
    assert "met Dana Reyes.</textarea>" in page
    assert db.session.scalar(sa.select(sa.func.count(Story.id))) == 0


def test_the_consent_chain_from_draft_to_published_then_withdrawn_by_the_guardian(browser, app):
    client = app.test_client()  # a visitor who is not logged in
    match, guardian, own, mentor = scene()
    coordinator = make_user(Role.COORDINATOR)
    browser.login(mentor.user.email, PASSWORD)
    response = draft(browser, match, photo=(io.BytesIO(photo_with_metadata()), "medal.jpg"))
    assert response.status_code == 302
    story = db.session.scalar(sa.select(Story))
    assert story.status is StoryStatus.DRAFT
    stored = Image.open(io.BytesIO(story.photo.data))
    assert stored.format == "JPEG" and max(stored.size) == 1600 and not stored.getexif()
    assert b"Elm Street" not in story.photo.data and b"Family phone" not in story.photo.data
    # Not public yet: neither the story nor its photo.
    assert client.get(f"/stories/{story.id}").status_code == 404
    assert client.get(f"/stories/{story.id}/photo.jpg").status_code == 404
    browser.post(f"/stories/{story.id}/ask", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.AWAITING_APPROVAL
    asked = db.session.scalars(sa.select(OutboxMessage.to_address).where(OutboxMessage.template == "story_approval"))
    assert set(asked) == {guardian.email, own.email}
    browser.logout()
    # The coordinator cannot publish before the family approved.
    browser.login(coordinator.email, PASSWORD)
    browser.post(f"/stories/{story.id}/publish", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.AWAITING_APPROVAL
    browser.logout()
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/stories/{story.id}/approve", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.AWAITING_APPROVAL  # the young person, 15, approves too
    browser.logout()
    browser.login(own.email, PASSWORD)
    browser.post(f"/stories/{story.id}/approve", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.APPROVED
    browser.logout()
    browser.login(coordinator.email, PASSWORD)
    browser.post(f"/stories/{story.id}/publish", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.PUBLISHED
    browser.logout()
    stories_page = client.get("/stories/").get_data(as_text=True)
    assert "Ana&#39;s first competition" in stories_page and "Explorer Post 300" in stories_page
    assert "Lopez" not in stories_page and "Reyes" not in stories_page and "Hiram" not in stories_page
    assert "Ana&#39;s first competition" in client.get("/").get_data(as_text=True)
    feed = ElementTree.fromstring(client.get("/stories/feed.xml").data)
    atom = "{http://www.w3.org/2005/Atom}"
    assert [e.findtext(f"{atom}title") for e in feed.iter(f"{atom}entry")] == ["Ana's first competition"]
    assert client.get(f"/stories/{story.id}/photo.jpg").status_code == 200
    # The guardian withdraws it: gone from every page and the feed at once.
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/stories/{story.id}/withdraw", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.WITHDRAWN
    browser.logout()
    for path in ("/stories/", "/", "/stories/feed.xml"):
        assert b"first competition" not in client.get(path).data, path
    assert client.get(f"/stories/{story.id}").status_code == 404
    assert client.get(f"/stories/{story.id}/photo.jpg").status_code == 404
    assert client.get("/stories/").headers["Cache-Control"] == "no-cache"


def test_a_young_person_of_13_or_more_without_an_account_cannot_be_asked_and_under_13_the_guardian_decides(browser):
    match, *_ = scene(youth_age=15, youth_account=False)
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    draft(browser, match)
    story = db.session.scalar(sa.select(Story))
    page = browser.post(f"/stories/{story.id}/ask", form_page=f"/stories/{story.id}", follow_redirects=True)
    assert "The young person needs their own MentorMatch account to approve the story." in page.get_data(as_text=True)
    assert story.status is StoryStatus.DRAFT
    young, guardian, _own, _mentor = scene(youth_age=12, youth_account=False, program_name="Leadership Academy")
    draft(browser, young)
    story = db.session.scalar(sa.select(Story).where(Story.match_id == young.id))
    browser.post(f"/stories/{story.id}/ask", form_page=f"/stories/{story.id}")
    browser.logout()
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/stories/{story.id}/approve", form_page=f"/stories/{story.id}")
    assert story.status is StoryStatus.APPROVED


def test_only_the_matchs_mentor_staff_and_its_family_take_part(browser):
    match, *_ = scene()
    browser.login(make_mentor().user.email, PASSWORD)
    assert browser.get(f"/stories/new/{match.id}").status_code == 404
    browser.logout()
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    draft(browser, match)
    story = db.session.scalar(sa.select(Story))
    browser.post(f"/stories/{story.id}/ask", form_page=f"/stories/{story.id}")
    browser.logout()
    browser.login(make_user(Role.GUARDIAN).email, PASSWORD)
    assert browser.get(f"/stories/{story.id}").status_code == 404
    assert browser.post(f"/stories/{story.id}/approve", form_page="/home").status_code == 404
    assert story.status is StoryStatus.AWAITING_APPROVAL


def test_a_spanish_reader_sees_the_spanish_version_and_a_file_that_is_no_photo_is_refused(browser, app):
    match, *_ = scene()
    browser.login(match.mentor.user.email, PASSWORD)
    refused = draft(browser, match, photo=(io.BytesIO(b"%PDF-1.4 not a photo"), "medal.jpg"))
    assert refused.status_code == 422 and "could not be read as a photo" in refused.get_data(as_text=True)
    draft(browser, match)
    story = db.session.scalar(sa.select(Story))
    story.status = StoryStatus.PUBLISHED  # the chain itself is tested above
    db.session.commit()
    browser.logout()
    page = app.test_client().get(f"/stories/{story.id}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "La primera competencia de Ana" in page


def test_a_spanish_guardian_who_approves_twice_is_told_in_spanish(browser, compiled_translations):
    match, guardian, _own, _mentor = scene(youth_age=11, youth_account=False)
    guardian.locale = "es"
    db.session.commit()
    browser.login(make_user(Role.COORDINATOR).email, PASSWORD)
    draft(browser, match)
    story = db.session.scalar(sa.select(Story))
    browser.post(f"/stories/{story.id}/ask", form_page=f"/stories/{story.id}")
    browser.logout()
    browser.login(guardian.email, PASSWORD)
    first = browser.post(f"/stories/{story.id}/approve", form_page=f"/stories/{story.id}", follow_redirects=True)
    assert "Gracias: su aprobación quedó registrada." in first.get_data(as_text=True)
    again = browser.post(f"/stories/{story.id}/approve", form_page=f"/stories/{story.id}", follow_redirects=True)
    assert "Esta historia no está esperando su aprobación." in again.get_data(as_text=True)
    assert story.status is StoryStatus.APPROVED
