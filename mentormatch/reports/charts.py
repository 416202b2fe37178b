"""The report's four charts, drawn from its figures."""
from __future__ import annotations

from markupsafe import Markup

from mentormatch.reports import svg
from mentormatch.reports.figures import Report


def draw(report: Report) -> dict[str, Markup]:
    waits = report.wait_histogram()
    months = report.open_by_month()
    steps, marks = report.survival()
    longest = max([d for d, _ in steps] + [d for d, _ in marks] + [365])
    horizon = min(((longest + 181) // 182) * 182, 182 * 6)
    reasons = [(str(r.label), n) for r, n in report.closure_reasons]
    return {
        "waiting": svg.column_chart(
            "Days waiting for a mentor",
            f"{len(report.waiting_days)} youth on the waitlist today, counted in 30-day bands of waiting time: "
            + ", ".join(f"{label} days {n}" for label, n in waits) + ".",
            [(label.split("–")[0], n) for label, n in waits],
            y_label="Youth per 30-day band; each bar is labelled with the band's first day"),
        "over_time": svg.line_chart(
            "Open matches at each month's end",
            "Open matches (approved, not yet closed) at the end of each month: "
            + ", ".join(f"{label} {n}" for label, n in months) + ".",
            months),
        "survival": svg.step_chart(
            "How long matches last",
            "Kaplan-Meier estimate of the share of matches still open after a number of months; open "
            "matches count until today and are marked with a tick. "
            + ", ".join(f"{m} months: {_share_at(steps, m * 30.4):.0%}" for m in (3, 6, 12)) + ".",
            steps, horizon, [(m * 30.4, f"{m} mo") for m in range(0, horizon // 30 + 1, 3)], marks),
        "reasons": svg.bar_chart(
            "Why matches closed",
            "Matches closed in the period by reason: "
            + (", ".join(f"{label} {n}" for label, n in reasons) or "none") + ".",
            reasons),
    }


def _share_at(steps: list[tuple[int, float]], day: float) -> float:
    return next((s for d, s in reversed(steps) if d <= day), 1.0)
