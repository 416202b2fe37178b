"""Learning what makes a program's matches last, from its own outcomes, and adopting it by choice.

A match is a positive example when it lasted 12 months, a negative one when it closed sooner; open
matches younger than 12 months have no outcome yet and are left out. Each pair is described as it
was when the match began (the youth's age then, the mentor's track record before it), from the
records as they stand now.

Fitting takes from seconds to minutes, so it is a job on the queue: an admin asks for it, a worker
fits the outcome model (`matching.learn_weights`) and stores it with its report as plain JSON in an
`OutcomeModel` row. Nothing changes for the program until an admin adopts a model; from then its
runs score with it and record which model scored them. Setting it aside returns to the weighted
factors. Every step is audited.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from matching import LearnReport, MatchConfig, Mentor as MentorProfile
from matching import Youth as YouthProfile, learn_weights
from mentormatch import cadence, matching_service, queue
from mentormatch.extensions import db
from mentormatch.models import (
    Application,
    LearningStatus,
    Match,
    Mentor,
    OutcomeModel,
    Program,
    User,
    record_audit,
    utcnow,
)

LASTED_DAYS = 365
FOLDS = 5


@dataclass(frozen=True)
class Learning:
    report: Optional[LearnReport]
    config: Optional[MatchConfig]
    labelled: int
    lasted: int
    problem: Optional[str]


def _profiles(match: Match, record: tuple[int, int]) -> tuple[Optional[YouthProfile], MentorProfile]:
    """The pair as the matching service sees it, on the day the match began.

    A youth can appear in several matches of a program, and a mentor's track record differs from
    one of their matches to the next, so each pair's youth and mentor are keyed by the match.
    """
    started = cadence.start_of(match)
    at = datetime.combine(started, time(12, 0), tzinfo=timezone.utc)
    youth = matching_service.youth_profile(match.application, match.application.program_id, at)
    mentor = matching_service.mentor_profile(match.mentor, match.application.program_id, 0, True, started,
                                             track_record=record)
    return ((replace(youth, id=f"match-{match.id}") if youth else None),
            replace(mentor, id=f"match-{match.id}"))


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
    """Fit the outcome model on the program's outcomes and compare it with its current scoring."""
    labelled = outcomes(program, today)
    lasted = sum(y for _, y in labelled)
    closed_early = len(labelled) - lasted
    if min(lasted, closed_early) < FOLDS:
        return Learning(None, None, len(labelled), lasted,
                        f"Learning needs at least {FOLDS} matches that lasted 12 months and {FOLDS} that "
                        f"closed sooner; this program has {lasted} and {closed_early}.")
    records = track_records(labelled)
    youth, mentors, pairs, labels = [], {}, [], []
    for match, label in labelled:
        youth_profile, mentor_profile = _profiles(match, records.get(match.id, (0, 0)))
        if youth_profile is None:
            continue
        youth.append(youth_profile)
        mentors[mentor_profile.id] = mentor_profile
        pairs.append((youth_profile.id, mentor_profile.id))
        labels.append(label)
    config, report = learn_weights(youth, list(mentors.values()), pairs, labels,
                                   config=matching_service.program_config(program, with_model=False), cv=FOLDS,
                                   random_state=0)
    return Learning(report, config, len(labelled), lasted, None)


def track_records(labelled: list[tuple[Match, int]]) -> dict[int, tuple[int, int]]:
    """For each match: how many of its mentor's matches in the program that ended before it began
    lasted a year, and how many closed sooner; so no outcome is learned from itself."""
    history: dict[int, list[tuple[date, bool]]] = {}
    for match, label in labelled:
        if match.closed_at is not None:
            history.setdefault(match.mentor_id, []).append((match.closed_at.date(), bool(label)))
    records = {}
    for match, _label in labelled:
        began = cadence.start_of(match)
        earlier = [lasted for ended, lasted in history.get(match.mentor_id, []) if ended <= began]
        records[match.id] = (sum(earlier), len(earlier) - sum(earlier))
    return records


def request_learning(program: Program, actor: User) -> OutcomeModel:
    """Ask a worker to learn from the program's outcomes; the page follows its progress."""
    fitting = db.session.scalar(sa.select(OutcomeModel).where(OutcomeModel.program_id == program.id,
                                                              OutcomeModel.status == LearningStatus.FITTING))
    if fitting is not None:
        return fitting
    row = OutcomeModel(program_id=program.id, requested_by_id=actor.id, status=LearningStatus.FITTING)
    record_audit(actor, "outcome_model.requested", row, program_id=program.id)
    queue.after_commit("fit_outcome_model", row.id)
    db.session.commit()
    return row


def fit(row_id: int) -> None:
    """A worker's job: fit and store the model and its report, or why there is none."""
    row = db.session.get(OutcomeModel, row_id)
    if row is None or row.status is not LearningStatus.FITTING:
        return
    try:
        learning = learn(row.program)
    except Exception as error:  # the row must not stay "fitting"
        db.session.rollback()
        row = db.session.get(OutcomeModel, row_id)
        row.move_to(LearningStatus.FAILED, None, f"{type(error).__name__}: {error}")
        db.session.commit()
        raise
    row.labelled, row.lasted = learning.labelled, learning.lasted
    if learning.report is None:
        row.move_to(LearningStatus.FAILED, None, learning.problem)
    else:
        row.model = learning.config.model.to_dict()
        row.model_key = learning.config.model_id
        row.report = learning.report.to_dict()
        row.move_to(LearningStatus.READY, None)
    db.session.commit()


def latest(program: Program) -> Optional[OutcomeModel]:
    return db.session.scalar(sa.select(OutcomeModel).where(OutcomeModel.program_id == program.id)
                             .order_by(OutcomeModel.id.desc()).limit(1))


def in_use(program: Program) -> Optional[OutcomeModel]:
    """The model the program's runs score with now, if an admin adopted one."""
    return db.session.scalar(sa.select(OutcomeModel).where(
        OutcomeModel.program_id == program.id, OutcomeModel.adopted_at.is_not(None),
        OutcomeModel.set_aside_at.is_(None)))


class AdoptionRefused(Exception):
    """The model cannot be adopted: the message says why; nothing was changed."""


def adopt(row: OutcomeModel, actor: User) -> None:
    """Make a learned model the one the program's runs score with; the one before is set aside."""
    if row.status is not LearningStatus.READY:
        raise AdoptionRefused("Only a model that finished learning can be adopted.")
    if row.in_use:
        raise AdoptionRefused("The program already uses this model.")
    current = in_use(row.program)
    now = utcnow()
    if current is not None:
        current.set_aside_at = now
        record_audit(actor, "outcome_model.set_aside", current, program_id=current.program_id,
                     model_key=current.model_key, replaced_by=row.model_key)
        db.session.flush()
    row.adopted_at, row.adopted_by = now, actor
    record_audit(actor, "outcome_model.adopted", row, program_id=row.program_id, model_key=row.model_key,
                 auc_learned=row.report["auc_learned"], auc_current=row.report["auc_default"],
                 n_pairs=row.report["n_pairs"])
    db.session.commit()


def set_aside(program: Program, actor: User) -> None:
    """Go back to the weighted factors for the program's next runs."""
    current = in_use(program)
    if current is None:
        raise AdoptionRefused("The program does not use a learned model.")
    current.set_aside_at = utcnow()
    record_audit(actor, "outcome_model.set_aside", current, program_id=program.id, model_key=current.model_key)
    db.session.commit()
