"""The program report's figures for a period, computed from loaded rows.

Definitions (shown on the page as well):

* applications: submitted in the period; eligible: of those, the ones that reached the waitlist.
* matched: matches approved in the period.
* waiting: youth on the waitlist today, days since they joined it; and, for youth matched in the
  period, days from joining the waitlist to the match. Percentiles use the nearest-rank method.
* active matches: first meeting held on or before the period's last day and not closed by then.
* a match's length runs from its first meeting (its approval while none is held) to its closure.
* lasting 6 / 12 months: of the matches that started at least 182 / 365 days before the period's last
  day, the share not closed within 182 / 365 days.
* the survival curve is Kaplan-Meier: open matches count as censored on the period's last day.
"""
from __future__ import annotations

import bisect
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch import cadence
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    CheckIn,
    ClosureReason,
    Match,
    Program,
)

SIX_MONTHS, TWELVE_MONTHS = 182, 365
MATCH_COLUMNS = ("match_id", "application_id", "mentor_id", "program", "status", "approved_on",
                 "first_meeting_on", "closed_on", "length_days", "closure_reason", "planned_closure", "rematch")
WAIT_BIN_DAYS = 30


def nearest_rank(values: list[float], share: float) -> Optional[float]:
    """The ``share`` percentile by nearest rank: the smallest value with at least that share at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def median(values: list[float]) -> Optional[float]:
    return statistics.median(values) if values else None


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    program: Optional[Program] = None

    @property
    def as_of(self) -> date:
        return min(self.end, date.today())


def match_start(match: Match) -> date:
    return cadence.start_of(match)


def closed_by(match: Match, day: date) -> Optional[date]:
    """The closing day if the match closed on or before ``day``."""
    if match.closed_at is not None and match.closed_at.date() <= day:
        return match.closed_at.date()
    return None


def length_days(match: Match, day: date) -> int:
    """Days from the start to the closure, or to ``day`` while open then."""
    return ((closed_by(match, day) or day) - match_start(match)).days


def kaplan_meier(durations: list[tuple[int, bool]]) -> list[tuple[int, float]]:
    """Survival steps (day, share still open) from (length in days, closed?) pairs."""
    steps, survival = [], 1.0
    events = Counter(d for d, closed in durations if closed)
    lengths = sorted(d for d, _ in durations)
    for day in sorted(events):
        at_risk = len(lengths) - bisect.bisect_left(lengths, day)
        survival *= 1 - events[day] / at_risk
        steps.append((day, survival))
    return steps


@dataclass
class Report:
    period: Period
    applications: list[Application]
    matches: list[Match]
    waitlist: list[Application]
    # Each match's check-ins as (day, whether it was a mentor's meeting): all a cadence reads.
    contacts: dict[int, list[tuple[date, bool]]]

    # --------------------------------------------------------------- inputs
    def _in_period(self, day: Optional[date]) -> bool:
        return day is not None and self.period.start <= day <= self.period.end

    @property
    def submitted(self) -> list[Application]:
        return [a for a in self.applications if a.submitted_at and self._in_period(a.submitted_at.date())]

    @property
    def started(self) -> list[Match]:
        """Matches that had begun (been approved) by the period's last day."""
        return [m for m in self.matches if m.approved_at.date() <= self.period.end]

    @property
    def matched(self) -> list[Match]:
        return [m for m in self.matches if self._in_period(m.approved_at.date())]

    @property
    def closed(self) -> list[Match]:
        return [m for m in self.matches if m.closed_at and self._in_period(m.closed_at.date())]

    # --------------------------------------------------------------- figures
    @property
    def waiting_days(self) -> list[int]:
        return sorted(a.days_waiting() for a in self.waitlist)

    @property
    def waited_before_match(self) -> list[int]:
        return sorted(max(0, (m.approved_at - m.application.waiting_since).days)
                      for m in self.matched if m.application.waiting_since is not None)

    @property
    def active_on_end(self) -> int:
        end = self.period.end
        return sum(1 for m in self.matches if m.first_meeting_held_at is not None
                   and m.first_meeting_held_at.date() <= end and closed_by(m, end) is None)

    @property
    def closed_lengths(self) -> list[int]:
        return sorted(length_days(m, m.closed_at.date()) for m in self.closed)

    def lasting(self, days: int) -> tuple[int, int]:
        """(lasted, eligible): matches started at least ``days`` before the last day, and those that lasted."""
        end = self.period.end
        cohort = [m for m in self.started if (end - match_start(m)).days >= days]
        return sum(1 for m in cohort if length_days(m, end) >= days), len(cohort)

    @property
    def closure_reasons(self) -> list[tuple[ClosureReason, int]]:
        counts = Counter(m.closure_reason for m in self.closed if m.closure_reason is not None)
        return [(reason, counts[reason]) for reason in ClosureReason if counts[reason]]

    @property
    def check_ins(self) -> tuple[int, int]:
        """(done, due) over the check-ins that fell due in the period."""
        done = due = 0
        for match in self.started:
            d, n = cadence.for_match(match, self.period.as_of, contacts=self.contacts.get(match.id, ())
                                     ).counts(self.period.start, self.period.end)
            done, due = done + d, due + n
        return done, due

    def summary(self) -> list[tuple[str, str]]:
        """The summary table as (figure, value) rows, values already in words."""
        waits, before = self.waiting_days, self.waited_before_match
        done, due = self.check_ins
        six, six_n = self.lasting(SIX_MONTHS)
        twelve, twelve_n = self.lasting(TWELVE_MONTHS)
        rows = [
            ("Applications submitted", str(len(self.submitted))),
            ("Of those, eligible (reached the waitlist)",
             str(sum(1 for a in self.submitted if a.waiting_since is not None))),
            ("Matched (approved in the period)", str(len(self.matched))),
            ("Waiting today", str(len(waits))),
            ("Days waiting today: median", _days(median(waits))),
            ("Days waiting today: 90th percentile", _days(nearest_rank(waits, 0.9))),
            ("Days waited before a match: median", _days(median(before))),
            ("Days waited before a match: 90th percentile", _days(nearest_rank(before, 0.9))),
            (f"Active matches on {self.period.end.isoformat()}", str(self.active_on_end)),
            ("Matches closed", str(len(self.closed))),
            ("Length of closed matches: median days", _days(median(self.closed_lengths))),
            ("Lasting 6 months", _share(six, six_n)),
            ("Lasting 12 months", _share(twelve, twelve_n)),
            ("Check-ins done / due", f"{done} / {due}" + (f" ({done / due:.0%})" if due else "")),
        ]
        return rows

    # --------------------------------------------------------------- chart series
    def wait_histogram(self) -> list[tuple[str, int]]:
        waits = self.waiting_days
        if not waits:
            return []
        bins = Counter(min(w // WAIT_BIN_DAYS, 12) for w in waits)
        top = max(bins)
        return [(f"{k * WAIT_BIN_DAYS}+" if k == 12 else f"{k * WAIT_BIN_DAYS}–{(k + 1) * WAIT_BIN_DAYS - 1}",
                 bins[k]) for k in range(top + 1)]

    def open_by_month(self) -> list[tuple[str, int]]:
        """Open matches at each month's end in the period (the last point is the period's last day)."""
        # Open on a day: approved by then, less those both approved and closed by then.
        approved = sorted(m.approved_at.date() for m in self.matches)
        approved_and_closed = sorted(max(m.approved_at.date(), m.closed_at.date())
                                     for m in self.matches if m.closed_at is not None)
        points, day = [], _month_end(self.period.start)
        while True:
            day = min(day, self.period.end)
            count = bisect.bisect_right(approved, day) - bisect.bisect_right(approved_and_closed, day)
            points.append((day.strftime("%b %y"), count))
            if day >= self.period.end:
                return points
            day = _month_end(day + timedelta(days=1))

    def survival(self) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """Kaplan-Meier steps and censoring marks (day, share) over every match started by the last day."""
        end = self.period.end
        durations = [(length_days(m, end), closed_by(m, end) is not None) for m in self.started]
        steps = kaplan_meier(durations)

        def share_at(day: int) -> float:
            return next((s for d, s in reversed(steps) if d <= day), 1.0)

        marks = [(d, share_at(d)) for d, closed in durations if not closed]
        return steps, marks

    def matches_table(self) -> list[dict]:
        """One row per match started by the last day, with nothing that names or locates a person."""
        end = self.period.end
        return [
            {
                "match_id": m.id,
                "application_id": m.application_id,
                "mentor_id": m.mentor_id,
                "program": m.application.program.name,
                "status": m.status.value,
                "approved_on": m.approved_at.date().isoformat(),
                "first_meeting_on": m.first_meeting_held_at.date().isoformat() if m.first_meeting_held_at else "",
                "closed_on": m.closed_at.date().isoformat() if m.closed_at else "",
                "length_days": length_days(m, end),
                "closure_reason": m.closure_reason.value if m.closure_reason else "",
                "planned_closure": "" if m.closure_planned is None else ("yes" if m.closure_planned else "no"),
                "rematch": "" if m.rematch is None else ("yes" if m.rematch else "no"),
            }
            for m in sorted(self.started, key=lambda m: m.id)
        ]


def _days(value: Optional[float]) -> str:
    """Whole days, rounded half up: the median of 221 and 222 days reads "222"."""
    return "—" if value is None else str(math.floor(value + 0.5))


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({part / whole:.0%})" if whole else "— (no match old enough)"


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def build(period: Period) -> Report:
    """Load what the report needs in a handful of queries."""
    def scoped(statement):
        if period.program is not None:
            return statement.where(Application.program_id == period.program.id)
        return statement

    applications = list(db.session.scalars(scoped(sa.select(Application)).options(
        so.selectinload(Application.program))))
    waitlist = [a for a in applications if a.status is ApplicationStatus.WAITLISTED]
    # A match's application (and its program) is one of those just loaded: its many-to-one load
    # reads the session's identity map, without a statement. The signatures and closing notes
    # are not figures.
    matches = list(db.session.scalars(scoped(
        sa.select(Match).join(Application, Match.application_id == Application.id)
    ).options(so.defer(Match.commitment_signatures, raiseload=True),
              so.defer(Match.closure_notes, raiseload=True))))
    # Columns, not rows: a county's matches hold tens of thousands of check-ins.
    contacts: dict[int, list[tuple[date, bool]]] = defaultdict(list)
    for match_id, day, is_meeting in db.session.execute(scoped(
            sa.select(CheckIn.match_id, CheckIn.occurred_on, CheckIn.is_mentor_meeting)
            .join(Match, CheckIn.match_id == Match.id)
            .join(Application, Match.application_id == Application.id))):
        contacts[match_id].append((day, is_meeting))
    return Report(period, applications, matches, waitlist, contacts)
