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
import sqlalchemy.orm as so
from flask import current_app

from mentormatch.extensions import db
from mentormatch.models import Application, CheckIn, Gathering, Match, Mentor, Rsvp

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
    statement = (sa.select(Rsvp).join(Gathering).where(Rsvp.attended_at.is_not(None))
                 .options(so.joinedload(Rsvp.gathering).joinedload(Gathering.program)))
    if user_ids is not None:
        statement = statement.where(Rsvp.user_id.in_(user_ids))
    return [(r.user_id, HoursLine(r.gathering.starts_at.date(), r.gathering.title, "event",
                                  r.gathering.program.name if r.gathering.program else NO_PROGRAM, r.gathering.hours))
            for r in db.session.scalars(statement)]


def _meeting_lines(mentor_ids: Optional[list[int]] = None) -> list[tuple[int, HoursLine]]:
    statement = (sa.select(CheckIn, Mentor.user_id).join(Match, CheckIn.match_id == Match.id)
                 .join(Mentor, Match.mentor_id == Mentor.id)
                 .where(CheckIn.is_mentor_meeting.is_(True))
                 .options(so.joinedload(CheckIn.match).joinedload(Match.application).joinedload(Application.program)))
    if mentor_ids is not None:
        statement = statement.where(Mentor.id.in_(mentor_ids))
    each = meeting_hours()
    return [(user_id, HoursLine(c.occurred_on, "Meeting with your mentee", "meeting",
                                c.match.application.program.name, each))
            for c, user_id in db.session.execute(statement)]


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
