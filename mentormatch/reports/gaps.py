"""Recruitment gaps: the latest matching runs' unmatched youth, counted by what mentor they lack.

Each UnmatchedYouth row carries the blocking ``rule`` the matching service found: one of
``matching.RULES``, ``"competition"`` when feasible mentors existed but were filled by closer fits, or
``"no_mentors"`` when the run had no mentor at all, ``"profile"`` when the youth's own record kept them
out (not a recruitment gap, so not counted). Its ``details`` count mentors per rule; the
condition the youth stated (language, gender preference, travel limit, ZIP, free slots) is read from
``details`` when a run stored it there and otherwise from the youth's own record.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    ApplicationStatus,
    MatchingRun,
    Program,
    RunStatus,
    UnmatchedYouth,
)

WEEKEND = ("sat", "sun")
PART_WORDS = {"morning": "mornings", "afternoon": "afternoons", "evening": "evenings"}


@dataclass(frozen=True)
class Gap:
    rule: str
    count: int
    sentence: str
    program: str


def latest_runs(program: Optional[Program] = None) -> list[MatchingRun]:
    """Each program's most recent finished run."""
    newest = (
        sa.select(MatchingRun.program_id, sa.func.max(MatchingRun.id).label("run_id"))
        .where(MatchingRun.status == RunStatus.DONE)
        .group_by(MatchingRun.program_id)
    )
    if program is not None:
        newest = newest.where(MatchingRun.program_id == program.id)
    newest = newest.subquery()
    return list(db.session.scalars(
        sa.select(MatchingRun).join(newest, MatchingRun.id == newest.c.run_id)
        .options(so.selectinload(MatchingRun.program))
    ))


def _wanted(row: UnmatchedYouth, key: str, fallback: Any) -> Any:
    details = row.details or {}
    value = details.get(key)
    return value if value not in (None, "", []) else fallback


def _availability_phrase(slots: list[str]) -> str:
    days = {s.split("-")[0] for s in slots}
    parts = {s.split("-")[-1] for s in slots}
    if slots and days <= set(WEEKEND):
        return "available only on weekends"
    if slots and not days & set(WEEKEND) and len(parts) == 1:
        return f"available only on weekday {PART_WORDS.get(next(iter(parts)), next(iter(parts)))}"
    if len(slots) == 1:
        day, _, part = slots[0].partition("-")
        return f"available only on {day.capitalize()} {PART_WORDS.get(part, part)}"
    return "free only at times no mentor shares"


def _key(row: UnmatchedYouth) -> tuple[str, tuple]:
    """What kind of mentor this youth lacks, as a grouping key."""
    youth = row.application.youth
    rule = row.rule or "filled"
    zip_code = _wanted(row, "zip", youth.zip_code) or "an unknown area"
    if rule == "language":
        return rule, (_wanted(row, "required_language", youth.required_language) or "another language", zip_code)
    if rule == "gender":
        return rule, (_wanted(row, "mentor_gender_preference", youth.mentor_gender_preference) or "particular",)
    if rule == "distance":
        miles = _wanted(row, "max_travel_miles", youth.max_travel_miles)
        return rule, (zip_code, f"{miles:g}" if miles else "")
    if rule == "availability":
        return rule, (_availability_phrase(sorted(_wanted(row, "slots", youth.availability) or [])),)
    if rule in ("program", "cleared", "capacity", "no_mentors"):
        return "capacity" if rule == "capacity" else "no_mentor", ()
    if rule == "do_not_match":
        return rule, ()
    if rule == "competition":
        return "filled", ()
    return "", ()


def _sentence(rule: str, key: tuple, n: int) -> str:
    youth = "1 youth" if n == 1 else f"{n} youth"
    needs = "needs" if n == 1 else "need"
    if rule == "language":
        return f"{youth} {needs} a {key[0]}-speaking mentor in {key[1]}"
    if rule == "gender":
        return f"{youth} {needs} a {key[0]} mentor"
    if rule == "distance":
        within = f"within {key[1]} miles of" if key[1] else "near"
        return f"{youth} {needs} a mentor {within} {key[0]}"
    if rule == "availability":
        return f"{youth} {key[0]}"
    if rule == "capacity":
        return f"{youth} had only mentors with no free place: mentors able to take one more mentee would help"
    if rule == "no_mentor":
        return f"{youth} found no cleared mentor in the program at all"
    if rule == "do_not_match":
        return f"{youth} could be matched only with mentors on their do-not-match list"
    return f"{youth} had suitable mentors who were all filled by closer fits: more mentors of any kind would help"


def recruitment_gaps(program: Optional[Program] = None) -> list[Gap]:
    """What mentors are needed, largest need first, from the latest run of each program.

    Youth no longer on the waitlist (matched or withdrawn since the run) are left out.
    """
    runs = latest_runs(program)
    if not runs:
        return []
    rows = db.session.scalars(
        sa.select(UnmatchedYouth)
        .join(Application, UnmatchedYouth.application_id == Application.id)
        .where(UnmatchedYouth.run_id.in_([r.id for r in runs]),
               Application.status == ApplicationStatus.WAITLISTED)
        .options(so.selectinload(UnmatchedYouth.application).selectinload(Application.youth))
    )
    names = {r.id: r.program.name for r in runs}
    # A youth whose own profile keeps them out of matching ("profile") needs their record fixed,
    # not a new mentor, so only known mentor shortages are counted.
    counts = Counter(key for key in ((row.run_id, *_key(row)) for row in rows) if key[1])
    gaps = [Gap(rule, n, _sentence(rule, key, n), names[run_id]) for (run_id, rule, key), n in counts.items()]
    return sorted(gaps, key=lambda g: (-g.count, g.program, g.sentence))
