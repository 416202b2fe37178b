"""The report's charts read well: round axis steps taken from the data, every label inside the chart."""
from __future__ import annotations

import re

import pytest

from mentormatch.reports import svg
from mentormatch.reports.figures import _days


@pytest.mark.parametrize("top, expected", [(111, (120, 6)), (8, (8, 4)), (3, (3, 3)), (45, (50, 5)),
                                           (99, (100, 4)), (1234, (1250, 5))])
def test_the_value_axis_ends_at_the_first_round_step_above_the_data(top, expected):
    assert svg._nice_scale(top) == expected


def test_open_matches_up_to_111_get_an_axis_to_120_not_200():
    months = [(f"M{i}", v) for i, v in enumerate([111, 108, 107, 103, 98, 90, 77, 66, 55, 50, 43, 50, 53])]
    chart = str(svg.line_chart("Open matches", "By month", months))
    ticks = [int(t) for t in re.findall(r'text-anchor="end">(\d+)</text>', chart)]
    assert ticks == [0, 20, 40, 60, 80, 100, 120]


def test_month_labels_stay_inside_the_chart_and_do_not_crowd():
    months = [(f"{m} 26", v) for m, v in zip(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                              "Oct", "Nov", "Dec", "Jan"], range(13))]
    chart = str(svg.line_chart("Open matches", "By month", months))
    labels = [(float(x), text) for x, text in re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="middle">([A-Z][a-z]{2} 26)</text>', chart)]
    assert labels[-1][1] == "Jan 26", "the last month is labelled"
    half_width = 3.5 * len("Jan 26")  # about 7 px a character at the chart's 12 px font
    assert all(svg.LEFT <= x - half_width and x + half_width <= svg.WIDTH for x, _ in labels)
    gaps = [b - a for (a, _), (b, _) in zip(labels, labels[1:])]
    assert min(gaps) > 2 * half_width + 8


def test_days_are_whole_in_the_summary():
    assert _days(221.5) == "222" and _days(30) == "30" and _days(None) == "—"
