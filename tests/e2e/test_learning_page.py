"""An admin learns from a program's outcomes and reads the report: AUC, calibration, each feature's
shape, the fairness table; then chooses to use the model."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mentormatch.models import Role
from tests.builders import PASSWORD, make_program, make_user
from tests.integration.test_reports_gaps_learning import outcome_history
from tests.support.axe import axe_violations
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.e2e


def test_an_admin_learns_from_outcomes_reads_the_report_and_adopts_the_model(page, live_app):
    with live_app.app_context():
        program = make_program(name="Sacramento Explorer Post 300")
        outcome_history(program)
        admin = make_user(Role.ADMIN, email="avery@example.org")
        program_id, email = program.id, admin.email
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/reports/learning/{program_id}")
    expect(page.get_by_text("Nothing learned yet")).to_be_visible()
    # In the test the worker's job runs before the response: learning takes a while.
    with page.expect_navigation(timeout=120_000):
        page.get_by_role("button", name="Learn from this program's outcomes now").click(timeout=120_000)
    expect(page.get_by_role("heading", name="How well each way of scoring tells lasting matches apart")).to_be_visible(
        timeout=60_000)
    expect(page.locator("#auc")).to_contain_text("Learned model")
    expect(page.get_by_role("img", name="Does the predicted chance match what happened?")).to_be_visible()
    expect(page.locator("svg.chart-shape").first).to_be_visible()
    expect(page.locator("#fairness")).to_be_visible()
    page.screenshot(path=str(screenshot_folder() / "admin-learning.png"), full_page=True)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Use this model for the program's matching runs").click()
    expect(page.get_by_text("next matching runs score with the learned model")).to_be_visible()
    expect(page.get_by_role("button", name="Stop using the learned model")).to_be_visible()
