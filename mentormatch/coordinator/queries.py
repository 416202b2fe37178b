"""What the coordinator's pages read: queues, proposals, the waitlist and its fairness figures, audit trails.

Every list loads its related rows with selectinload and pages its results, so the
number of queries a page issues does not grow with the number of rows.
"""
from __future__ import annotations

import functools
import statistics
from collections import defaultdict
from datetime import date, timedelta
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from mentormatch import figures
from mentormatch.extensions import db
from mentormatch.models import (
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    AuditEvent,
    Clearance,
    DoNotMatch,
    GuardianConsent,
    Match,
    MatchingRun,
    MatchProposal,
    MatchStatus,
    Mentor,
    MentorStatus,
    Program,
    REQUIRED_CLEARANCES,
    ProposalStatus,
    RunStatus,
    UnmatchedYouth,
    User,
    Youth,
    age_on,
    utcnow,
)

PER_PAGE = 25
PROPOSALS_PER_PAGE = 50
EXPIRY_WINDOW_DAYS = 30
NOT_GIVEN = "Not given"
AGE_BANDS = ((0, 13, "12 and under"), (14, 15, "14–15"), (16, 17, "16–17"), (18, 99, "18 and over"))


def born_between(age: int, today: date) -> tuple[date, date]:
    """The birth dates of someone exactly `age` years old today, as an inclusive range."""
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + timedelta(days=1)
    return earliest, latest


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ---------------------------------------------------------------- dashboard


@functools.cache
def _doubtful_mentors():
    """Mentors not plainly cleared on the day given as `today`: the complement of those whose latest
    verified record of every required kind passed and has not expired.

    A record tied on its date with another verified record of its kind does not count as plainly
    cleared, so ties fall to the exact check in Python (Mentor.is_cleared) rather than slip
    through. Built once: composing the expression costs more than running it.
    """
    today = sa.bindparam("today", type_=sa.Date)
    conditions = [Mentor.status == MentorStatus.APPROVED]
    for kind in REQUIRED_CLEARANCES:
        record, later = so.aliased(Clearance), so.aliased(Clearance)
        newer_or_tied = (
            sa.select(later.id)
            .where(later.mentor_id == record.mentor_id, later.kind == kind, later.verified_at.is_not(None),
                   later.id != record.id, later.completed_on >= record.completed_on)
            .exists()
        )
        conditions.append(
            sa.select(record.id)
            .where(record.mentor_id == Mentor.id, record.kind == kind, record.verified_at.is_not(None),
                   record.passed, sa.or_(record.expires_on.is_(None), record.expires_on >= today),
                   ~newer_or_tied)
            .exists()
        )
    return sa.select(Mentor.id).where(~sa.and_(*conditions))


def at_risk_match_ids(today: date) -> list[int]:
    """Ids of the open matches whose mentor is no longer cleared, oldest approval first.

    The database leaves out the matches whose mentor is plainly cleared, so only the few in
    doubt are loaded and checked exactly, however many matches are open.
    """
    matches = db.session.scalars(
        sa.select(Match)
        .where(Match.status.in_(OPEN_MATCH_STATUSES), Match.mentor_id.in_(_doubtful_mentors()))
        .options(so.joinedload(Match.mentor, innerjoin=True).subqueryload(Mentor.clearances))
        .order_by(Match.approved_at),
        {"today": today},
    )
    return [m.id for m in matches if not m.mentor.is_cleared(today)]


def at_risk_matches(today: Optional[date] = None) -> list[Match]:
    """Open matches whose mentor is no longer cleared, with what the dashboard shows of them."""
    today = today or date.today()
    ids = figures.cached("at-risk matches", at_risk_match_ids, today)
    if not ids:
        return []
    matches = db.session.scalars(
        sa.select(Match)
        .where(Match.id.in_(ids))
        .options(
            so.joinedload(Match.mentor, innerjoin=True).subqueryload(Mentor.clearances),
            so.joinedload(Match.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True),
            so.joinedload(Match.application, innerjoin=True).joinedload(Application.youth, innerjoin=True),
            so.joinedload(Match.application, innerjoin=True).joinedload(Application.program, innerjoin=True),
        )
        .order_by(Match.approved_at)
    )
    return list(matches)


def paused_matches() -> list[Match]:
    """Matches on hold until a coordinator decides, oldest pause first."""
    return list(db.session.scalars(
        sa.select(Match).where(Match.status == MatchStatus.PAUSED)
        .options(so.joinedload(Match.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True),
                 so.joinedload(Match.application, innerjoin=True).joinedload(Application.youth, innerjoin=True),
                 so.joinedload(Match.application, innerjoin=True).joinedload(Application.program, innerjoin=True))
        .order_by(Match.paused_at, Match.id)
    ))


def latest_decline_ids(limit: int) -> list[int]:
    return list(db.session.scalars(
        sa.select(MatchProposal.id)
        .where(MatchProposal.status == ProposalStatus.DECLINED_BY_GUARDIAN)
        .order_by(MatchProposal.decided_at.desc(), MatchProposal.id.desc())
        .limit(limit)
    ))


def guardian_declines(limit: int = 10) -> list[MatchProposal]:
    """The latest proposals a guardian declined, with youth, program and mentor."""
    ids = figures.cached("guardian declines", latest_decline_ids, limit)
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(MatchProposal)
        .where(MatchProposal.id.in_(ids))
        .options(so.joinedload(MatchProposal.application, innerjoin=True)
                 .joinedload(Application.youth, innerjoin=True),
                 so.joinedload(MatchProposal.application, innerjoin=True)
                 .joinedload(Application.program, innerjoin=True),
                 so.joinedload(MatchProposal.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True))
        .order_by(MatchProposal.decided_at.desc(), MatchProposal.id.desc())
    ))


# ---------------------------------------------------------------- applications


def application_search(program_id: Optional[int], status: str, q: str, age: Optional[int]):
    statement = (
        sa.select(Application)
        .join(Application.youth)
        .options(so.contains_eager(Application.youth), so.selectinload(Application.program),
                 so.selectinload(Application.consents))
        .order_by(Application.status_changed_at.desc(), Application.id.desc())
    )
    if program_id:
        statement = statement.where(Application.program_id == program_id)
    if status:
        statement = statement.where(Application.status == ApplicationStatus(status))
    else:
        statement = statement.where(Application.status != ApplicationStatus.DRAFT)
    if q:
        pattern = f"%{q.strip().lower()}%"
        statement = statement.where(sa.or_(
            sa.func.lower(Youth.first_name).like(pattern),
            sa.func.lower(Youth.last_name).like(pattern),
            sa.func.lower(Youth.first_name + " " + Youth.last_name).like(pattern),
        ))
    if age is not None:
        earliest, latest = born_between(age, date.today())
        statement = statement.where(Youth.date_of_birth.between(earliest, latest))
    return statement


def application_with_record(application_id: int) -> Optional[Application]:
    return db.session.scalar(
        sa.select(Application)
        .where(Application.id == application_id)
        .options(
            so.selectinload(Application.youth).selectinload(Youth.guardian),
            so.selectinload(Application.youth).selectinload(Youth.user),
            so.selectinload(Application.program),
            so.selectinload(Application.consents),
            so.selectinload(Application.decided_by),
        )
    )


def application_history(application_id: int) -> tuple[list[MatchProposal], list[Match]]:
    proposals = db.session.scalars(
        sa.select(MatchProposal).where(MatchProposal.application_id == application_id)
        .options(so.selectinload(MatchProposal.mentor).selectinload(Mentor.user))
        .order_by(MatchProposal.id.desc())
    )
    matches = db.session.scalars(
        sa.select(Match).where(Match.application_id == application_id)
        .options(so.selectinload(Match.mentor).selectinload(Mentor.user))
        .order_by(Match.id.desc())
    )
    return list(proposals), list(matches)


# ---------------------------------------------------------------- mentors


def mentor_queues(today: Optional[date] = None) -> dict[str, list[Mentor]]:
    """Mentors needing a coordinator: awaiting approval, unverified records, expiring soon, lapsed."""
    today = today or date.today()
    soon = today + timedelta(days=EXPIRY_WINDOW_DAYS)
    mentors = db.session.scalars(
        sa.select(Mentor)
        .options(so.selectinload(Mentor.clearances), so.selectinload(Mentor.user))
        .order_by(Mentor.created_at)
    )
    queues: dict[str, list[Mentor]] = {"awaiting": [], "unverified": [], "expiring": [], "lapsed": []}
    for mentor in mentors:
        if mentor.status is MentorStatus.APPLIED:
            queues["awaiting"].append(mentor)
        if any(c.verified_at is None for c in mentor.clearances):
            queues["unverified"].append(mentor)
        if mentor.status is MentorStatus.APPROVED:
            if not mentor.is_cleared(today):
                queues["lapsed"].append(mentor)
            elif any(c.expires_on and today <= c.expires_on <= soon
                     for c in map(mentor.current_clearance, REQUIRED_CLEARANCES) if c):
                queues["expiring"].append(mentor)
    return queues


def mentor_with_record(mentor_id: int) -> Optional[Mentor]:
    return db.session.scalar(
        sa.select(Mentor).where(Mentor.id == mentor_id)
        .options(
            so.selectinload(Mentor.user),
            so.selectinload(Mentor.programs),
            so.selectinload(Mentor.clearances).selectinload(Clearance.verified_by),
            so.selectinload(Mentor.matches).selectinload(Match.application)
            .selectinload(Application.youth),
        )
    )


# ---------------------------------------------------------------- matching runs and proposals


def latest_run(program_id: int) -> Optional[MatchingRun]:
    return db.session.scalar(
        sa.select(MatchingRun).where(MatchingRun.program_id == program_id)
        .order_by(MatchingRun.id.desc()).limit(1)
    )


def recent_runs(program_id: int, limit: int = 10) -> list[MatchingRun]:
    return list(db.session.scalars(
        sa.select(MatchingRun).where(MatchingRun.program_id == program_id)
        .options(so.selectinload(MatchingRun.started_by))
        .order_by(MatchingRun.id.desc()).limit(limit)
    ))


def proposal_counts(run_id: int) -> dict[str, int]:
    """Proposals of a run by status (reused until a decision changes them)."""
    return dict(figures.cached("proposal counts", _count_proposals, run_id))


def _count_proposals(run_id: int) -> dict[str, int]:
    counts = {s.value: 0 for s in ProposalStatus}
    rows = db.session.execute(
        sa.select(MatchProposal.status, sa.func.count(MatchProposal.id))
        .where(MatchProposal.run_id == run_id).group_by(MatchProposal.status)
    )
    for status, n in rows:
        counts[status.value] = n
    return counts


def proposals_statement(run_id: int, status: str):
    statement = (
        sa.select(MatchProposal)
        .where(MatchProposal.run_id == run_id)
        .options(
            # A list row shows the reasons; the alternatives are read when a row is expanded.
            so.defer(MatchProposal.alternatives),
            # Each row has exactly one youth and one mentor, joined in the same query with only
            # the columns a row shows (a full youth or mentor carries several JSON lists); the
            # goals and bio let the reasons quote words as they were written.
            so.joinedload(MatchProposal.application, innerjoin=True)
            .load_only(Application.youth_id, Application.program_id, Application.status)
            .joinedload(Application.youth, innerjoin=True)
            .load_only(Youth.first_name, Youth.last_name, Youth.date_of_birth, Youth.goals),
            so.joinedload(MatchProposal.mentor, innerjoin=True).load_only(Mentor.user_id, Mentor.capacity, Mentor.bio)
            .joinedload(Mentor.user, innerjoin=True).load_only(User.first_name, User.last_name),
        )
        .order_by(MatchProposal.score.desc(), MatchProposal.id.desc())
    )
    if status:
        statement = statement.where(MatchProposal.status == ProposalStatus(status))
    return statement


def proposal_with_rows(proposal_id: int) -> Optional[MatchProposal]:
    return db.session.scalar(
        sa.select(MatchProposal).where(MatchProposal.id == proposal_id)
        .options(
            so.joinedload(MatchProposal.application, innerjoin=True).joinedload(Application.youth, innerjoin=True),
            so.joinedload(MatchProposal.mentor, innerjoin=True).joinedload(Mentor.user, innerjoin=True),
            so.joinedload(MatchProposal.run),
        )
    )


def mentors_by_id(ids: list[int]) -> dict[int, Mentor]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Mentor).where(Mentor.id.in_(ids)).options(so.selectinload(Mentor.user))
    )
    return {m.id: m for m in rows}


def unmatched_statement(run_id: int):
    return (
        sa.select(UnmatchedYouth).where(UnmatchedYouth.run_id == run_id)
        .options(so.defer(UnmatchedYouth.details),
                 so.joinedload(UnmatchedYouth.application, innerjoin=True)
                 .load_only(Application.youth_id, Application.program_id, Application.status)
                 .joinedload(Application.youth, innerjoin=True).load_only(Youth.first_name, Youth.last_name))
        .order_by(UnmatchedYouth.id)
    )


PAIR_OPTIONS = (so.selectinload(DoNotMatch.youth), so.selectinload(DoNotMatch.mentor).selectinload(Mentor.user),
                so.selectinload(DoNotMatch.lifted_by))


def do_not_match_pairs(program_id: int) -> list[DoNotMatch]:
    """Standing pairs ruled out for youth who applied to the program, by staff or by the family."""
    return list(db.session.scalars(
        sa.select(DoNotMatch)
        .where(DoNotMatch.youth_id.in_(sa.select(Application.youth_id).where(Application.program_id == program_id)),
               DoNotMatch.lifted_at.is_(None))
        .options(*PAIR_OPTIONS)
        .order_by(DoNotMatch.created_at.desc())
    ))


def latest_application_of(youth_id: int) -> Optional[Application]:
    return db.session.scalar(sa.select(Application).where(Application.youth_id == youth_id)
                             .order_by(Application.created_at.desc(), Application.id.desc()).limit(1))


def pairs_of_youth(youth_id: int) -> list[DoNotMatch]:
    """Every pair ever ruled out for one youth, standing ones first."""
    return list(db.session.scalars(
        sa.select(DoNotMatch).where(DoNotMatch.youth_id == youth_id).options(*PAIR_OPTIONS)
        .order_by(DoNotMatch.lifted_at.is_not(None), DoNotMatch.created_at.desc())
    ))


def is_run_latest(run: MatchingRun) -> bool:
    newer = db.session.scalar(
        sa.select(sa.func.count(MatchingRun.id))
        .where(MatchingRun.program_id == run.program_id, MatchingRun.id > run.id,
               MatchingRun.status != RunStatus.FAILED)
    )
    return not newer


# ---------------------------------------------------------------- waitlist


def waitlist_statement(program_id: int, age: Optional[int], language: str, gender: str, zip_code: str):
    statement = (
        sa.select(Application)
        .join(Application.youth)
        .where(Application.program_id == program_id,
               Application.status == ApplicationStatus.WAITLISTED)
        .options(
            # Only what a waitlist row shows.
            so.load_only(Application.youth_id, Application.program_id, Application.status,
                         Application.waiting_since),
            so.contains_eager(Application.youth).load_only(
                Youth.first_name, Youth.last_name, Youth.date_of_birth, Youth.gender, Youth.languages,
                Youth.zip_code),
            so.selectinload(Application.consents).load_only(
                GuardianConsent.application_id, GuardianConsent.status),
        )
        .order_by(Application.waiting_since, Application.id)
    )
    if age is not None:
        earliest, latest = born_between(age, date.today())
        statement = statement.where(Youth.date_of_birth.between(earliest, latest))
    if gender:
        statement = statement.where(Youth.gender == gender)
    if zip_code:
        statement = statement.where(Youth.zip_code.startswith(zip_code.strip()))
    if language:
        # Languages are a JSON list; matching the quoted word works on SQLite and PostgreSQL alike.
        statement = statement.where(
            sa.func.lower(sa.cast(Youth.languages, sa.String)).like(f'%"{language.strip().lower()}"%')
        )
    return statement


def age_band(age: Optional[int]) -> str:
    if age is None:
        return "Unknown"
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def fairness(program_id: int) -> dict[str, list[dict[str, Any]]]:
    """Median days waiting by gender, age band and language, over the program's whole waitlist."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(Application.waiting_since, Youth.gender, Youth.date_of_birth, Youth.languages)
        .join(Application.youth)
        .where(Application.program_id == program_id,
               Application.status == ApplicationStatus.WAITLISTED)
    )
    groups: dict[str, dict[str, list[int]]] = {"gender": defaultdict(list), "age band": defaultdict(list),
                                               "language": defaultdict(list)}
    for waiting_since, gender, born, languages in rows:
        days = max(0, (now - waiting_since).days) if waiting_since else 0
        groups["gender"][gender or NOT_GIVEN].append(days)
        groups["age band"][age_band(age_on(born, now.date()) if born else None)].append(days)
        for language in languages or [NOT_GIVEN]:
            groups["language"][language].append(days)
    return {
        name: sorted(
            ({"group": key, "youth": len(days), "median": statistics.median(days), "longest": max(days)}
             for key, days in by.items()),
            key=lambda row: -row["median"],
        )
        for name, by in groups.items()
    }


# ---------------------------------------------------------------- audit


AUDITED = {"applications": Application, "mentors": Mentor, "matches": Match}


def audit_trail(object_type: str, object_id: int) -> list[AuditEvent]:
    """Events on the object itself, plus those on its proposals, matches or clearances."""
    related = [(object_type, [object_id])]
    if object_type == "applications":
        related.append(("match_proposals", list(db.session.scalars(
            sa.select(MatchProposal.id).where(MatchProposal.application_id == object_id)))))
        related.append(("matches", list(db.session.scalars(
            sa.select(Match.id).where(Match.application_id == object_id)))))
    elif object_type == "mentors":
        related.append(("clearances", list(db.session.scalars(
            sa.select(Clearance.id).where(Clearance.mentor_id == object_id)))))
    elif object_type == "matches":
        proposal_id = db.session.scalar(sa.select(Match.proposal_id).where(Match.id == object_id))
        if proposal_id:
            related.append(("match_proposals", [proposal_id]))
    conditions = [sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
                  for kind, ids in related if ids]
    return list(db.session.scalars(
        sa.select(AuditEvent).where(sa.or_(*conditions))
        .options(so.selectinload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ))


def program_figures() -> list[dict[str, Any]]:
    """Each active program with its waitlist size and latest run."""
    programs = list(db.session.scalars(sa.select(Program).where(Program.is_active).order_by(Program.name)))
    waiting = dict(db.session.execute(
        sa.select(Application.program_id, sa.func.count(Application.id))
        .where(Application.status == ApplicationStatus.WAITLISTED).group_by(Application.program_id)
    ).all())
    latest_ids = sa.select(sa.func.max(MatchingRun.id)).group_by(MatchingRun.program_id)
    runs = {r.program_id: r for r in db.session.scalars(
        sa.select(MatchingRun).where(MatchingRun.id.in_(latest_ids)))}
    return [{"program": p, "waiting": waiting.get(p.id, 0), "run": runs.get(p.id)} for p in programs]
