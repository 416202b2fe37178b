"""Every page a family sees works in Spanish, and the language chosen is remembered."""
from __future__ import annotations

from datetime import timedelta

import pytest

from mentormatch.extensions import db
from mentormatch.models import AccessToken, ApplicationStatus, Role, TokenPurpose
from tests.builders import PASSWORD, make_application, make_program, make_user, make_youth
from tests.support import family_flow

pytestmark = pytest.mark.usefixtures("compiled_translations")


def switch_to_spanish(browser, page: str = "/") -> None:
    browser.post("/account/language", {"lang": "es", "next": page}, form_page=page)


@pytest.mark.parametrize("url, spanish", [
    ("/", "Mentoría para programas juveniles de la policía"),
    ("/account/register", "Soy padre, madre o tutor"),
    ("/account/register/guardian", "Cuenta de padre, madre o tutor"),
    ("/account/login", "Iniciar sesión"),
    ("/family/consent/not-a-token", "Este enlace ya no funciona"),
])
def test_public_family_pages_in_spanish(browser, url, spanish):
    switch_to_spanish(browser)
    page = browser.get(url).get_data(as_text=True)
    assert '<html lang="es">' in page and spanish in page


def test_the_language_switch_persists_on_the_account(browser):
    guardian = make_user(Role.GUARDIAN)
    browser.login(guardian.email, PASSWORD)
    switch_to_spanish(browser, "/home")
    db.session.refresh(guardian)
    assert guardian.locale == "es"
    browser.logout()
    browser.login(guardian.email, PASSWORD)
    assert "Sus hijos" in browser.get("/home").get_data(as_text=True)


def test_the_whole_application_flow_in_spanish(browser):
    guardian = make_user(Role.GUARDIAN, locale="es")
    child = make_youth(age=15, guardian=guardian, first_name="Ana")
    program = make_program(name="Explorer Post 300")
    browser.login(guardian.email, PASSWORD)
    assert "Empezar la solicitud" in browser.get(f"/family/apply?youth={child.id}").get_data(as_text=True)
    browser.post("/family/apply", {"youth_id": child.id, "program_id": program.id})
    application = child.applications[0]
    expected = {1: "Paso 1 de 5: Sobre el/la joven", 2: "Intereses y metas", 3: "Martes", 4: "Sin preferencia"}
    for number, spanish in expected.items():
        page = browser.get(f"/family/applications/{application.id}/step/{number}").get_data(as_text=True)
        assert spanish in page
        family_flow.fill_steps(browser, application.id, through=number)
    review = browser.get(f"/family/applications/{application.id}/review").get_data(as_text=True)
    assert "Consentimiento del tutor" in review and "robótica" in review and "martes por la noche, sábado por la mañana" in review
    browser.post(f"/family/applications/{application.id}/review",
                 {"relation": "Mother", "typed_signature": "Maria Lopez", "agree": "y"})
    status = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "En revisión" in status and "Un coordinador está revisando la solicitud" in status
    assert "Consentimiento dado por Maria Lopez (Madre)" in status


def test_errors_beside_fields_are_in_spanish(browser):
    guardian = make_user(Role.GUARDIAN, locale="es")
    child = make_youth(age=15, guardian=guardian)
    application = make_application(child, make_program(), status=ApplicationStatus.DRAFT, draft_step=1)
    browser.login(guardian.email, PASSWORD)
    response = browser.post(f"/family/applications/{application.id}/step/1",
                            family_flow.about(zip_code="12", languages=[]),
                            form_page=f"/family/applications/{application.id}/step/1")
    body = response.get_data(as_text=True)
    assert "Un código postal tiene 5 dígitos." in body and "Elija al menos un idioma." in body


def test_an_ineligible_reason_is_explained_in_spanish(browser):
    guardian = make_user(Role.GUARDIAN, locale="es")
    child = make_youth(age=12, guardian=guardian)
    application = make_application(child, make_program(name="Explorer Post 300"), status=ApplicationStatus.DRAFT,
                                   draft_step=1, consent=False)
    browser.login(guardian.email, PASSWORD)
    browser.post(f"/family/applications/{application.id}/step/1", family_flow.about(age=12),
                 form_page=f"/family/applications/{application.id}/step/1")
    page = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "Explorer Post 300 empieza a los 14 años, y el/la solicitante tiene 12." in page


def test_program_rules_on_the_family_home_are_in_spanish(browser):
    guardian = make_user(Role.GUARDIAN, locale="es")
    make_program(name="Explorer Post 300")
    browser.login(guardian.email, PASSWORD)
    home = browser.get("/home").get_data(as_text=True)
    assert "De 14 a 20 años; a los 14, 8.º grado terminado (sin requisito de grado desde los 15)" in home
    assert "Presentar una solicitud para Explorer Post 300" in home


def test_the_consent_page_follows_the_guardians_browser_language(app, browser):
    youth = make_youth(age=16, first_name="Tou", guardian_email="mai@example.org")
    application = make_application(youth, make_program(), status=ApplicationStatus.AWAITING_CONSENT, consent=False)
    _token, raw = AccessToken.issue(TokenPurpose.GUARDIAN_CONSENT, "mai@example.org", timedelta(days=14),
                                    application=application)
    db.session.commit()
    page = browser.get(f"/family/consent/{raw}", headers={"Accept-Language": "es-MX,es;q=0.9"})
    body = page.get_data(as_text=True)
    assert "Consentimiento para Tou" in body and "Dar consentimiento" in body


def test_status_waitlist_and_data_pages_in_spanish(browser):
    guardian = make_user(Role.GUARDIAN, locale="es")
    application = make_application(make_youth(age=15, guardian=guardian), make_program())
    browser.login(guardian.email, PASSWORD)
    status = browser.get(f"/family/applications/{application.id}").get_data(as_text=True)
    assert "En espera desde hace 10 días." in status and "Retirar el consentimiento" in status
    assert "Descargar nuestros datos (JSON)" in browser.get("/family/data").get_data(as_text=True)
    assert "Esto no se puede deshacer" in browser.get("/family/data/delete").get_data(as_text=True)
    assert "Página no encontrada" in browser.get("/family/applications/999999").get_data(as_text=True)


def test_staff_pages_stay_in_english(browser):
    mentor = make_user(Role.MENTOR, locale="es")
    from tests.builders import make_mentor

    make_mentor(user=mentor)
    browser.login(mentor.email, PASSWORD)
    assert "Your clearances" in browser.get("/mentor/clearances").get_data(as_text=True)


def test_the_log_in_prompt_for_a_protected_page_is_in_spanish(browser):
    switch_to_spanish(browser)
    response = browser.get("/family/data")
    assert "/account/login" in response.headers["Location"]
    assert "Inicie sesión para ver esa página." in browser.get(response.headers["Location"]).get_data(as_text=True)
