"""Referrals from a list: every row previewed as OK or with its error; nothing saved until the
liaison confirms, and then every valid row, or none when anything changed since the preview."""
from __future__ import annotations

import io

import sqlalchemy as sa
from openpyxl import Workbook

from mentormatch.extensions import db
from mentormatch.models import OutboxMessage, Referral
from tests.builders import PASSWORD, make_program
from tests.support.partnership import make_liaison, make_referral

HEADER = "family_email,language,child_first_name,age_band,programs,reason,family_agreed\n"


def upload(browser, content: bytes, filename: str = "referrals.csv"):
    browser.get("/partners/referrals/upload")
    return browser.client.post("/partners/referrals/upload", data={
        "csrf_token": browser.token, "file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def confirm(browser, page: str):
    import re

    rows = re.search(r'name="rows" type="hidden" value="([^"]*)"', page).group(1)
    expected = re.search(r'name="expected" type="hidden" value="([^"]*)"', page).group(1)
    import html

    return browser.client.post("/partners/referrals/upload/confirm", data={
        "csrf_token": browser.token, "rows": html.unescape(rows), "expected": expected})


def test_the_preview_shows_every_row_with_each_kind_of_error_and_saves_nothing(browser):
    make_program(name="Explorer Post 300", slug="explorers")
    liaison = make_liaison()
    make_referral(liaison, [make_program()], email="taken@example.org", child="Leo")
    browser.login(liaison.email, PASSWORD)
    csv_text = HEADER + "\n".join([
        "ana@example.org,es,Ana,14-15,explorers,Loves robotics,yes",          # 2: OK
        "not-an-address,en,Ben,14-15,explorers,,yes",                          # 3: bad e-mail
        "cara@example.org,en,Cara,14-15,Space Camp,,yes",                      # 4: unknown program
        "taken@example.org,en,Leo,16-17,explorers,,yes",                       # 5: duplicate of an open referral
        "ana@example.org,es,ana,14-15,Explorer Post 300,,yes",                 # 6: duplicate of row 2
        "dan@example.org,fr,,9-10,explorers,,no",                              # 7: language, name, band, agreement
    ])
    response = upload(browser, csv_text.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 of 6 rows are ready" in page
    for message in ("Bad e-mail address: “not-an-address”.", "Unknown program: “Space Camp”.",
                    "Duplicate of an open referral.", "Duplicate of row 2.",
                    "Language must be en (English) or es (Spanish).", "The child&#39;s first name is missing.",
                    "Age band must be one of", "The family must have agreed to be contacted"):
        assert message in page, message
    assert count(Referral) == 1
    response = confirm(browser, page)
    assert response.status_code == 302
    assert count(Referral) == 2
    assert db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "ana@example.org")).locale == "es"


def test_an_excel_workbook_is_read_like_a_csv(browser):
    make_program(slug="explorers")
    browser.login(make_liaison().email, PASSWORD)
    book = Workbook()
    sheet = book.active
    sheet.append(["family_email", "language", "child_first_name", "age_band", "programs", "reason", "family_agreed"])
    sheet.append(["ana@example.org", "Spanish", "Ana", "14-15", "explorers", "", "yes"])
    sheet.append(["ben@example.org", "en", "Ben", "16-17", "explorers", "", "yes"])
    content = io.BytesIO()
    book.save(content)
    page = upload(browser, content.getvalue(), "referrals.xlsx").get_data(as_text=True)
    assert "2 of 2 rows are ready" in page
    confirm(browser, page)
    assert count(Referral) == 2


def test_when_a_row_became_a_duplicate_since_the_preview_nothing_is_saved(browser):
    program = make_program(slug="explorers")
    liaison = make_liaison()
    browser.login(liaison.email, PASSWORD)
    page = upload(browser, (HEADER + "ana@example.org,en,Ana,14-15,explorers,,yes\n"
                                     "ben@example.org,en,Ben,14-15,explorers,,yes\n").encode()).get_data(as_text=True)
    make_referral(make_liaison(), [program], email="ben@example.org", child="Ben")
    response = confirm(browser, page)
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Nothing was saved" in body and "Duplicate of an open referral." in body
    assert count(Referral) == 1


def test_a_file_that_cannot_be_read_is_refused_with_the_reason_on_the_page(browser):
    browser.login(make_liaison().email, PASSWORD)
    missing = upload(browser, b"email,name\nana@example.org,Ana\n").get_data(as_text=True)
    assert "missing: family_email, child_first_name, age_band, programs, family_agreed" in missing
    broken = upload(browser, b"not a workbook", "referrals.xlsx").get_data(as_text=True)
    assert "could not be read as an Excel workbook" in broken
    wrong = upload(browser, b"x", "referrals.pdf").get_data(as_text=True)
    assert "Upload a .csv or .xlsx file." in wrong
    assert count(Referral) == 0
