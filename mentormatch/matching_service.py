"""The one bridge between the database and the matching engine: rows in, stored proposals out.

A run is a MatchingRun row whose status (queued, running, done, failed) and progress live in
the database, so every app server can report it. The work itself is a job on the queue: a
worker picks it up, writes its progress and a heartbeat as it goes, and stores the proposals.
A run whose worker died (its heartbeat stopped) is put back on the queue once by the sweep,
then marked failed with the reason; it is never left running.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.orm.exc import StaleDataError
import matching
from mentormatch import queue
from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    DoNotMatch,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    OPEN_RUN_STATUSES,
    Mentor,
    MentorStatus,
    OutcomeModel,
    Program,
    RunStatus,
    UnmatchedYouth,
    User,
    mentor_programs,
    record_audit,
    utcnow,
)

log = logging.getLogger(__name__)

ALTERNATIVES_KEPT = 3
# How many workers may take a run before it is marked failed.
RUN_ATTEMPTS = 2
# score() holds about 60 bytes per pair; explaining unmatched youth in blocks bounds memory.
EXPLAIN_BLOCK = 500
# Settings a coordinator may change per program; do-not-match pairs come from DoNotMatch rows.
SETTING_KEYS = tuple(key for key in matching.MatchConfig().to_dict() if key != "do_not_match")


# ---------------------------------------------------------------- configuration


def default_settings() -> dict[str, Any]:
    """The engine's own weights and rule settings."""
    defaults = matching.MatchConfig().to_dict()
    return {key: defaults[key] for key in SETTING_KEYS}


def program_settings(program: Program) -> dict[str, Any]:
    """The program's stored settings merged over the engine's defaults."""
    stored = {k: v for k, v in (program.match_settings or {}).items() if k in SETTING_KEYS}
    return {**default_settings(), **stored}


def program_config(program: Program, do_not_match: frozenset = frozenset(),
                   with_model: bool = True) -> matching.MatchConfig:
    """The program's settings as the engine's config, with the learned model it adopted (if any)."""
    settings = {**program_settings(program), "do_not_match": do_not_match}
    if with_model:
        adopted = adopted_model(program.id)
        if adopted is not None:
            settings["model"] = adopted
    return matching.MatchConfig.from_dict(settings)


def adopted_model(program_id: int) -> Optional[dict[str, Any]]:
    return db.session.scalar(sa.select(OutcomeModel.model).where(
        OutcomeModel.program_id == program_id, OutcomeModel.adopted_at.is_not(None),
        OutcomeModel.set_aside_at.is_(None)))


def run_settings(config: matching.MatchConfig) -> dict[str, Any]:
    """What a run records of its config: the settings, and which learned model scored it (not the
    model itself, which its row keeps)."""
    data = config.to_dict()
    data.pop("model", None)
    data["model_id"] = config.model_id
    return data


def save_settings(program: Program, settings: dict[str, Any], actor: User) -> None:
    """Store the program's factor weights and rule settings; the next run uses them."""
    before = program_settings(program)
    program.match_settings = settings
    record_audit(actor, "program.match_settings", program, before=before, after=settings)
    db.session.commit()


def check_settings(settings: dict[str, Any]) -> Optional[str]:
    """Why the engine would refuse these settings, or None."""
    try:
        matching.MatchConfig.from_dict(settings)
    except (TypeError, ValueError) as error:
        return str(error)
    return None


# ---------------------------------------------------------------- loading rows


def _age(born: Optional[date], low: int, high: int, on: date) -> Optional[int]:
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return age if low <= age <= high else None


def _zip(value: str) -> str:
    value = (value or "").strip()[:5]
    return value if len(value) == 5 and value.isdigit() else ""


def _slots(values: list[str]) -> list[str]:
    return [s.lower() for s in values or [] if s.lower() in matching.SLOT_CODES]


def youth_profile(application: Application, program_id: int, now: datetime) -> Optional[matching.Youth]:
    """The engine's view of a waitlisted application; None when the youth's age is unknown."""
    youth = application.youth
    age = _age(youth.date_of_birth, 5, 30, now.date())
    if age is None:
        return None
    return matching.Youth(
        id=youth.id,
        age=age,
        gender=youth.gender or "",
        languages=list(youth.languages or []),
        interests=list(youth.interests or []),
        text=youth.goals or "",
        slots=_slots(youth.availability),
        zip=_zip(youth.zip_code),
        programs=[program_id],
        mentor_gender_preference=youth.mentor_gender_preference,
        required_language=youth.required_language,
        max_travel_miles=youth.max_travel_miles or None,
        days_waiting=min(application.days_waiting(now), 100_000),
    )


def mentor_profile(mentor: Mentor, program_id: int, open_matches: int, cleared: bool,
                   today: date, track_record: tuple[int, int] = (0, 0)) -> matching.Mentor:
    return matching.Mentor(
        id=mentor.id,
        age=_age(mentor.date_of_birth, 16, 110, today),
        gender=mentor.gender or "",
        languages=list(mentor.languages or []),
        interests=list(mentor.interests or []),
        text=mentor.bio or "",
        slots=_slots(mentor.availability),
        zip=_zip(mentor.zip_code),
        programs=[program_id],
        capacity=mentor.capacity,
        active_mentees=min(open_matches, 1_000),
        cleared=cleared,
        youth_experience_years=float(mentor.youth_experience_years or 0.0),
        matches_lasted=track_record[0],
        matches_closed_early=track_record[1],
    )


def waitlisted_applications(program_id: int) -> list[Application]:
    """The program's waitlisted applications whose youth may be matched, with youth and consents loaded."""
    rows = db.session.scalars(
        sa.select(Application)
        .where(Application.program_id == program_id,
               Application.status == ApplicationStatus.WAITLISTED)
        .options(so.selectinload(Application.youth), so.selectinload(Application.consents))
        .order_by(Application.waiting_since, Application.id)
    )
    return [a for a in rows if a.is_matchable]


def program_mentors(program_id: int, approved_only: bool = True) -> list[Mentor]:
    """Mentors serving the program, with their clearances and accounts loaded."""
    statement = (
        sa.select(Mentor)
        .join(mentor_programs, mentor_programs.c.mentor_id == Mentor.id)
        .where(mentor_programs.c.program_id == program_id)
        .options(so.selectinload(Mentor.clearances), so.selectinload(Mentor.user))
        .order_by(Mentor.id)
    )
    if approved_only:
        statement = statement.where(Mentor.status == MentorStatus.APPROVED)
    return list(db.session.scalars(statement))


def open_match_counts(mentor_ids: Optional[list[int]] = None) -> dict[int, int]:
    """Open matches per mentor: what counts against capacity."""
    statement = (
        sa.select(Match.mentor_id, sa.func.count(Match.id))
        .where(Match.status.in_(OPEN_MATCH_STATUSES))
        .group_by(Match.mentor_id)
    )
    if mentor_ids is not None:
        statement = statement.where(Match.mentor_id.in_(mentor_ids))
    return {mentor_id: count for mentor_id, count in db.session.execute(statement)}


def track_records(program_id: int) -> dict[int, tuple[int, int]]:
    """Per mentor, their closed matches in the program: (lasted a year, closed sooner), counted
    from the first meeting (or the approval before one), as learning from outcomes counts them."""
    began = sa.func.coalesce(Match.first_meeting_held_at, Match.approved_at)
    length = sa.func.julianday(Match.closed_at) - sa.func.julianday(began) \
        if db.session.get_bind().dialect.name == "sqlite" else \
        sa.extract("epoch", Match.closed_at - began) / 86400
    lasted = sa.case((length >= 365, 1), else_=0)
    rows = db.session.execute(
        sa.select(Match.mentor_id, sa.func.sum(lasted), sa.func.count(Match.id))
        .join(Application, Application.id == Match.application_id)
        .where(Application.program_id == program_id, Match.status == MatchStatus.CLOSED,
               Match.closed_at.is_not(None))
        .group_by(Match.mentor_id)
    )
    return {mentor_id: (int(good or 0), int(total) - int(good or 0)) for mentor_id, good, total in rows}


def do_not_match_pairs(program_id: int) -> frozenset:
    """(youth id, mentor id) pairs no run may propose for the program's youth: ruled out by staff,
    or declined by the family, and not since allowed again."""
    rows = db.session.execute(
        sa.select(DoNotMatch.youth_id, DoNotMatch.mentor_id)
        .join(Application, Application.youth_id == DoNotMatch.youth_id)
        .where(Application.program_id == program_id, DoNotMatch.lifted_at.is_(None))
        .distinct()
    )
    return frozenset((youth_id, mentor_id) for youth_id, mentor_id in rows)


@dataclass
class Cohort:
    """A program's matchable youth and mentors, as rows and as engine profiles."""

    applications: dict[int, Application]
    mentors: dict[int, Mentor]
    youth: list[matching.Youth]
    mentor_profiles: list[matching.Mentor]
    config: matching.MatchConfig
    # Waitlisted youth the engine cannot take as they are, with what to fix.
    not_matchable: list[tuple[Application, str]]


def load_cohort(program: Program, now: Optional[datetime] = None) -> Cohort:
    """Waitlisted consented youth and cleared mentors with free places, in a handful of queries."""
    now = now or utcnow()
    today = now.date()
    by_youth: dict[int, Application] = {}
    youth, not_matchable = [], []
    for application in waitlisted_applications(program.id):
        try:
            profile = youth_profile(application, program.id, now)
        except matching.ProfileError as error:
            not_matchable.append((application, f"The profile cannot be matched as it is: {error}"))
            continue
        if profile is None:
            not_matchable.append((application, "No date of birth between ages 5 and 30 on file"))
            continue
        by_youth[application.youth_id] = application
        youth.append(profile)
    mentors = [m for m in program_mentors(program.id) if m.can_be_matched(today)]
    load = open_match_counts()
    records = track_records(program.id)
    free, profiles = {}, []
    for mentor in mentors:
        if mentor.capacity <= load.get(mentor.id, 0):
            continue
        try:
            profiles.append(mentor_profile(mentor, program.id, load.get(mentor.id, 0), True, today,
                                           records.get(mentor.id, (0, 0))))
        except matching.ProfileError:
            log.warning("Mentor %s left out of matching: profile not usable", mentor.id, exc_info=True)
            continue
        free[mentor.id] = mentor
    config = program_config(program, do_not_match_pairs(program.id))
    return Cohort(by_youth, free, youth, profiles, config, not_matchable)


# ---------------------------------------------------------------- runs


def _reasons(reasons) -> list[dict[str, Any]]:
    return [r.to_dict() for r in reasons]


def _alternatives(result: matching.MatchResult, youth_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each youth's best other mentors, computed for all of them in one batch."""
    options = result.alternatives_of(youth_ids, ALTERNATIVES_KEPT + 1)
    return {
        youth_id: [
            {"mentor_id": a.mentor_id, "score": a.score, "reasons": _reasons(a.reasons)}
            for a in found if not a.chosen
        ][:ALTERNATIVES_KEPT]
        for youth_id, found in options.items()
    }


def _chance(result: matching.MatchResult, youth_id) -> Optional[dict[str, Any]]:
    chance = result.lasting_chance(youth_id)
    return chance.to_dict() if chance is not None else None


def _explain_unmatched(cohort: Cohort, unmatched: list[matching.Unmatched]) -> dict[Any, tuple]:
    """Per unmatched youth: the rule that left them without a mentor, and how each rule counted."""
    by_id = {y.id: y for y in cohort.youth}
    explained: dict[Any, tuple] = {}
    ids = [u.youth_id for u in unmatched]
    for start in range(0, len(ids), EXPLAIN_BLOCK):
        block = [by_id[i] for i in ids[start:start + EXPLAIN_BLOCK]]
        if not cohort.mentor_profiles:
            explained.update({y.id: ("no_mentors", {"mentors": 0}) for y in block})
            continue
        scores = matching.score(block, cohort.mentor_profiles, cohort.config)
        for row, profile in enumerate(block):
            codes = scores.rule_code[row]
            feasible = int((codes == 0).sum())
            excluded = {rule: int((codes == k + 1).sum()) for k, rule in enumerate(matching.RULES)}
            details = {"feasible_mentors": feasible,
                       "excluded_by": {rule: n for rule, n in excluded.items() if n}}
            # A rule applied in order empties the list at the last code any mentor fails.
            rule = "competition" if feasible else matching.RULES[int(codes.max()) - 1]
            explained[profile.id] = (rule, details)
    return explained


def start_run(program: Program, actor: Optional[User], inline: bool = False) -> MatchingRun:
    """Record a new run and put it on the queue for a worker; `inline` computes it here instead
    (the command line and the demo data, which wait for the result)."""
    run = MatchingRun(program_id=program.id, started_by_id=getattr(actor, "id", None),
                      status=RunStatus.QUEUED, config=program_settings(program))
    db.session.add(run)
    record_audit(actor, "matching.run.start", run, program_id=program.id)
    if not inline:
        queue.after_commit("run_matching", run.id)
    db.session.commit()
    if inline:
        return execute_run(run.id)
    return run


def running_run(program_id: int) -> Optional[MatchingRun]:
    """The program's run still queued or at work, if any."""
    return db.session.scalar(
        sa.select(MatchingRun)
        .where(MatchingRun.program_id == program_id, MatchingRun.status.in_(OPEN_RUN_STATUSES))
        .order_by(MatchingRun.id.desc()).limit(1)
    )


def _progress(run_id: int, share: float, stage: str) -> None:
    """Write the run's progress and heartbeat on a connection of its own, so the page sees it
    at once and the run's own transaction (and the rows it loaded) is left alone."""
    with db.engine.begin() as connection:
        connection.execute(sa.update(MatchingRun).where(MatchingRun.id == run_id)
                           .values(progress=share, stage=stage, heartbeat_at=utcnow()))


def execute_run(run_id: int) -> Optional[MatchingRun]:
    """A worker's job: compute a queued run; mark it failed, with the reason, on any error."""
    run = db.session.get(MatchingRun, run_id)
    if run is None or run.status is not RunStatus.QUEUED:
        return run  # done already, or another worker has it
    run.move_to(RunStatus.RUNNING, None)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()  # another worker took it first
        return db.session.get(MatchingRun, run_id)
    try:
        return _execute(run_id)
    except Exception as error:  # the run row must never stay RUNNING forever
        log.exception("Matching run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(MatchingRun, run_id)
        run.move_to(RunStatus.FAILED, None, f"{type(error).__name__}: {error}")
        db.session.commit()
        return run


def recover_stale_runs(now: Optional[datetime] = None) -> list[int]:
    """Runs whose worker stopped: back on the queue once, then failed with the reason. Returns
    the ids of runs to hand to the queue again (stale queued ones included)."""
    now = now or utcnow()
    # A running run writes its heartbeat at each stage; one silent this long lost its worker.
    stale_after = timedelta(seconds=current_app.config["RUN_STALE_SECONDS"])
    again = []
    stale = db.session.scalars(sa.select(MatchingRun).where(
        MatchingRun.status == RunStatus.RUNNING, MatchingRun.heartbeat_at < now - stale_after))
    for run in stale:
        if run.attempts < RUN_ATTEMPTS:
            run.move_to(RunStatus.QUEUED, None, "The worker stopped; the run is queued again.")
            again.append(run.id)
        else:
            run.move_to(RunStatus.FAILED, None, f"The worker stopped {run.attempts} times before the run finished; "
                                                "nothing was changed. Start a new run.")
    db.session.commit()
    forgotten = db.session.scalars(sa.select(MatchingRun.id).where(
        MatchingRun.status == RunStatus.QUEUED, MatchingRun.started_at < now - stale_after))
    return again + [run_id for run_id in forgotten if run_id not in again]


def _execute(run_id: int) -> MatchingRun:
    started = time.perf_counter()
    run = db.session.get(MatchingRun, run_id)
    program = db.session.get(Program, run.program_id)
    _progress(run_id, 0.05, "loading")
    cohort = load_cohort(program)
    run.config = run_settings(cohort.config)
    run.youth_count = len(cohort.youth) + len(cohort.not_matchable)
    run.mentor_count = len(cohort.mentor_profiles)
    # The status fragment shows the cohort size while the engine works. Written on a
    # connection of its own: a commit here would expire every loaded row, and storing
    # the proposals would then reload them one query at a time.
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(MatchingRun).where(MatchingRun.id == run.id)
            .values(config=run.config, youth_count=run.youth_count, mentor_count=run.mentor_count,
                    progress=0.2, stage="matching", heartbeat_at=utcnow())
        )

    result = matching.propose(cohort.youth, cohort.mentor_profiles, cohort.config)
    problems = result.check()
    if problems:
        raise RuntimeError("engine result breaks its rules: " + "; ".join(problems[:3]))
    _progress(run_id, 0.6, "explaining")
    unmatched = result.unmatched
    explained = _explain_unmatched(cohort, unmatched)
    _progress(run_id, 0.8, "storing")

    MatchProposal.supersede_pending(program.id, run.id)
    proposals = result.proposals
    alternatives = _alternatives(result, [p.youth_id for p in proposals])
    db.session.add_all(
        MatchProposal(
            run_id=run.id,
            application_id=cohort.applications[p.youth_id].id,
            mentor_id=p.mentor_id,
            score=min(max(p.score, 0.0), 1.0),
            reasons=_reasons(p.reasons),
            alternatives=alternatives[p.youth_id],
            chance=_chance(result, p.youth_id),
        )
        for p in proposals
    )
    db.session.add_all(
        UnmatchedYouth(
            run_id=run.id,
            application_id=cohort.applications[u.youth_id].id,
            reason=u.reason,
            rule=explained[u.youth_id][0],
            details={**explained[u.youth_id][1], "code": u.code, "data": u.data},
        )
        for u in unmatched
    )
    db.session.add_all(
        UnmatchedYouth(run_id=run.id, application_id=application.id, reason=reason, rule="profile",
                       details={"feasible_mentors": 0})
        for application, reason in cohort.not_matchable
    )
    run.proposal_count = len(result.proposals)
    run.unmatched_count = len(unmatched) + len(cohort.not_matchable)
    run.total_score = result.total_score
    run.seconds = time.perf_counter() - started
    run.move_to(RunStatus.DONE, None, figures={"youth": run.youth_count, "mentors": run.mentor_count,
                                                "proposals": run.proposal_count, "unmatched": run.unmatched_count})
    db.session.commit()
    return run


# ---------------------------------------------------------------- one youth by hand


@dataclass
class Candidate:
    """A program mentor scored against one youth, with the rule that excludes them if any."""

    mentor: Mentor
    score: float
    reasons: list[dict[str, Any]]
    excluded_by: Optional[str]
    free_places: int


def candidates_for(application: Application) -> list[Candidate]:
    """Every mentor of the application's program scored for this youth, feasible ones first."""
    now = utcnow()
    program = application.program
    profile = youth_profile(application, program.id, now)
    mentors = program_mentors(program.id, approved_only=False)
    if profile is None or not mentors:
        return []
    load = open_match_counts([m.id for m in mentors])
    records = track_records(program.id)
    profiles = [mentor_profile(m, program.id, load.get(m.id, 0), m.can_be_matched(now.date()), now.date(),
                               records.get(m.id, (0, 0)))
                for m in mentors]
    config = program_config(program, do_not_match_pairs(program.id))
    scores = matching.score([profile], profiles, config)
    pairs = {p.mentor_id: p for p in db.session.scalars(sa.select(DoNotMatch).where(
        DoNotMatch.youth_id == application.youth_id, DoNotMatch.lifted_at.is_(None)))}
    candidates = []
    for j, mentor in enumerate(mentors):
        exclusion = scores.excluded_by(0, j)
        excluded_by = exclusion.text if exclusion else None
        if exclusion is not None and exclusion.rule == "do_not_match" and mentor.id in pairs:
            excluded_by = pairs[mentor.id].description.capitalize()
        candidates.append(Candidate(
            mentor=mentor,
            score=float(scores.similarity[0, j]),
            reasons=_reasons(scores.reasons(0, j)),
            excluded_by=excluded_by,
            free_places=max(mentor.capacity - load.get(mentor.id, 0), 0),
        ))
    candidates.sort(key=lambda c: (c.excluded_by is not None, -c.score))
    return candidates
