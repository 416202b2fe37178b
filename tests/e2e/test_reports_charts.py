"""The reports page on the demo data: the figures and the four charts render in a real browser.

It also takes the screenshots docs/screenshots/reports-*.png (refreshed there with MENTORMATCH_SCREENSHOTS=1).
"""
from __future__ import annotations


import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from mentormatch import demo, matching_service
from mentormatch.extensions import db
from mentormatch.models import MatchingRun, Program, RunStatus
from tests.support.axe import axe_violations
from tests.support.screenshots import screenshot_folder

pytestmark = pytest.mark.e2e

SCREENSHOTS = screenshot_folder()


def demo_program():
    """The demo data with one more matching run per program, so recruitment gaps have runs to read."""
    for program in db.session.scalars(sa.select(Program)).all():
        run = MatchingRun(program_id=program.id, status=RunStatus.RUNNING,
                          config=matching_service.program_settings(program))
        db.session.add(run)
        db.session.commit()
        matching_service.execute_run(run.id)
    return db.session.scalar(sa.select(Program).where(Program.slug == "leadership"))


@pytest.mark.demo_data
def test_the_reports_page_draws_its_charts(page, seed):
    program_id = seed(demo_program)
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(demo.DEMO_ACCOUNTS[1][0])
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()

    page.get_by_label("Program", exact=True).select_option(str(program_id))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Reports: Youth Leadership Academy")).to_be_visible()
    expect(page.get_by_role("row", name="Lasting 12 months")).to_be_visible()
    charts = page.locator("section.charts svg.chart")
    expect(charts).to_have_count(4)
    for name in ("Days waiting for a mentor", "Open matches at each month's end", "How long matches last",
                 "Why matches closed"):
        chart = page.get_by_role("img", name=name, exact=True)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 100
    expect(page.locator("svg.chart-columns rect.bar").first).to_be_visible()
    expect(page.locator("svg.chart-bars rect.bar").first).to_be_visible()
    expect(page.get_by_role("heading", name="Recruitment gaps")).to_be_visible()
    expect(page.locator("#recruitment-gaps li").first).to_contain_text("youth")

    assert axe_violations(page) == []

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "reports-page.png", full_page=True)
    page.locator("section.charts").screenshot(path=SCREENSHOTS / "reports-charts.png")
    page.emulate_media(media="print")
    page.locator("section.charts").screenshot(path=SCREENSHOTS / "reports-charts-print.png")
