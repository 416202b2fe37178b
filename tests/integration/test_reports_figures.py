"""The program report on a small fixture whose every figure is worked out by hand, and its CSV files."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from mentormatch.models import ApplicationStatus, ClosureReason, Role, utcnow
from tests.builders import (
    PASSWORD,
    make_application,
    make_check_in,
    make_match,
    make_mentor,
    make_program,
    make_user,
    make_youth,
)

PERIOD = "start=2025-01-01&end=2025-12-31"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=timezone.utc)


@pytest.fixture
def program(app):
    """One program, reported for 2025.

    Matches (start = first meeting):       approved    held        closed      length
      m1  moved                             2024-06-01  2024-06-10  2025-03-10  273
      m2  mismatch, waited 30 days          2025-02-10  2025-02-20  2025-05-01  70
      m3  open                              2024-01-05  2024-01-10  -           721 on 2025-12-31
      m4  awaiting first meeting, waited 60 2025-11-01  -           -           60
    Check-ins: none in the first month, then every 100 days (days 130, 230, ...).
    """
    program = make_program(name="Leadership Academy", checkins_first_month=0, checkin_interval_days=100)
    other = make_program(name="Other program")
    mentor = make_mentor(programs=[program], capacity=5, date_of_birth=date(1980, 5, 5))

    def application(status, **fields):
        youth = make_youth(age=16, guardian=make_user(Role.GUARDIAN, phone="916-555-0199"),
                           first_name="Zelda", last_name="Quintanilla", date_of_birth=date(2009, 7, 14))
        return make_application(youth, program, status=status, **fields)

    m1 = make_match(application(ApplicationStatus.CLOSED), mentor, approved_on=date(2024, 6, 1),
                    held_on=date(2024, 6, 10), closed_on=date(2025, 3, 10), closure_reason=ClosureReason.MOVED,
                    closure_planned=False, rematch=False)
    make_check_in(m1, date(2024, 10, 10))
    make_check_in(m1, date(2025, 1, 20))
    a2 = application(ApplicationStatus.CLOSED, submitted_at=noon(date(2025, 1, 5)),
                     waiting_since=noon(date(2025, 1, 11)))
    make_match(a2, mentor, approved_on=date(2025, 2, 10), held_on=date(2025, 2, 20), closed_on=date(2025, 5, 1),
               closure_reason=ClosureReason.MISMATCH, closure_planned=False, rematch=False)
    m3 = make_match(application(ApplicationStatus.MATCHED), mentor, approved_on=date(2024, 1, 5),
                    held_on=date(2024, 1, 10))
    for day in (date(2024, 5, 19), date(2024, 8, 27), date(2024, 12, 5), date(2025, 3, 1)):
        make_check_in(m3, day)
    make_check_in(m3, date(2025, 3, 2), mentor_meeting=True)
    make_match(application(ApplicationStatus.PROPOSED, waiting_since=noon(date(2025, 9, 2))), mentor,
               approved_on=date(2025, 11, 1))
    application(ApplicationStatus.INELIGIBLE, submitted_at=noon(date(2025, 3, 1)))
    application(ApplicationStatus.WITHDRAWN, submitted_at=noon(date(2024, 12, 1)))
    for days in (10, 20, 40, 100):
        application(ApplicationStatus.WAITLISTED, waiting_since=utcnow() - timedelta(days=days, hours=1))
    make_application(make_youth(), other, status=ApplicationStatus.WAITLISTED, submitted_at=noon(date(2025, 6, 1)))
    return program


@pytest.fixture
def coordinator(browser, app):
    user = make_user(Role.COORDINATOR)
    assert browser.login(user.email, PASSWORD).status_code == 302
    return user


def summary_rows(browser, program) -> dict[str, str]:
    response = browser.get(f"/reports/summary.csv?program={program.id}&{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return {row["figure"]: row["value"] for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}


def read_csv(browser, name, program):
    response = browser.get(f"/reports/{name}.csv?program={program.id}&{PERIOD}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_every_summary_figure_has_its_worked_out_value(browser, coordinator, program):
    assert summary_rows(browser, program) == {
        "Applications submitted": "2",
        "Of those, eligible (reached the waitlist)": "1",
        "Matched (approved in the period)": "2",
        "Waiting today": "4",
        "Days waiting today: median": "30",
        "Days waiting today: 90th percentile": "100",
        "Days waited before a match: median": "45",
        "Days waited before a match: 90th percentile": "60",
        "Active matches on 2025-12-31": "1",
        "Matches closed": "2",
        "Length of closed matches: median days": "172",
        "Lasting 6 months": "2 of 3 (67%)",
        "Lasting 12 months": "1 of 2 (50%)",
        # Due in 2025: m1 on 01-26 (done 01-20); m3 on 03-15 (done 03-01), 06-23 and 10-01 (none).
        "Check-ins done / due": "2 / 4 (50%)",
    }


def test_the_report_page_shows_the_figures_and_four_accessible_charts(browser, coordinator, program):
    page = browser.get(f"/reports/?program={program.id}&{PERIOD}").get_data(as_text=True)
    assert "Reports: Leadership Academy" in page
    assert "<th scope=\"row\">Lasting 12 months</th><td>1 of 2 (50%)</td>" in page
    assert page.count('<svg class="chart') == 4
    for title in ("Days waiting for a mentor", "Open matches at each month&#39;s end", "How long matches last",
                  "Why matches closed"):
        assert f">{title}</title>" in page
    assert page.count("<desc id=") == 4
    assert "Moved away 1, Mismatch 1" in page


def test_closure_reasons_waiting_and_survival_tables(browser, coordinator, program):
    assert read_csv(browser, "closure-reasons", program) == [["reason", "matches"], ["Moved away", "1"], ["Mismatch", "1"]]
    assert read_csv(browser, "waiting", program) == [
        ["days waiting", "youth"], ["0–29", "2"], ["30–59", "1"], ["60–89", "0"], ["90–119", "1"]]
    # Durations on 2025-12-31: 70 and 273 closed; 721 and 60 open (censored). At day 70, 3 at risk.
    assert read_csv(browser, "survival", program) == [
        ["day", "share still open"], ["0", "1.0"], ["70", "0.6667"], ["273", "0.3333"]]


def test_matches_over_time_counts_open_matches_at_each_month_end(browser, coordinator, program):
    rows = dict(read_csv(browser, "matches-over-time", program)[1:])
    assert len(rows) == 12
    assert (rows["Jan 25"], rows["Feb 25"], rows["Mar 25"], rows["May 25"], rows["Oct 25"], rows["Dec 25"]) == (
        "2", "3", "2", "1", "1", "2")


def test_the_matches_csv_holds_no_personal_data(browser, coordinator, program):
    rows = read_csv(browser, "matches", program)
    assert rows[0] == ["match_id", "application_id", "mentor_id", "program", "status", "approved_on",
                       "first_meeting_on", "closed_on", "length_days", "closure_reason", "planned_closure",
                       "rematch"]
    assert [r[4] for r in rows[1:]] == ["closed", "closed", "active", "awaiting_first_meeting"]
    assert [r[8] for r in rows[1:]] == ["273", "70", "721", "60"]
    assert rows[1][9:] == ["moved", "no", "no"]
    for name in ("summary", "closure-reasons", "waiting", "matches-over-time", "survival", "matches",
                 "recruitment-gaps"):
        text = browser.get(f"/reports/{name}.csv?program={program.id}&{PERIOD}").get_data(as_text=True)
        for personal in ("Zelda", "Quintanilla", "@example.org", "916-555", "2009-07-14", "1980-05-05", "95823",
                         "Test"):
            assert personal not in text, f"{personal} leaks into {name}.csv"


def test_an_unknown_table_is_not_found(browser, coordinator, program):
    assert browser.get("/reports/people.csv").status_code == 404


def test_all_programs_and_a_bad_range_fall_back_to_the_last_twelve_months(browser, coordinator, program):
    page = browser.get("/reports/?start=2025-06-01&end=2025-01-01").get_data(as_text=True)
    assert "The end comes before the start." in page
    assert f"{(date.today() - timedelta(days=365)).isoformat()} to {date.today().isoformat()} · all programs" in page


@pytest.mark.parametrize("query", ["start=0001-01-01", "end=9999-12-31", "start=2026-02-30&end=x",
                                   "program=99999999999999999999"])
def test_far_or_broken_filters_fall_back_instead_of_failing(browser, coordinator, query):
    for url in (f"/reports/?{query}", f"/reports/summary.csv?{query}"):
        assert browser.get(url).status_code == 200


def test_download_links_carry_the_filter_and_nothing_else(browser, coordinator, program):
    page = browser.get(f"/reports/?program={program.id}&name=people&start=2026-01-01&extra=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    downloads = re.findall(r'href="(/reports/[^"]*\.csv[^"]*)"', html)
    assert f"/reports/summary.csv?program={program.id}&amp;start=2026-01-01" in downloads
    assert not [link for link in downloads if "extra=" in link or "people" in link]
