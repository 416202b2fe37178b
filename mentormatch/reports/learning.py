"""Learning factor weights from a program's own match outcomes.

A match is a positive example when it lasted 12 months, a negative one when it closed sooner; open
matches younger than 12 months have no outcome yet and are left out. Each pair is described as it
was when the match began (the youth's age then), from the records as they stand now.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from matching import FACTOR_LABELS, FACTORS, LearnReport, MatchConfig, Mentor as MentorProfile
from matching import Youth as YouthProfile, learn_weights
from mentormatch import cadence
from mentormatch.extensions import db
from mentormatch.models import Application, Match, Mentor, Program, User, age_on, record_audit

LASTED_DAYS = 365
FOLDS = 5
CONFIG_KEYS = {f.name for f in fields(MatchConfig)} - {"do_not_match"}


@dataclass(frozen=True)
class Learning:
    report: Optional[LearnReport]
    config: Optional[MatchConfig]
    closed: int
    lasted: int
    problem: Optional[str]

    def rows(self) -> list[tuple[str, float, float]]:
        """(factor label, current weight, learned weight), both as shares of their total."""
        if self.report is None:
            return []
        before_total = sum(self.report.weights_before.values())
        return [(FACTOR_LABELS[f], self.report.weights_before[f] / before_total, self.report.weights_after[f])
                for f in FACTORS]


def current_config(program: Program) -> MatchConfig:
    """The program's settings over the engine's defaults (only the settings learning can use)."""
    settings = {k: v for k, v in (program.match_settings or {}).items() if k in CONFIG_KEYS}
    return MatchConfig.from_dict(settings)


def _youth_profile(match: Match) -> YouthProfile:
    youth = match.application.youth
    started = cadence.start_of(match)
    age = age_on(youth.date_of_birth, started) if youth.date_of_birth else 16
    return YouthProfile(
        id=f"match-{match.id}", age=min(max(age, 5), 30), gender=youth.gender or "",
        languages=youth.languages or [], interests=youth.interests or [], text=youth.goals or "",
        slots=youth.availability or [], zip=youth.zip_code if len(youth.zip_code or "") == 5 else "",
        programs=[match.application.program_id],
    )


def _mentor_profile(mentor: Mentor, on: date) -> MentorProfile:
    age = age_on(mentor.date_of_birth, on) if mentor.date_of_birth else None
    return MentorProfile(
        id=mentor.id, age=age if age is None or 16 <= age <= 110 else None, gender=mentor.gender or "",
        languages=mentor.languages or [], interests=mentor.interests or [], text=mentor.bio or "",
        slots=mentor.availability or [], zip=mentor.zip_code if len(mentor.zip_code or "") == 5 else "",
        programs=[p.id for p in mentor.programs], capacity=max(mentor.capacity, 1), cleared=True,
        youth_experience_years=float(mentor.youth_experience_years or 0),
    )


def outcomes(program: Program, today: Optional[date] = None) -> list[tuple[Match, int]]:
    """Each match of the program with a known outcome: 1 lasted 12 months, 0 closed sooner."""
    today = today or date.today()
    matches = db.session.scalars(
        sa.select(Match).join(Application, Match.application_id == Application.id)
        .where(Application.program_id == program.id)
        .options(so.selectinload(Match.application).selectinload(Application.youth),
                 so.selectinload(Match.mentor).selectinload(Mentor.programs))
        .order_by(Match.id)
    )
    labelled = []
    for match in matches:
        end = match.closed_at.date() if match.closed_at else today
        length = (end - cadence.start_of(match)).days
        if length >= LASTED_DAYS:
            labelled.append((match, 1))
        elif match.closed_at is not None:
            labelled.append((match, 0))
    return labelled


def learn(program: Program, today: Optional[date] = None) -> Learning:
    """Fit weights on the program's outcomes and compare them with its current weights."""
    labelled = outcomes(program, today)
    lasted = sum(y for _, y in labelled)
    closed_early = len(labelled) - lasted
    if min(lasted, closed_early) < FOLDS:
        return Learning(None, None, len(labelled), lasted,
                        f"Learning needs at least {FOLDS} matches that lasted 12 months and {FOLDS} that "
                        f"closed sooner; this program has {lasted} and {closed_early}.")
    mentors = {m.mentor_id: _mentor_profile(m.mentor, cadence.start_of(m)) for m, _ in labelled}
    youth = [_youth_profile(m) for m, _ in labelled]
    pairs = [(f"match-{m.id}", m.mentor_id) for m, _ in labelled]
    config, report = learn_weights(youth, list(mentors.values()), pairs, [y for _, y in labelled],
                                   config=current_config(program), cv=FOLDS, random_state=0)
    return Learning(report, config, len(labelled), lasted, None)


def adopt(program: Program, actor: User, learning: Learning) -> None:
    """Store the learned weights as the program's own; its next runs use (and record) them."""
    before = dict(program.match_settings or {})
    after = dict(before)
    after.update({f"weight_{name}": round(value, 4) for name, value in learning.config.weights.items()})
    program.match_settings = after
    record_audit(actor, "program.weights_learned", program, before=before, after=after,
                 auc_learned=learning.report.auc_learned, auc_default=learning.report.auc_default,
                 n_pairs=learning.report.n_pairs)
