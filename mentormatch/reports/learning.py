"""Learning factor weights from a program's own match outcomes.

A match is a positive example when it lasted 12 months, a negative one when it closed sooner; open
matches younger than 12 months have no outcome yet and are left out. Each pair is described as it
was when the match began (the youth's age then), from the records as they stand now.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from matching import FACTOR_LABELS, FACTORS, LearnReport, MatchConfig, Mentor as MentorProfile
from matching import Youth as YouthProfile, learn_weights
from mentormatch import cadence, matching_service
from mentormatch.extensions import db
from mentormatch.models import Application, Match, Mentor, Program, User, record_audit

LASTED_DAYS = 365
FOLDS = 5


@dataclass(frozen=True)
class Learning:
    report: Optional[LearnReport]
    config: Optional[MatchConfig]
    labelled: int
    lasted: int
    problem: Optional[str]

    def rows(self) -> list[tuple[str, float, float]]:
        """(factor label, current weight, learned weight), both as shares of their total."""
        if self.report is None:
            return []
        before_total = sum(self.report.weights_before.values())
        return [(FACTOR_LABELS[f], self.report.weights_before[f] / before_total, self.report.weights_after[f])
                for f in FACTORS]


def _profiles(match: Match) -> tuple[Optional[YouthProfile], MentorProfile]:
    """The pair as the matching service sees it, on the day the match began.

    A youth can appear in several matches of a program, so each pair's youth is keyed by the match.
    """
    started = cadence.start_of(match)
    at = datetime.combine(started, time(12, 0), tzinfo=timezone.utc)
    youth = matching_service.youth_profile(match.application, match.application.program_id, at)
    mentor = matching_service.mentor_profile(match.mentor, match.application.program_id, 0, True, started)
    return (replace(youth, id=f"match-{match.id}") if youth else None), mentor


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
    youth, mentors, pairs, labels = [], {}, [], []
    for match, label in labelled:
        youth_profile, mentor_profile = _profiles(match)
        if youth_profile is None:
            continue
        youth.append(youth_profile)
        mentors.setdefault(mentor_profile.id, mentor_profile)
        pairs.append((youth_profile.id, mentor_profile.id))
        labels.append(label)
    config, report = learn_weights(youth, list(mentors.values()), pairs, labels,
                                   config=matching_service.program_config(program), cv=FOLDS, random_state=0)
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
    db.session.commit()
