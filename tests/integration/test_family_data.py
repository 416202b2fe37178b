"""Data rights: a family downloads everything held about it, and deletes it after confirming."""
from __future__ import annotations

import json

import sqlalchemy as sa

from mentormatch.extensions import db
from mentormatch.models import ApplicationStatus, AuditEvent, Role, User, Youth
from tests.builders import PASSWORD, make_application, make_program, make_user, make_youth


def a_family(browser):
    guardian = make_user(Role.GUARDIAN, first_name="Maria", last_name="Lopez", phone="916-555-0199")
    child = make_youth(age=15, guardian=guardian, first_name="Ana", last_name="Lopez", goals="Learn first aid.",
                       school="Valley High")
    application = make_application(child, make_program(name="Explorer Post 300"))
    browser.login(guardian.email, PASSWORD)
    return guardian, child, application


def test_family_downloads_its_data_as_json(browser):
    guardian, _child, _application = a_family(browser)
    response = browser.get("/family/data/download")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == guardian.email
    (youth,) = data["young_people"]
    assert youth["first_name"] == "Ana" and youth["goals"] == "Learn first aid."
    assert youth["applications"][0]["program"] == "Explorer Post 300"
    assert youth["applications"][0]["consents"][0]["relation"] == "Mother"


def test_the_download_holds_no_other_familys_child(browser):
    a_family(browser)
    make_youth(guardian=make_user(Role.GUARDIAN), first_name="Stranger")
    assert "Stranger" not in browser.get("/family/data/download").get_data(as_text=True)


def test_deleting_needs_the_password_and_the_confirmation_box(browser):
    guardian, child, _application = a_family(browser)
    wrong = browser.post("/family/data/delete", {"password": "not my password", "confirm": "y"},
                         form_page="/family/data/delete")
    assert wrong.status_code == 422 and "That password is not right." in wrong.get_data(as_text=True)
    unticked = browser.post("/family/data/delete", {"password": PASSWORD}, form_page="/family/data/delete")
    assert unticked.status_code == 422 and "Tick the box to confirm." in unticked.get_data(as_text=True)
    db.session.refresh(child)
    assert child.anonymised_at is None and guardian.is_active_account


def test_deleting_anonymises_the_children_withdraws_applications_and_closes_the_account(browser, client):
    guardian, child, application = a_family(browser)
    guardian_id, child_id, email = guardian.id, child.id, guardian.email
    response = browser.post("/family/data/delete", {"password": PASSWORD, "confirm": "y"},
                            form_page="/family/data/delete")
    assert response.status_code == 302
    db.session.expire_all()
    child = db.session.get(Youth, child_id)
    assert (child.first_name, child.last_name, child.date_of_birth, child.goals, child.school, child.zip_code) == \
        ("Deleted", "Deleted", None, "", "", "")
    assert child.anonymised_at is not None
    assert child.applications[0].status is ApplicationStatus.WITHDRAWN
    assert child.applications[0].consents[0].typed_signature == "Deleted"
    user = db.session.get(User, guardian_id)
    assert not user.is_active_account and user.phone is None and user.email != email
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.deleted",
                                                         AuditEvent.object_id == guardian_id))
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "applications", AuditEvent.object_id == application.id)) >= 1
    assert client.get("/home").status_code == 302
    assert browser.login(email, PASSWORD).status_code == 200


def test_an_anonymised_childs_application_is_a_404_for_everyone(browser):
    guardian, child, application = a_family(browser)
    browser.post("/family/data/delete", {"password": PASSWORD, "confirm": "y"}, form_page="/family/data/delete")
    other = make_user(Role.GUARDIAN)
    browser.login(other.email, PASSWORD)
    assert browser.get(f"/family/applications/{application.id}").status_code == 404


def test_a_young_person_deletes_their_own_data(browser):
    user = make_user(Role.YOUTH)
    youth = make_youth(age=19, user=user, first_name="Devon")
    make_application(youth, make_program(), status=ApplicationStatus.UNDER_REVIEW)
    browser.login(user.email, PASSWORD)
    browser.post("/family/data/delete", {"password": PASSWORD, "confirm": "y"}, form_page="/family/data/delete")
    db.session.expire_all()
    assert youth.first_name == "Deleted" and youth.applications[0].status is ApplicationStatus.WITHDRAWN
