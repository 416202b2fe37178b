"""The check-in cadence: due dates, done / overdue / missed, and "at risk", across month ends."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from mentormatch.cadence import (
    DONE,
    DUE_TODAY,
    LATE,
    MISSED,
    OVERDUE,
    UPCOMING,
    assess,
    due_dates,
)


def test_two_first_month_contacts_then_monthly_from_31_january():
    dates = due_dates(date(2025, 1, 31), 2, 30, until=date(2025, 5, 1))
    assert dates == [date(2025, 2, 15), date(2025, 3, 2), date(2025, 4, 1), date(2025, 5, 1)]


def test_leap_day_is_counted_as_a_day():
    dates = due_dates(date(2024, 2, 14), 2, 30, until=date(2024, 4, 14))
    assert dates == [date(2024, 2, 29), date(2024, 3, 15), date(2024, 4, 14)]


def test_a_start_on_leap_day_runs_into_march():
    assert due_dates(date(2024, 2, 29), 1, 30, until=date(2024, 5, 1)) == [
        date(2024, 3, 30), date(2024, 4, 29)]


def test_three_first_month_contacts_spread_evenly_and_year_end_crossed():
    dates = due_dates(date(2025, 12, 20), 3, 14, until=date(2026, 2, 3))
    assert dates == [date(2025, 12, 30), date(2026, 1, 9), date(2026, 1, 19), date(2026, 2, 2)]


def test_no_first_month_contacts_starts_at_the_interval():
    assert due_dates(date(2025, 3, 1), 0, 30, until=date(2025, 5, 1)) == [date(2025, 4, 30)]


def test_interval_must_be_positive():
    with pytest.raises(ValueError):
        due_dates(date(2025, 1, 1), 2, 0, until=date(2025, 3, 1))


def states(cadence):
    return [(d.due, d.state) for d in cadence.due]


def test_done_on_time_late_and_overdue():
    start = date(2025, 1, 31)
    cadence = assess(start, 2, 30, check_ins=[date(2025, 2, 10), date(2025, 3, 5)], meetings=[start],
                     today=date(2025, 4, 3))
    assert states(cadence) == [
        (date(2025, 2, 15), DONE), (date(2025, 3, 2), LATE), (date(2025, 4, 1), OVERDUE)]
    assert cadence.overdue.due == date(2025, 4, 1)
    assert cadence.counts(start, date(2025, 4, 3)) == (2, 3)


def test_an_older_unmet_due_date_is_missed_and_only_the_latest_is_overdue():
    start = date(2025, 1, 31)
    cadence = assess(start, 2, 30, check_ins=[], meetings=[], today=date(2025, 4, 2))
    assert [d.state for d in cadence.due] == [MISSED, MISSED, OVERDUE]


def test_due_today_is_not_yet_overdue_and_upcoming_shows_within_the_horizon():
    start = date(2025, 2, 28)
    cadence = assess(start, 2, 30, check_ins=[], meetings=[start], today=date(2025, 3, 15),
                     horizon_days=20)
    assert states(cadence) == [(date(2025, 3, 15), DUE_TODAY), (date(2025, 3, 30), UPCOMING)]
    assert cadence.overdue is None
    assert cadence.next_due.due == date(2025, 3, 15)


def test_one_check_in_meets_one_due_date_only():
    start = date(2025, 1, 1)
    cadence = assess(start, 2, 30, check_ins=[date(2025, 1, 10), date(2025, 1, 12)], meetings=[],
                     today=date(2025, 2, 1))
    assert [d.state for d in cadence.due] == [DONE, OVERDUE]


def test_no_due_dates_after_closure_and_a_closed_match_is_never_overdue_or_at_risk():
    start = date(2025, 1, 1)
    cadence = assess(start, 2, 30, check_ins=[date(2025, 1, 14)], meetings=[start],
                     today=date(2025, 9, 1), ended=date(2025, 2, 5))
    assert states(cadence) == [(date(2025, 1, 16), DONE), (date(2025, 1, 31), MISSED)]
    assert cadence.overdue is None and not cadence.at_risk


@pytest.mark.parametrize("days_without, at_risk", [(29, False), (30, True), (45, True)])
def test_at_risk_after_30_days_without_a_meeting(days_without, at_risk):
    last_meeting = date(2024, 2, 10)
    today = last_meeting + timedelta(days=days_without)
    cadence = assess(date(2024, 1, 1), 2, 30, check_ins=[], meetings=[date(2024, 1, 1), last_meeting],
                     today=today)
    assert cadence.days_since_meeting == days_without
    assert cadence.at_risk is at_risk


def test_at_risk_counts_across_february_in_a_leap_year():
    cadence = assess(date(2024, 1, 15), 2, 30, check_ins=[], meetings=[date(2024, 2, 1)],
                     today=date(2024, 3, 2))
    assert cadence.days_since_meeting == 30 and cadence.at_risk


def test_without_any_meeting_a_match_is_not_called_at_risk():
    cadence = assess(date(2025, 1, 1), 2, 30, check_ins=[], meetings=[], today=date(2025, 6, 1))
    assert cadence.days_since_meeting is None and not cadence.at_risk
