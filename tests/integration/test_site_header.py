"""The layout's header is rendered once per role and language, yet every browser gets its own menu and token."""
from __future__ import annotations

import re

import pytest

from mentormatch import SITE_HEADERS_KEPT, URLS_KEPT
from mentormatch.models import Role
from tests.builders import PASSWORD, make_user
from tests.conftest import Browser

pytestmark = pytest.mark.usefixtures("compiled_translations")


def header(page: str) -> str:
    return page.split('<header class="container site-header')[1].split("</header>")[0]


def menu(page: str) -> str:
    """The header without its token, which is signed afresh each second."""
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', header(page))


def logout_token(page: str) -> str:
    return re.search(r'action="/account/logout" class="inline">\s*<input type="hidden" name="csrf_token" '
                     r'value="([^"]+)"', header(page)).group(1)


def page_token(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def logged_in(app, role: Role, **fields) -> tuple[Browser, str]:
    user = make_user(role, **fields)
    person = Browser(app.test_client())
    assert person.login(user.email, PASSWORD).status_code == 302
    return person, person.get("/home").get_data(as_text=True)


def test_each_role_sees_its_own_menu_in_its_own_language(app):
    visitor = Browser(app.test_client()).get("/").get_data(as_text=True)
    assert "Log in" in header(visitor) and "Log out" not in header(visitor)

    coordinator, coordinator_home = logged_in(app, Role.COORDINATOR)
    guardian, guardian_home = logged_in(app, Role.GUARDIAN, locale="es")
    mentor, mentor_home = logged_in(app, Role.MENTOR)

    assert "many-links" in header(coordinator_home) and ">Applications<" in header(coordinator_home)
    assert ">Cerrar sesión<" in header(guardian_home) and ">Añadir un hijo/a<" in header(guardian_home)
    assert "many-links" not in header(guardian_home) and "Applications" not in header(guardian_home)
    assert ">Clearances<" in header(mentor_home) and "Applications" not in header(mentor_home)
    # Seen again, after the others filled the kept headers, each is still their own.
    assert menu(coordinator.get("/home").get_data(as_text=True)) == menu(coordinator_home)
    visitor_again = Browser(app.test_client()).get("/").get_data(as_text=True)
    assert menu(visitor_again) == menu(visitor)


def test_the_log_out_button_carries_this_browsers_own_token(app):
    first, first_home = logged_in(app, Role.COORDINATOR)
    second, second_home = logged_in(app, Role.COORDINATOR)

    assert logout_token(first_home) == page_token(first_home)
    assert logout_token(second_home) == page_token(second_home)
    assert logout_token(first_home) != logout_token(second_home)

    # The first browser logs out with the header's button; the second stays logged in.
    response = first.client.post("/account/logout", data={"csrf_token": logout_token(first_home)})
    assert response.status_code == 302
    assert first.client.get("/home").status_code == 302
    assert second.client.get("/home").status_code == 200


def test_headers_kept_stay_few_however_many_places_the_site_is_mounted_at(app):
    visitor = app.test_client()
    for n in range(SITE_HEADERS_KEPT + 6):
        page = visitor.get("/", base_url=f"http://mentormatch.test/county{n}/").get_data(as_text=True)
        assert f'href="/county{n}/account/login"' in header(page)
        assert len(app.extensions["mentormatch.site_headers"]) <= SITE_HEADERS_KEPT


def test_links_kept_stay_few_however_many_places_the_site_is_mounted_at(app):
    visitor = app.test_client()
    visitor.get("/", base_url="http://mentormatch.test/county0/")
    per_mount = len(app.extensions["mentormatch.fixed_urls"])
    assert per_mount > 0
    # Enough mount points to pass the limit twice over: each page still links under its own root.
    for n in range(1, 2 * URLS_KEPT // per_mount + 2):
        page = visitor.get("/", base_url=f"http://mentormatch.test/county{n}/").get_data(as_text=True)
        assert f'href="/county{n}/static/' in page and f'href="/county{n}/account/login"' in page
        assert len(app.extensions["mentormatch.fixed_urls"]) <= URLS_KEPT
