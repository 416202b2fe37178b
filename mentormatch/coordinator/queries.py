"""What the coordinator's pages read: queues, proposals, the waitlist and its fairness figures, audit trails.

Every list loads its related rows with selectinload and pages its results, so the
number of queries a page issues does not grow with the number of rows.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from mentormatch import figures
from mentormatch.extensions import db
from mentormatch.models import (
    ACTIVE_CONSENT_STATUSES,
    ADULT_AGE,
    OPEN_MATCH_STATUSES,
    Application,
    ApplicationStatus,
    AuditEvent,
    Clearance,
    ConsentStatus,
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
    ProposalCount,
    ProposalStatus,
    RunStatus,
    UnmatchedYouth,
    User,
    Youth,
    age_on,
    utcnow,
)
# The module, not the name: the reasons import the vocabulary, whose package imports this one.
from mentormatch import reasons as reason_words

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


# The database keeps these counts as proposals change (see ProposalCount): a few rows to read,
# where counting a run's proposals by status took milliseconds of the database after every decision.
_PROPOSALS_BY_STATUS = (sa.select(ProposalCount.status, ProposalCount.total)
                        .where(ProposalCount.run_id == sa.bindparam("run_id")))


def _count_proposals(run_id: int) -> dict[str, int]:
    counts = {s.value: 0 for s in ProposalStatus}
    rows = db.session.execute(_PROPOSALS_BY_STATUS, {"run_id": run_id})
    for status, n in rows:
        counts[status.value] = n
    return counts


@dataclass(slots=True)
class ListedYouth:
    """The youth of a list row: name, age and goals (quoted by the reasons), nothing else."""

    first_name: str
    last_name: str
    date_of_birth: Optional[date]
    goals: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age(self, on: Optional[date] = None) -> Optional[int]:
        return age_on(self.date_of_birth, on or date.today()) if self.date_of_birth else None


@dataclass(slots=True)
class ProposalView:
    """What a proposal's row shows: read as plain columns for a list, or taken from a loaded proposal."""

    id: int
    run_id: Optional[int]
    application_id: int
    status: ProposalStatus
    score: float
    youth: ListedYouth
    mentor_name: str
    mentor_bio: str
    # The reasons as stored (a list, or its JSON text when read for a list) and their one-line summary.
    reasons: Any
    decided_at: Optional[datetime] = None
    decision_reason: Optional[str] = None
    chance: Optional[dict[str, Any]] = None
    alternatives: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def summary(self) -> str:
        return reason_words.reason_summary(self.reasons, [self.youth.goals, self.mentor_bio])

    @property
    def reason_list(self) -> list[dict[str, Any]]:
        return json.loads(self.reasons) if isinstance(self.reasons, str) else self.reasons

    @classmethod
    def of(cls, proposal: MatchProposal, expanded: bool = True) -> "ProposalView":
        """The row of a loaded proposal; folded, without what only an expanded row shows."""
        youth, mentor = proposal.application.youth, proposal.mentor
        view = cls(id=proposal.id, run_id=proposal.run_id, application_id=proposal.application_id,
                   status=proposal.status, score=proposal.score,
                   youth=ListedYouth(youth.first_name, youth.last_name, youth.date_of_birth, youth.goals or ""),
                   mentor_name=mentor.user.full_name, mentor_bio=mentor.bio or "", reasons=proposal.reasons,
                   decided_at=proposal.decided_at, decision_reason=proposal.decision_reason)
        if expanded:
            view.chance, view.alternatives = proposal.chance, proposal.alternatives or []
        return view


class RowPagination(Pagination):
    """A page of a select of plain columns, each row made into what the page reads by `make`.

    Plain rows cost a fraction of loaded objects: a list page reads fifty rows and changes none.
    """

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        make = self._query_args["make"]
        return [make(row) for row in db.session.execute(select)]

    def _query_count(self) -> int:
        counted = self._query_args["select"].order_by(None).subquery()
        return db.session.execute(sa.select(sa.func.count()).select_from(counted)).scalar_one()


def _proposal_row(row) -> ProposalView:
    return ProposalView(id=row.id, run_id=row.run_id, application_id=row.application_id, status=row.status,
                        score=row.score, youth=ListedYouth(row.first_name, row.last_name, row.date_of_birth,
                                                           row.goals or ""),
                        mentor_name=f"{row.mentor_first_name} {row.mentor_last_name}", mentor_bio=row.bio or "",
                        reasons=row.reasons, decided_at=row.decided_at, decision_reason=row.decision_reason)


def proposals_page(run_id: int, status: str, page: Optional[int], total: int) -> RowPagination:
    """A page of a run's proposals, best score first: one query of the columns a row shows.

    The reasons come as their JSON text: a row shows a summary that each process keeps, so most
    rows never decode them.
    """
    statement = (
        sa.select(MatchProposal.id, MatchProposal.run_id, MatchProposal.application_id, MatchProposal.status,
                  MatchProposal.score, sa.cast(MatchProposal.reasons, sa.Text).label("reasons"),
                  MatchProposal.decided_at, MatchProposal.decision_reason,
                  Youth.first_name, Youth.last_name, Youth.date_of_birth, Youth.goals, Mentor.bio,
                  User.first_name.label("mentor_first_name"), User.last_name.label("mentor_last_name"))
        .join(Application, Application.id == MatchProposal.application_id)
        .join(Youth, Youth.id == Application.youth_id)
        .join(Mentor, Mentor.id == MatchProposal.mentor_id)
        .join(User, User.id == Mentor.user_id)
        .where(MatchProposal.run_id == run_id)
        .order_by(MatchProposal.score.desc(), MatchProposal.id.desc())
    )
    if status:
        statement = statement.where(MatchProposal.status == ProposalStatus(status))
    result = RowPagination(select=statement, make=_proposal_row, page=page, per_page=PROPOSALS_PER_PAGE,
                           error_out=False, count=False)
    result.total = total
    return result


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


@dataclass(slots=True)
class UnmatchedView:
    id: int
    reason: str
    status: ApplicationStatus
    youth_name: str


def unmatched_page(run_id: int, page: Optional[int], total: int) -> RowPagination:
    """A page of the youth a run left without a mentor, with why: one query of the columns shown."""
    statement = (
        sa.select(UnmatchedYouth.id, UnmatchedYouth.reason, Application.status, Youth.first_name, Youth.last_name)
        .join(Application, Application.id == UnmatchedYouth.application_id)
        .join(Youth, Youth.id == Application.youth_id)
        .where(UnmatchedYouth.run_id == run_id)
        .order_by(UnmatchedYouth.id)
    )
    result = RowPagination(
        select=statement, page=page, per_page=PROPOSALS_PER_PAGE, error_out=False, count=False,
        make=lambda row: UnmatchedView(row.id, row.reason, row.status, f"{row.first_name} {row.last_name}"))
    result.total = total
    return result


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


def is_run_latest(run_id: int, program_id: int) -> bool:
    """No later run of the program has stored proposals of its own (or is about to)."""
    newer = db.session.scalar(
        sa.select(sa.func.count(MatchingRun.id))
        .where(MatchingRun.program_id == program_id, MatchingRun.id > run_id,
               MatchingRun.status != RunStatus.FAILED)
    )
    return not newer


def run_with_program(run_id: int) -> Optional[MatchingRun]:
    """A run with its program and who started it, as the run's page names them."""
    return db.session.scalar(sa.select(MatchingRun).where(MatchingRun.id == run_id)
                             .options(so.joinedload(MatchingRun.program), so.joinedload(MatchingRun.started_by)))


# ---------------------------------------------------------------- waitlist


@dataclass(slots=True)
class WaitlistRow:
    """What a waitlist row shows, read as plain columns; `consent` is the status of the consent that
    stands (the newest given or still to be confirmed), None when there is none."""

    id: int
    youth: ListedYouth
    gender: Optional[str]
    languages: list[str]
    zip_code: str
    waiting_since: Optional[datetime]
    consent: Optional[ConsentStatus] = None

    def days_waiting(self, now: datetime) -> int:
        return max(0, (now - self.waiting_since).days) if self.waiting_since else 0

    @property
    def consent_state(self) -> str:
        """"adult", "on file", "to confirm" or "missing": the rule of Application.consent_on_file."""
        age = self.youth.age()
        if age is None or age >= ADULT_AGE:
            return "adult"
        if self.consent is ConsentStatus.GIVEN:
            return "on file"
        return "to confirm" if self.consent is ConsentStatus.TO_CONFIRM else "missing"


class WaitlistPagination(RowPagination):
    def _query_items(self) -> list[Any]:
        rows = super()._query_items()
        if rows:
            # The standing consent of each: the newest of those given or to be confirmed.
            by_id = {row.id: row for row in rows}
            for application_id, status in db.session.execute(
                    sa.select(GuardianConsent.application_id, GuardianConsent.status)
                    .where(GuardianConsent.application_id.in_(by_id),
                           GuardianConsent.status.in_(ACTIVE_CONSENT_STATUSES))
                    .order_by(GuardianConsent.id)):
                by_id[application_id].consent = status
        return rows


def _waitlist_row(row) -> WaitlistRow:
    return WaitlistRow(row.id, ListedYouth(row.first_name, row.last_name, row.date_of_birth), row.gender,
                       row.languages or [], row.zip_code or "", row.waiting_since)


def waitlist_page(program_id: int, age: Optional[int], language: str, gender: str, zip_code: str,
                  page: Optional[int], total: Optional[int]) -> RowPagination:
    """A page of the program's waitlist, longest wait first: one query of the columns a row shows and
    one of the consents that stand. Counted only when `total` is not known already."""
    statement = (
        sa.select(Application.id, Application.waiting_since, Youth.first_name, Youth.last_name,
                  Youth.date_of_birth, Youth.gender, Youth.languages, Youth.zip_code)
        .join(Youth, Youth.id == Application.youth_id)
        .where(Application.program_id == program_id,
               Application.status == ApplicationStatus.WAITLISTED)
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
    result = WaitlistPagination(select=statement, make=_waitlist_row, page=page, per_page=PER_PAGE,
                                error_out=False, count=total is None)
    if total is not None:
        result.total = total
    return result


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
