"""Mentors' volunteer hours: the events they attended (checked in at the door) and the meetings
they logged with their mentees.

An event counts for its length. A logged meeting has no recorded length, so each counts as
MENTOR_MEETING_HOURS (one hour unless configured otherwise, from the environment).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask import current_app

from mentormatch.extensions import db
from mentormatch.models import Application, CheckIn, Gathering, Match, Mentor, Program, Rsvp

NO_PROGRAM = "No program"


@dataclass(frozen=True)
class HoursLine:
    on: date
    what: str
    kind: str  # "event" or "meeting"
    program: str
    hours: float


def meeting_hours() -> float:
    return float(current_app.config["MENTOR_MEETING_HOURS"])


def _event_lines(user_ids: Optional[list[int]] = None) -> list[tuple[int, HoursLine]]:
    # Only the columns a line shows: the report reads every attendance and every logged meeting.
    statement = (sa.select(Rsvp.user_id, Gathering.starts_at, Gathering.ends_at, Gathering.title, Program.name)
                 .join(Gathering, Rsvp.gathering_id == Gathering.id)
                 .outerjoin(Program, Gathering.program_id == Program.id)
                 .where(Rsvp.attended_at.is_not(None)))
    if user_ids is not None:
        statement = statement.where(Rsvp.user_id.in_(user_ids))
    return [(user_id, HoursLine(starts.date(), title, "event", program or NO_PROGRAM,
                                Gathering.length_in_hours(starts, ends)))
            for user_id, starts, ends, title, program in db.session.execute(statement)]


def _meeting_lines(mentor_ids: Optional[list[int]] = None) -> list[tuple[int, HoursLine]]:
    statement = (sa.select(Mentor.user_id, CheckIn.occurred_on, Program.name)
                 .join(Match, CheckIn.match_id == Match.id)
                 .join(Mentor, Match.mentor_id == Mentor.id)
                 .join(Application, Match.application_id == Application.id)
                 .join(Program, Application.program_id == Program.id)
                 .where(CheckIn.is_mentor_meeting.is_(True)))
    if mentor_ids is not None:
        statement = statement.where(Mentor.id.in_(mentor_ids))
    each = meeting_hours()
    return [(user_id, HoursLine(occurred_on, "Meeting with your mentee", "meeting", program, each))
            for user_id, occurred_on, program in db.session.execute(statement)]


def for_mentor(mentor: Mentor) -> list[HoursLine]:
    """A mentor's hours, newest first."""
    lines = [line for _u, line in _event_lines([mentor.user_id]) + _meeting_lines([mentor.id])]
    return sorted(lines, key=lambda line: line.on, reverse=True)


def total(lines: list[HoursLine]) -> float:
    return round(sum(line.hours for line in lines), 2)


def totals() -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Volunteer hours per program and per agency, over every mentor."""
    agencies = dict(db.session.execute(sa.select(Mentor.user_id, Mentor.agency)).all())
    per_program: dict[str, float] = defaultdict(float)
    per_agency: dict[str, float] = defaultdict(float)
    for user_id, line in _event_lines(list(agencies)) + _meeting_lines():
        per_program[line.program] += line.hours
        per_agency[agencies.get(user_id) or "No agency given"] += line.hours
    return (sorted((k, round(v, 2)) for k, v in per_program.items()),
            sorted((k, round(v, 2)) for k, v in per_agency.items()))
