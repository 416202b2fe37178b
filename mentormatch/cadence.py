"""The monitoring cadence of a match: when support check-ins fall due, which were done, which are
overdue, and whether the pair has stopped meeting.

Pure functions over dates, so the rules can be checked across month ends and leap days without a
database. Days are counted, never calendar months: "monthly" is every ``interval_days`` days, so a
match started on 31 January is not pushed around by short months.

The first month's ``first_month`` contacts are spread evenly over the 30 days after the start (two
contacts: days 15 and 30); after that one falls due every ``interval_days``. Each due date is met by
the first unused check-in after the previous due date and before the next one; a check-in after its
due date counts as done late. A past due date without a check-in is *overdue* while it is the latest
due date, and *missed* once a later one has come round, so a match is listed as overdue at most once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional

FIRST_MONTH_DAYS = 30
AT_RISK_DAYS = 30

DONE = "done"
LATE = "late"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
MISSED = "missed"
UPCOMING = "upcoming"

STATE_LABELS = {
    DONE: "Done",
    LATE: "Done late",
    DUE_TODAY: "Due today",
    OVERDUE: "Overdue",
    MISSED: "Missed",
    UPCOMING: "Upcoming",
}


@dataclass(frozen=True)
class DueCheckIn:
    """One due date and what became of it."""

    due: date
    done_on: Optional[date]
    state: str

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class Cadence:
    """A match's check-in schedule assessed on ``today``."""

    due: tuple[DueCheckIn, ...]
    days_since_meeting: Optional[int]
    at_risk: bool

    @property
    def overdue(self) -> Optional[DueCheckIn]:
        return next((d for d in self.due if d.state == OVERDUE), None)

    @property
    def next_due(self) -> Optional[DueCheckIn]:
        return next((d for d in self.due if d.state in (UPCOMING, DUE_TODAY)), None)

    def counts(self, start: date, end: date) -> tuple[int, int]:
        """(done, due) for the due dates from ``start`` to ``end`` inclusive that have come round."""
        window = [d for d in self.due if start <= d.due <= end and d.state != UPCOMING]
        return sum(d.state in (DONE, LATE) for d in window), len(window)


def due_dates(start: date, first_month: int, interval_days: int, until: date) -> list[date]:
    """Every due date from ``start`` up to and including ``until``.

    ``first_month`` contacts fall on days ``round(30 * k / first_month)`` after ``start``; then
    one every ``interval_days`` after day 30.
    """
    if first_month < 0 or interval_days <= 0:
        raise ValueError("first_month must be >= 0 and interval_days > 0")
    offsets = sorted({round(FIRST_MONTH_DAYS * k / first_month) for k in range(1, first_month + 1)})
    dates = [start + timedelta(days=offset) for offset in offsets]
    following = start + timedelta(days=FIRST_MONTH_DAYS + interval_days)
    while following <= until:
        dates.append(following)
        following += timedelta(days=interval_days)
    return [d for d in dates if d <= until]


def assess(
    start: date,
    first_month: int,
    interval_days: int,
    check_ins: Iterable[date],
    meetings: Iterable[date],
    today: date,
    ended: Optional[date] = None,
    horizon_days: int = 0,
) -> Cadence:
    """Assess a match's cadence on ``today``.

    ``check_ins`` are the staff support contacts, ``meetings`` the mentor's logged meetings (the
    first meeting among them). A match ``ended`` on a day has no due dates after it and is never at
    risk. ``horizon_days`` adds the upcoming due dates that fall within that many days of ``today``.
    """
    last_day = min(today, ended) if ended else today
    schedule = due_dates(start, first_month, interval_days, last_day + timedelta(days=horizon_days))
    if ended:
        schedule = [d for d in schedule if d <= ended]
    contacts = sorted(c for c in check_ins if c >= start)
    used = [False] * len(contacts)
    assessed = []
    for i, due in enumerate(schedule):
        after = schedule[i - 1] if i else start - timedelta(days=1)
        before = schedule[i + 1] if i + 1 < len(schedule) else None
        found = next(
            (k for k, c in enumerate(contacts)
             if not used[k] and after < c and (before is None or c < before) and c <= last_day),
            None,
        )
        if found is not None:
            used[found] = True
            done_on = contacts[found]
            assessed.append(DueCheckIn(due, done_on, DONE if done_on <= due else LATE))
        elif due > last_day:
            assessed.append(DueCheckIn(due, None, UPCOMING))
        elif due == last_day and not ended:
            assessed.append(DueCheckIn(due, None, DUE_TODAY))
        elif before is not None and before <= last_day:
            assessed.append(DueCheckIn(due, None, MISSED))
        else:
            assessed.append(DueCheckIn(due, None, MISSED if ended else OVERDUE))
    held = [m for m in meetings if m <= last_day]
    days_since = (last_day - max(held)).days if held else None
    at_risk = ended is None and days_since is not None and days_since >= AT_RISK_DAYS
    return Cadence(tuple(assessed), days_since, at_risk)


def start_of(match) -> date:
    """The day a match's cadence counts from: its first meeting, or its approval until then."""
    return (match.first_meeting_held_at or match.approved_at).date()


def for_match(match, today: date, horizon_days: int = 0,
              contacts: Optional[Iterable[tuple[date, bool]]] = None) -> Cadence:
    """Assess a Match row (with its program loaded) on ``today``. Its contacts are (day, whether it
    was a mentor's meeting) for each check-in: read from ``match.check_ins`` unless given."""
    program = match.application.program
    if contacts is None:
        contacts = [(c.occurred_on, c.is_mentor_meeting) for c in match.check_ins]
    check_ins, meetings = [], []
    for day, is_meeting in contacts:
        (meetings if is_meeting else check_ins).append(day)
    if match.first_meeting_held_at is not None:
        meetings.append(match.first_meeting_held_at.date())
    return assess(
        start_of(match),
        program.checkins_first_month,
        program.checkin_interval_days,
        check_ins,
        meetings,
        today,
        ended=match.closed_at.date() if match.closed_at else None,
        horizon_days=horizon_days,
    )
