"""Loading matches for the lifecycle pages, and the staff dashboard's safety alerts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from mentormatch import cadence, figures
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    CheckIn,
    Match,
    Mentor,
    OPEN_MATCH_STATUSES,
    Role,
    User,
    Youth,
)

# The rows a match refers to are joined into its own query, and its check-ins come in one more
# (a subquery load, not IN lists of 500 ids), so loading every open match takes two statements
# however many there are.
MATCH_OPTIONS = (
    so.joinedload(Match.application, innerjoin=True).joinedload(Application.youth, innerjoin=True)
    .joinedload(Youth.guardian),
    so.joinedload(Match.application, innerjoin=True).joinedload(Application.program, innerjoin=True),
    so.joinedload(Match.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True),
    so.joinedload(Match.approved_by),
    so.subqueryload(Match.check_ins).joinedload(CheckIn.logged_by),
)


def get_match_or_404(match_id: int) -> Match:
    """A match for staff, with everything its page shows loaded."""
    match = db.session.scalar(sa.select(Match).where(Match.id == match_id).options(*MATCH_OPTIONS))
    if match is None:
        abort(404)
    return match


def get_own_match_or_404(match_id: int) -> Match:
    """An open match of the logged-in mentor; any other match is not found."""
    match = db.session.scalar(
        sa.select(Match)
        .join(Mentor, Match.mentor_id == Mentor.id)
        .where(Match.id == match_id, Mentor.user_id == current_user.id,
               Match.status.in_(OPEN_MATCH_STATUSES))
        .options(*MATCH_OPTIONS)
    )
    if match is None:
        abort(404)
    return match


def staff_members() -> list[User]:
    return list(db.session.scalars(
        sa.select(User)
        .where(User.role.in_([Role.COORDINATOR, Role.ADMIN]), User.is_active_account)
        .order_by(User.last_name, User.first_name)
    ))


@dataclass(frozen=True)
class MatchWatch:
    """An open match with its cadence assessed today."""

    match: Match
    cadence: cadence.Cadence

    @property
    def coordinator(self) -> Optional[User]:
        return self.match.approved_by


def open_matches(today: Optional[date] = None, program_id: Optional[int] = None) -> list[MatchWatch]:
    today = today or date.today()
    statement = sa.select(Match).where(Match.status.in_(OPEN_MATCH_STATUSES)).options(*MATCH_OPTIONS)
    if program_id is not None:
        statement = statement.join(Application).where(Application.program_id == program_id)
    matches = db.session.scalars(statement.order_by(Match.approved_at))
    return [MatchWatch(m, cadence.for_match(m, today, horizon_days=31)) for m in matches]


def group_overdue(watches: list[MatchWatch]) -> tuple[dict[str, list[MatchWatch]], dict[str, list[MatchWatch]]]:
    """Overdue matches grouped by coordinator (who approved them) and by program."""
    by_coordinator: dict[str, list[MatchWatch]] = {}
    by_program: dict[str, list[MatchWatch]] = {}
    for watch in watches:
        if watch.cadence.overdue is None:
            continue
        who = watch.coordinator.full_name if watch.coordinator else "No coordinator recorded"
        by_coordinator.setdefault(who, []).append(watch)
        by_program.setdefault(watch.match.application.program.name, []).append(watch)
    return dict(sorted(by_coordinator.items())), dict(sorted(by_program.items()))


CONCERN_OPTIONS = (
    so.joinedload(CheckIn.match, innerjoin=True).joinedload(Match.application, innerjoin=True)
    .joinedload(Application.youth, innerjoin=True),
    so.joinedload(CheckIn.match, innerjoin=True).joinedload(Match.application, innerjoin=True)
    .joinedload(Application.program, innerjoin=True),
    so.joinedload(CheckIn.match, innerjoin=True).joinedload(Match.mentor, innerjoin=True)
    .joinedload(Mentor.user, innerjoin=True),
    so.joinedload(CheckIn.logged_by),
)


def unresolved_concerns() -> list[CheckIn]:
    """Safety concerns nobody has resolved, read fresh on every request.

    There are nearly always none, so a one-column probe comes first and the rows, with
    everything the dashboard shows of them, are loaded only when there is one.
    """
    if db.session.scalar(_ANY_UNRESOLVED) is None:
        return []
    return list(db.session.scalars(_UNRESOLVED))


# Built once, as the staff dashboard runs the probe on every view: a statement keeps its cache key.
_UNRESOLVED_WHERE = sa.and_(CheckIn.safety_concern, CheckIn.safety_resolved_at.is_(None))
_ANY_UNRESOLVED = sa.select(CheckIn.id).where(_UNRESOLVED_WHERE).limit(1)
_UNRESOLVED = sa.select(CheckIn).where(_UNRESOLVED_WHERE).options(*CONCERN_OPTIONS).order_by(CheckIn.created_at)


def cadence_counts() -> dict[str, int]:
    """How many open matches have a check-in overdue, and how many went 30 days without a meeting."""
    watches = open_matches()
    return {"overdue": sum(w.cadence.overdue is not None for w in watches),
            "at_risk": sum(w.cadence.at_risk for w in watches)}


def dashboard_alerts() -> dict:
    """What the staff dashboard must show: unresolved safety concerns (read fresh each time), overdue and at-risk counts."""
    return {"concerns": unresolved_concerns(), **figures.cached("cadence", cadence_counts)}
